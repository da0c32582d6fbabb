"""What the team records on site, in the admin: visitor counts, conversation notes, workshop
results, event feedback, the team's reflection log, and the "Daten des Einsatzes" page.

Every page that records something calls the service in ``participation.services.records``;
the forms only collect input and show the services' refusals.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from deployments.admin import OrganisationScopedAdmin, ScopedChoicesMixin
from deployments.models import Deployment, Event, Theme
from deployments.rules import scope_to_user
from participation.admin import record_forms
from participation.models import ReflectionEntry, VisitorCount, WorkshopPhoto, WorkshopResult
from participation.selectors.records import deployment_data
from participation.services import records

FORM_TEMPLATE = "admin/participation/records/record_form.html"
DATA_TEMPLATE = "admin/participation/records/deployment_data.html"
RECORD_CHOICE_SCOPES = {
    **ScopedChoicesMixin.choice_scopes,
    "event": (Event, "deployment__organisation"),
    "theme": (Theme, "organisation"),
}


class RecordPagesMixin:
    """Custom admin pages that collect one record with a form and hand it to a service."""

    def _initial(self, request: HttpRequest) -> dict:
        initial = {}
        for name in ("deployment", "event"):
            value = request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def _render_form(
        self, request: HttpRequest, form, *, title: str, formset=None, intro: str = ""
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "intro": intro,
            "form": form,
            "formset": formset,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, FORM_TEMPLATE, context)

    def _saved(self, request: HttpRequest, message: str, deployment: Deployment) -> HttpResponse:
        self.message_user(request, message, messages.SUCCESS)
        if "_addanother" in request.POST:
            return HttpResponseRedirect(f"{request.path}?deployment={deployment.pk}")
        return HttpResponseRedirect(
            reverse("admin:participation_deployment_data", args=[deployment.pk])
        )

    def _require(self, request: HttpRequest, perm: str) -> None:
        if not request.user.has_perm(perm):
            raise PermissionDenied


# --- Visitor counts -------------------------------------------------------------------------


@admin.register(VisitorCount)
class VisitorCountAdmin(RecordPagesMixin, OrganisationScopedAdmin):
    """Visitor counts; also home of the pages for notes, feedback and a deployment's data."""

    organisation_path = "deployment__organisation"
    choice_scopes = RECORD_CHOICE_SCOPES
    list_display = [
        "hour_starts_at",
        "deployment",
        "age_band",
        "gender",
        "count",
        "source",
        "event",
    ]
    list_filter = ["source", "age_band", "gender", "deployment__status"]
    list_select_related = ["deployment", "event"]
    date_hierarchy = "hour_starts_at"
    search_fields = ["deployment__title"]
    fields = ["deployment", "event", "hour_starts_at", "age_band", "gender", "source", "count"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "einsatz/<int:deployment_id>/",
                view(self.deployment_data_view),
                name="participation_deployment_data",
            ),
            path(
                "gespraechsnotiz/",
                view(self.record_note_view),
                name="participation_record_note",
            ),
            path(
                "rueckmeldung/",
                view(self.record_feedback_view),
                name="participation_record_feedback",
            ),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        editable = {"count"} if obj and obj.source == VisitorCount.Source.MANUAL else set()
        return [name for name in self.fields if name not in editable]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """One hour's counts for every age band in one go."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = record_forms.VisitorHourForm(
            request.POST or None, user=request.user, initial=self._initial(request)
        )
        if request.method == "POST" and form.is_valid():
            try:
                rows = records.visitor_counts_record(
                    deployment=form.cleaned_data["deployment"],
                    hour_starts_at=form.hour_starts_at(),
                    counts=form.counts(),
                    event=form.cleaned_data["event"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                message = _("%(total)s Besucher:innen für %(hour)s Uhr gespeichert.") % {
                    "total": sum(row.count for row in rows),
                    "hour": f"{form.cleaned_data['day']:%d.%m.%Y} {form.cleaned_data['hour']:02d}",
                }
                return self._saved(request, message, form.cleaned_data["deployment"])
        return self._render_form(
            request,
            form,
            title=_("Besucherzahlen einer Stunde erfassen"),
            intro=_(
                "Eine Zahl je Altersgruppe; leere Felder bleiben, wie sie sind. Wer dieselbe "
                "Stunde noch einmal erfasst, ersetzt die Zahlen der ausgefüllten Gruppen."
            ),
        )

    def save_model(self, request, obj: VisitorCount, form, change: bool) -> None:
        records.visitor_counts_record(
            deployment=obj.deployment,
            hour_starts_at=obj.hour_starts_at,
            counts=[records.GroupCount(count=obj.count, age_band=obj.age_band, gender=obj.gender)],
            event=obj.event,
            by=request.user,
        )

    def record_note_view(self, request: HttpRequest) -> HttpResponse:
        """Gesprächsnotiz erfassen."""
        self._require(request, "participation.add_contribution")
        form = record_forms.ConversationNoteForm(
            request.POST or None, user=request.user, initial=self._initial(request)
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                records.conversation_note_record(
                    deployment=data["deployment"],
                    by=request.user,
                    text=data["text"],
                    theme=data["theme"],
                    language=data["language"],
                    age_band=data["age_band"],
                    relation=data["relation"],
                    event=data["event"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return self._saved(request, _("Gesprächsnotiz gespeichert."), data["deployment"])
        return self._render_form(
            request,
            form,
            title=_("Gesprächsnotiz erfassen"),
            intro=_(
                "Ein kurzes Gespräch am Container: was die Person gesagt hat, und was Sie zu "
                "Alter und Bezug zum Kiez schätzen (wird als Schätzung gekennzeichnet)."
            ),
        )

    def record_feedback_view(self, request: HttpRequest) -> HttpResponse:
        """Rückmeldung zu einer Veranstaltung erfassen (z. B. von einer Papierkarte)."""
        self._require(request, "participation.add_contribution")
        form = record_forms.FeedbackForm(
            request.POST or None, user=request.user, initial=self._initial(request)
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                records.feedback_record(
                    deployment=data["deployment"],
                    event=data["event"],
                    by=request.user,
                    rating=data["rating"],
                    text=data["text"],
                    channel=data["channel"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return self._saved(request, _("Rückmeldung gespeichert."), data["deployment"])
        return self._render_form(
            request,
            form,
            title=_("Rückmeldung erfassen"),
            intro=_("Eine Bewertung von 1 bis 5 oder ein Text zu einer Veranstaltung."),
        )

    def deployment_data_view(self, request: HttpRequest, deployment_id: int) -> TemplateResponse:
        """Daten des Einsatzes: everything recorded during one deployment."""
        deployment = get_object_or_404(
            scope_to_user(
                Deployment.objects.select_related("site", "organisation"),
                request.user,
                "organisation",
            ),
            pk=deployment_id,
        )
        if not request.user.has_perm("deployments.view_deployment", deployment):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Daten des Einsatzes: %(deployment)s") % {"deployment": deployment},
            "deployment": deployment,
            "data": deployment_data(deployment=deployment),
            "show_demographics": request.user.has_perm(
                "participation.view_personal_demographics", deployment
            ),
        }
        return TemplateResponse(request, DATA_TEMPLATE, context)


# --- Workshop results -----------------------------------------------------------------------


class WorkshopPhotoInline(ScopedChoicesMixin, admin.TabularInline):
    model = WorkshopPhoto
    form = record_forms.WorkshopPhotoInlineForm
    fields = ["image", "caption"]
    extra = 1


@admin.register(WorkshopResult)
class WorkshopResultAdmin(RecordPagesMixin, OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    choice_scopes = RECORD_CHOICE_SCOPES
    list_display = [
        "title",
        "deployment",
        "held_on",
        "method",
        "participants",
        "statement_total",
        "photo_total",
    ]
    list_filter = ["method", "deployment__status"]
    list_select_related = ["deployment"]
    date_hierarchy = "held_on"
    search_fields = ["title", "deployment__title"]
    fields = [
        "deployment",
        "event",
        "title",
        "method",
        "participants",
        "held_on",
        "statement_list",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = ["deployment", "statement_list", "recorded_by", "created_at"]
    inlines = [WorkshopPhotoInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                statements_total=Count("statements", distinct=True),
                photos_total=Count("photos", distinct=True),
            )
        )

    @admin.display(description=_("Ergebnisse"), ordering="statements_total")
    def statement_total(self, result: WorkshopResult) -> int:
        return result.statements_total

    @admin.display(description=_("Fotos"), ordering="photos_total")
    def photo_total(self, result: WorkshopResult) -> int:
        return result.photos_total

    @admin.display(description=_("Ergebnisse"))
    def statement_list(self, result: WorkshopResult) -> str:
        statements = result.statements.order_by("pk").only("text")
        return format_html_join("", "<p>{}</p>", ((s.text,) for s in statements)) or "–"

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Title, method and participants, the statements as lines, and photos of the boards."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = record_forms.WorkshopResultForm(
            request.POST or None, user=request.user, initial=self._initial(request)
        )
        formset = record_forms.WorkshopPhotoFormSet(
            request.POST or None, request.FILES or None, prefix="photos"
        )
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            photos = [
                (photo["image"], photo.get("caption", ""))
                for photo in formset.cleaned_data
                if photo.get("image")
            ]
            try:
                result = records.workshop_result_record(
                    deployment=data["deployment"],
                    by=request.user,
                    title=data["title"],
                    method=data["method"],
                    participants=data["participants"],
                    held_on=data["held_on"],
                    statements=form.statement_lines(),
                    event=data["event"],
                    photos=photos,
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                message = _("Werkstatt-Ergebnis „%(title)s“ mit %(count)s Ergebnissen gespeichert.")
                return self._saved(
                    request,
                    message % {"title": result.title, "count": len(form.statement_lines())},
                    data["deployment"],
                )
        return self._render_form(
            request, form, formset=formset, title=_("Werkstatt-Ergebnis erfassen")
        )

    def save_formset(self, request, form, formset, change: bool) -> None:
        """New photos go through the service (checked, stored under a neutral name)."""
        if formset.model is not WorkshopPhoto:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        for photo in formset.deleted_objects:
            photo.delete()
        for photo, _changed in formset.changed_objects:
            photo.save()
        formset.new_objects = [
            records.workshop_photo_add(
                workshop=form.instance,
                by=request.user,
                image=photo_form.cleaned_data["image"],
                caption=photo_form.cleaned_data.get("caption", ""),
            )
            for photo_form in formset.extra_forms
            if photo_form.has_changed() and photo_form not in formset.deleted_forms
        ]


# --- Team reflection ------------------------------------------------------------------------


@admin.register(ReflectionEntry)
class ReflectionEntryAdmin(RecordPagesMixin, OrganisationScopedAdmin):
    """The team's internal log: only members of the organisation see it; entries stay as written."""

    organisation_path = "deployment__organisation"
    list_display = ["written_on", "deployment", "author", "went_well_short"]
    list_filter = ["deployment__status"]
    list_select_related = ["deployment", "author"]
    date_hierarchy = "written_on"
    search_fields = ["went_well", "to_improve", "notes", "deployment__title"]
    fields = ["deployment", "written_on", "author", "went_well", "to_improve", "notes"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Was lief gut?"))
    def went_well_short(self, entry: ReflectionEntry) -> str:
        text = entry.went_well or entry.notes or entry.to_improve
        return text if len(text) <= 80 else f"{text[:79]}…"

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = record_forms.ReflectionForm(
            request.POST or None, user=request.user, initial=self._initial(request)
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                records.reflection_record(
                    deployment=data["deployment"],
                    author=request.user,
                    written_on=data["written_on"],
                    went_well=data["went_well"],
                    to_improve=data["to_improve"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return self._saved(request, _("Reflexion gespeichert."), data["deployment"])
        return self._render_form(
            request,
            form,
            title=_("Team-Reflexion schreiben"),
            intro=_(
                "Intern: nur das Team sieht die Reflexion; sie zählt in keiner Auswertung der "
                "Beiträge mit."
            ),
        )
