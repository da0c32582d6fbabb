"""The admin page "Standortwahl": Prognoseräume ranked for the organisation's next deployment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deployments.models import Area, Organisation
from deployments.selectors import areas as area_selectors

TEMPLATE = "admin/deployments/site_selection.html"


class SiteSelectionForm(forms.Form):
    """The page's filters, read from the query string."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=None,
    )
    bezirk = forms.ChoiceField(label=_("Bezirk"), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        districts: QuerySet[Area],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["bezirk"].choices = [
            ("", _("alle Bezirke")),
            *((district.code, district.name) for district in districts),
        ]


def site_selection_view(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Show the ranking for one of the user's organisations, optionally for one district.

    Staff only; a user sees the organisations they are a member of, superusers every one.
    """
    user = request.user
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    organisations = area_selectors.site_selection_organisations(user=user)
    form = SiteSelectionForm(
        request.GET,
        organisations=organisations,
        districts=area_selectors.districts(),
    )
    form.is_valid()
    if "organisation" in form.errors:
        raise PermissionDenied
    organisation = form.cleaned_data.get("organisation") or organisations.first()
    if organisation is None and not user.is_superuser:
        raise PermissionDenied
    district_code = form.cleaned_data.get("bezirk") or None

    scores = (
        area_selectors.rank_forecast_areas(
            organisation=organisation, district_code=district_code, today=timezone.localdate()
        )
        if organisation
        else []
    )
    context = {
        **admin_site.each_context(request),
        "title": _("Standortwahl"),
        "form": form,
        "organisation": organisation,
        "show_organisation_choice": len(form.fields["organisation"].choices) > 1,
        "scores": scores,
        "weight_social_status": area_selectors.WEIGHT_SOCIAL_STATUS,
        "weight_population": area_selectors.WEIGHT_POPULATION,
        "weight_rotation": area_selectors.WEIGHT_ROTATION,
        "rotation_period_days": area_selectors.ROTATION_PERIOD_DAYS,
    }
    return TemplateResponse(request, TEMPLATE, context)
