"""Polls for the tablet in the admin: the question, its answers and their translations."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from deployments.admin import OrganisationScopedAdmin, ScopedTabularInline
from kiezlabor.i18n import missing_translations
from participation.models import Poll, PollOption

TRANSLATIONS_HELP = _(
    'Für das Tablet, z. B. {"en": "…", "tr": "…", "ar": "…", "uk": "…"}. '
    "Fehlt eine Sprache, sehen die Menschen dort den deutschen Text."
)


class PollForm(forms.ModelForm):
    class Meta:
        model = Poll
        fields = [
            "deployment",
            "question",
            "translations",
            "type",
            "points",
            "is_active",
            "position",
        ]
        help_texts = {"translations": TRANSLATIONS_HELP}

    def clean(self) -> dict:
        cleaned = super().clean()
        is_dots = cleaned.get("type") == Poll.Type.DOTS
        if is_dots and cleaned.get("points") is None:
            self.add_error("points", _("Beim Punkteverteilen bitte angeben, wie viele Punkte."))
        if not is_dots and cleaned.get("points") is not None:
            self.add_error(
                "points", _("Punkte gibt es nur beim Punkteverteilen; bitte leer lassen.")
            )
        return cleaned


class PollOptionInline(ScopedTabularInline):
    model = PollOption
    fields = ["label", "translations", "position"]
    ordering = ["position", "pk"]

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("help_texts", {"translations": TRANSLATIONS_HELP})
        return super().get_formset(request, obj, **kwargs)


@admin.register(Poll)
class PollAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    form = PollForm
    inlines = [PollOptionInline]
    list_display = [
        "question",
        "deployment",
        "type",
        "points",
        "is_active",
        "position",
        "response_count",
        "untranslated",
    ]
    list_filter = ["type", "is_active", "deployment__status"]
    list_editable = ["is_active", "position"]
    list_select_related = ["deployment"]
    search_fields = ["question", "deployment__title"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(response_total=Count("responses", distinct=True))
            .prefetch_related(
                Prefetch("options", queryset=PollOption.objects.only("poll_id", "translations"))
            )
        )

    @admin.display(description=_("Antworten"), ordering="response_total")
    def response_count(self, poll: Poll) -> int:
        return poll.response_total

    @admin.display(description=_("Übersetzung fehlt"))
    def untranslated(self, poll: Poll) -> str:
        """Languages in which the question or an answer still shows German."""
        missing = set(missing_translations(poll.translations))
        for option in poll.options.all():
            missing.update(missing_translations(option.translations))
        return ", ".join(sorted(missing)) or "–"
