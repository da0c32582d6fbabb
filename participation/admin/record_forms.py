"""Forms of the admin pages on which the team records what happened on site.

Each form only collects and checks input; saving is the matching service in
``participation.services.records``, whose refusals come back onto the form's fields.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from deployments.models import AgeBand, Deployment, Event, Theme
from deployments.rules import scope_to_user
from participation.models import Channel, Relation, WorkshopResult
from participation.models.contributions import TEXT_MAX_LENGTH
from participation.services.records import GroupCount, workshop_photo_check

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NO_AGE_BAND = "ohne"


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, event: Event) -> str:
        return f"{event.starts_at.astimezone(BERLIN):%d.%m.%Y %H:%M} – {event.title}"


class ServiceErrorsMixin:
    """Show a service's refusal at the field it concerns, or above the form."""

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            field = name if name in self.fields and name != NON_FIELD_ERRORS else None
            for item in errors:
                self.add_error(field, item)


class RecordForm(ServiceErrorsMixin, forms.Form):
    """A form for one deployment (and optionally one of its events) of the user's organisations.

    Once a deployment is chosen (in the data or the initial values), only its events are offered.
    """

    deployment = forms.ModelChoiceField(queryset=Deployment.objects.none(), label=_("Einsatz"))
    event = EventChoiceField(
        queryset=Event.objects.none(), required=False, label=_("Veranstaltung")
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        deployments = scope_to_user(Deployment.objects.all(), user, "organisation")
        self.fields["deployment"].queryset = deployments
        events = scope_to_user(
            Event.objects.exclude(state=Event.State.CANCELLED), user, "deployment__organisation"
        )
        chosen = self.data.get("deployment") if self.is_bound else self.initial.get("deployment")
        if chosen and str(chosen).isdigit():
            events = events.filter(deployment_id=int(chosen))
        self.fields["event"].queryset = events.order_by("starts_at")


class VisitorHourForm(RecordForm):
    """One hour's visitors, one number per age band; empty fields are left as they were."""

    day = forms.DateField(label=_("Tag"), widget=widgets.AdminDateWidget)
    hour = forms.TypedChoiceField(
        label=_("Stunde ab"),
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        initial=10,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for band in AgeBand:
            self.fields[f"count_{band.value}"] = forms.IntegerField(
                label=band.label, min_value=0, required=False
            )
        self.fields[f"count_{NO_AGE_BAND}"] = forms.IntegerField(
            label=_("Alter nicht erkannt"), min_value=0, required=False
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not any(self.cleaned_data.get(name) is not None for name in self._count_fields()):
            raise ValidationError(_("Bitte mindestens eine Anzahl eintragen."), code="no_counts")
        return cleaned

    def _count_fields(self) -> list[str]:
        return [name for name in self.fields if name.startswith("count_")]

    def hour_starts_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.cleaned_data["day"], dt.time(self.cleaned_data["hour"]), tzinfo=BERLIN
        )

    def counts(self) -> list[GroupCount]:
        groups = []
        for name in self._count_fields():
            value = self.cleaned_data.get(name)
            if value is None:
                continue
            band = name.removeprefix("count_")
            groups.append(GroupCount(count=value, age_band="" if band == NO_AGE_BAND else band))
        return groups

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "hour_starts_at" in error.error_dict:
            error = ValidationError(
                {("day" if k == "hour_starts_at" else k): v for k, v in error.error_dict.items()}
            )
        super().add_service_error(error)


def _choices(blank: str, choices) -> list[tuple[str, str]]:
    return [("", blank), *choices]


class ConversationNoteForm(RecordForm):
    text = forms.CharField(
        label=_("Was wurde gesagt?"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "In eigenen Worten, ohne Namen oder Kontaktdaten; E-Mail-Adressen, Telefonnummern "
            "und IBANs werden beim Speichern entfernt."
        ),
    )
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, label=_("Thema"))
    language = forms.ChoiceField(
        label=_("Sprache des Gesprächs"), choices=settings.LANGUAGES, initial="de"
    )
    age_band = forms.ChoiceField(
        label=_("Altersgruppe (geschätzt)"),
        choices=_choices(_("nicht eingeschätzt"), AgeBand.choices),
        required=False,
    )
    relation = forms.ChoiceField(
        label=_("Bezug zum Kiez (geschätzt)"),
        choices=_choices(_("nicht eingeschätzt"), Relation.choices),
        required=False,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["theme"].queryset = scope_to_user(Theme.objects.all(), user, "organisation")


class FeedbackForm(RecordForm):
    rating = forms.TypedChoiceField(
        label=_("Bewertung"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=_choices(_("keine Bewertung"), [(n, str(n)) for n in range(1, 6)]),
        help_text=_("1 = gar nicht gut, 5 = sehr gut"),
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    channel = forms.ChoiceField(
        label=_("Woher"),
        choices=[
            (Channel.PAPER.value, _("Rückmeldekarte (Papier)")),
            (Channel.CONVERSATION.value, _("im Gespräch")),
        ],
        initial=Channel.PAPER.value,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].required = True


class WorkshopResultForm(RecordForm):
    title = forms.CharField(
        label=_("Titel"), max_length=200, widget=forms.TextInput(attrs={"class": "vTextField"})
    )
    method = forms.ChoiceField(label=_("Methode"), choices=WorkshopResult.Method.choices)
    participants = forms.IntegerField(label=_("Teilnehmende"), min_value=1)
    held_on = forms.DateField(label=_("am"), widget=widgets.AdminDateWidget)
    statements = forms.CharField(
        label=_("Ergebnisse"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ein Ergebnis je Zeile, so wie es auf der Wand stand."),
    )

    def statement_lines(self) -> list[str]:
        return [line for line in self.cleaned_data["statements"].splitlines() if line.strip()]


PHOTO_ACCEPT = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})


class WorkshopPhotoForm(forms.Form):
    image = forms.FileField(label=_("Foto"), required=False, widget=PHOTO_ACCEPT)
    caption = forms.CharField(label=_("Beschreibung"), max_length=200, required=False)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image:
            try:
                workshop_photo_check(image)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return image


WorkshopPhotoFormSet = forms.formset_factory(WorkshopPhotoForm, extra=3, max_num=10)


class WorkshopPhotoInlineForm(forms.ModelForm):
    """The photo inline of a workshop result: the same check as the service."""

    image = forms.FileField(label=_("Foto"), widget=PHOTO_ACCEPT)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            try:
                workshop_photo_check(image)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return image


class ReflectionForm(ServiceErrorsMixin, forms.Form):
    deployment = forms.ModelChoiceField(queryset=Deployment.objects.none(), label=_("Einsatz"))
    written_on = forms.DateField(label=_("am"), widget=widgets.AdminDateWidget)
    went_well = forms.CharField(
        label=_("Was lief gut?"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    to_improve = forms.CharField(
        label=_("Was machen wir anders?"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notes = forms.CharField(
        label=_("Weitere Beobachtungen"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = scope_to_user(
            Deployment.objects.all(), user, "organisation"
        )
