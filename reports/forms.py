"""Forms of the report pages: which deployment, in which language."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deployments.models import Deployment
from reports.models import Report


class ReportRequestForm(forms.Form):
    """ "Ortsanalyse erstellen": the language, and the deployment if none is chosen yet."""

    deployment = forms.ModelChoiceField(label=_("Einsatz"), queryset=Deployment.objects.none())
    language = forms.ChoiceField(
        label=_("Sprache des Berichts"),
        choices=Report.Language.choices,
        initial=Report.Language.GERMAN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, deployments: QuerySet[Deployment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = deployments
