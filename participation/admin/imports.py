"""Imports in the admin: profiles (column mappings) and upload → preview → import.

Staff upload a file with a profile; a Celery task checks every row (the page reloads itself
while it runs) and shows the first rows as they would be imported, how many are new or already
there, and every bad cell with its row and column. "Jetzt importieren" imports the file, all or
nothing.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from deployments import rules as planning_rules
from deployments.admin import OrganisationScopedAdmin
from deployments.models import AgeBand, Deployment
from participation.models import HeardVia, ImportJob, ImportProfile, JobState, Kind, Relation
from participation.selectors.imports import import_jobs_for
from participation.services import imports as import_services

# Seconds between reloads of a job's page while the file is checked or imported.
REFRESH_SECONDS = 2

MAPPING_EXAMPLES = {
    ImportProfile.Target.PAPER_FORMS: {
        "date": "Datum",
        "kind": "Art",
        "text": "Ihre Idee",
        "theme": "Thema",
        "age_band": "Alter",
        "relation": "Bezug zum Kiez",
        "event": "Veranstaltung",
        "rating": "Bewertung",
    },
    ImportProfile.Target.VISITOR_COUNTER: {
        "timestamp": "Zeitstempel",
        "in": "Eingang",
        "out": "Ausgang",
    },
    ImportProfile.Target.PLATFORM_EXPORT: {
        "title": "Titel",
        "text": "Beschreibung",
        "theme": "Kategorie",
        "date": "Erstellt",
        "latitude": "Ort (Breitengrad)",
        "longitude": "Ort (Längengrad)",
    },
}
VALUE_MAPS_EXAMPLE = {
    "age_band": {"unter 18": "15_17", "keine Angabe": ""},
    "relation": {"Ich wohne hier": "lives_here"},
}
CODES = {
    "kind": [Kind.IDEA, Kind.FEEDBACK],
    "age_band": AgeBand,
    "relation": Relation,
    "heard_via": HeardVia,
}


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def mapping_help() -> SafeString:
    """For each kind of file: its fields (required ones marked) and an example mapping."""
    intro = gettext(
        "Welche Spalte der Datei (Spaltenname aus der ersten Zeile) zu welchem Feld gehört, als "
        'JSON: {"Feld": "Spaltenname"}. Groß- und Kleinschreibung zählt nicht.'
    )
    items = []
    for target, spec in import_services.TARGETS.items():
        fields = ", ".join(
            f"{field.name}{'*' if field.required else ''} ({field.label})" for field in spec.fields
        )
        items.append(
            (
                ImportProfile.Target(target).label,
                fields,
                _json(MAPPING_EXAMPLES[target]),
            )
        )
    return format_html(
        "{}<br>{}<ul>{}</ul>",
        intro,
        gettext("* = muss zugeordnet sein."),
        format_html_join(
            "",
            "<li><strong>{}</strong>: {}<br>{} <code>{}</code></li>",
            ((label, fields, gettext("Beispiel:"), example) for label, fields, example in items),
        ),
    )


def value_maps_help() -> SafeString:
    """How to translate a file's spellings into the codes, with the codes per field."""
    intro = gettext(
        "Schreibweisen der Datei in die Werte der Plattform übersetzen, als JSON: "
        '{"Feld": {"Wert in der Datei": "Wert"}}. Ein leerer Wert bedeutet „keine Angabe“. '
        "Die deutschen Bezeichnungen (z. B. „wohnt hier“) werden auch ohne Übersetzung erkannt."
    )
    codes = format_html_join(
        "",
        "<li>{}: {}</li>",
        (
            (name, ", ".join(f"{choice.value} ({choice.label})" for choice in choices))
            for name, choices in CODES.items()
        ),
    )
    return format_html(
        "{}<br>{} <code>{}</code><ul>{}</ul>",
        intro,
        gettext("Beispiel:"),
        _json(VALUE_MAPS_EXAMPLE),
        codes,
    )


class ImportProfileForm(forms.ModelForm):
    class Meta:
        model = ImportProfile
        fields = ["organisation", "name", "target", "mapping", "value_maps"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].help_text = mapping_help()
        self.fields["value_maps"].help_text = value_maps_help()

    def clean(self) -> dict:
        cleaned = super().clean()
        if "target" in cleaned and "mapping" in cleaned:
            problems = import_services.import_profile_problems(
                target=cleaned["target"],
                mapping=cleaned["mapping"],
                value_maps=cleaned.get("value_maps"),
            )
            if problems:
                raise ValidationError(problems)
        return cleaned


@admin.register(ImportProfile)
class ImportProfileAdmin(OrganisationScopedAdmin):
    form = ImportProfileForm
    list_display = ["name", "target", "organisation"]
    list_filter = ["target"]
    list_select_related = ["organisation"]
    search_fields = ["name"]


class ImportUploadForm(forms.Form):
    deployment = forms.ModelChoiceField(label=_("Einsatz"), queryset=Deployment.objects.none())
    profile = forms.ModelChoiceField(
        label=_("Import-Vorlage"),
        queryset=ImportProfile.objects.none(),
        help_text=_("Sie sagt, welche Spalte der Datei was bedeutet (unter „Import-Vorlagen“)."),
    )
    file = forms.FileField(
        label=_("Datei"),
        help_text=_(
            "CSV (Trennzeichen ; oder ,) oder Excel (.xlsx, erstes Tabellenblatt), höchstens "
            "20 MB. Die erste Zeile enthält die Spaltennamen."
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = planning_rules.scope_to_user(
            Deployment.objects.all(), user, "organisation"
        )
        self.fields["profile"].queryset = planning_rules.scope_to_user(
            ImportProfile.objects.select_related("organisation"), user, "organisation"
        )


@admin.register(ImportJob)
class ImportJobAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = [
        "original_name",
        "deployment",
        "profile",
        "state",
        "progress_percent",
        "rows_new",
        "rows_known",
        "created_by",
        "created_at",
    ]
    list_filter = ["state", "profile__target"]
    list_select_related = ["deployment", "profile", "created_by"]
    search_fields = ["original_name", "deployment__title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return import_jobs_for(user=request.user)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/importieren/",
                self.admin_site.admin_view(require_POST(self.confirm_view)),
                name="participation_importjob_confirm",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Upload a file with a profile; the preview starts in the background."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            user=request.user,
        )
        if form.is_valid():
            job = self._create(request, form)
            if job is not None:
                return redirect("admin:participation_importjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Datei importieren"),
            "form": form,
        }
        return TemplateResponse(request, "admin/participation/importjob/upload.html", context)

    def _create(self, request: HttpRequest, form: ImportUploadForm) -> ImportJob | None:
        deployment = form.cleaned_data["deployment"]
        if not request.user.has_perm("participation.add_importjob", deployment):
            raise PermissionDenied
        try:
            job = import_services.import_job_create(
                deployment=deployment,
                profile=form.cleaned_data["profile"],
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
            return None
        self.message_user(
            request,
            gettext("Die Datei wird geprüft; noch wird nichts importiert."),
            messages.SUCCESS,
        )
        return job

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """The job's page: state and progress, the preview, the errors, "Jetzt importieren"."""
        job = self.get_object(request, unquote(object_id))
        if job is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        running = job.state in (JobState.QUEUED, JobState.RUNNING)
        columns, rows = preview_table(job)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import: %(file)s") % {"file": job.original_name},
            "job": job,
            "is_counter": job.profile.target == ImportProfile.Target.VISITOR_COUNTER,
            "refresh_seconds": REFRESH_SECONDS if running else None,
            "preview_columns": columns,
            "preview_rows": rows,
            "may_confirm": (
                job.state == JobState.PREVIEWED
                and job.dry_run
                and not job.row_errors
                and request.user.has_perm("participation.change_importjob", job)
            ),
        }
        return TemplateResponse(request, "admin/participation/importjob/status.html", context)

    def confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """ "Jetzt importieren": queue the real import of a previewed file."""
        job = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not request.user.has_perm("participation.change_importjob", job):
            raise PermissionDenied
        try:
            import_services.import_job_confirm(job=job, by=request.user)
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Der Import läuft. Diese Seite zeigt, wie weit er ist."),
                messages.SUCCESS,
            )
        return redirect("admin:participation_importjob_change", job.pk)

    def delete_model(self, request: HttpRequest, obj: ImportJob) -> None:
        import_services.import_job_delete(job=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        for job in queryset:
            import_services.import_job_delete(job=job, by=request.user)

    @admin.display(description=_("Fortschritt"))
    def progress_percent(self, job: ImportJob) -> str:
        return f"{job.progress} %"


def preview_table(job: ImportJob) -> tuple[list[str], list[tuple[int, bool, list[str]]]]:
    """The preview's columns (only those with a value) and rows, in the target's order."""
    labels = import_services.TARGETS[job.profile.target].preview_labels
    present = {name for row in job.preview for name in row.get("values", {})}
    names = [name for name in labels if name in present]
    rows = [
        (row["row"], row["known"], [row["values"].get(name, "") for name in names])
        for row in job.preview
    ]
    return [str(labels[name]) for name in names], rows
