"""Exports in the admin: start one per deployment, watch it run, download the file.

Downloads go through a view that checks the permissions again; files are never reachable under
a public media URL.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deployments import rules as planning_rules
from deployments.admin import OrganisationScopedAdmin
from deployments.models import Deployment
from participation.models import ExportJob, JobState
from participation.selectors import exports as export_selectors
from participation.services import exports as export_services

# Seconds between reloads of a job's page while the export runs.
REFRESH_SECONDS = 3


class ExportCreateForm(forms.Form):
    deployment = forms.ModelChoiceField(label=_("Einsatz"), queryset=Deployment.objects.none())
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.CSV,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, deployments: QuerySet[Deployment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deployment"].queryset = deployments


def file_response(download: export_selectors.ExportDownload) -> FileResponse:
    """The file as an attachment that browsers neither sniff nor cache."""
    response = FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@admin.register(ExportJob)
class ExportJobAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = [
        "deployment",
        "format",
        "state",
        "progress_percent",
        "row_count",
        "created_by",
        "created_at",
        "download_link",
    ]
    list_filter = ["state", "format"]
    list_select_related = ["deployment", "created_by"]
    search_fields = ["deployment__title"]
    fields = [
        "deployment",
        "format",
        "state",
        "progress",
        "row_count",
        "include_unapproved",
        "include_demographics",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/participation/exportjob/change_form.html"

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # jobs are started through "Export erstellen" and never edited

    def get_urls(self):
        return [
            path(
                "einsatz/<int:deployment_id>/",
                self.admin_site.admin_view(self.create_view),
                name="participation_exportjob_create",
            ),
            path(
                "<int:object_id>/herunterladen/",
                self.admin_site.admin_view(self.download_view),
                name="participation_exportjob_download",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        return self.create_view(request)

    def create_view(self, request: HttpRequest, deployment_id: int | None = None) -> HttpResponse:
        """ "Export erstellen": choose the format (and the deployment) and queue the export."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        deployments = planning_rules.scope_to_user(
            Deployment.objects.all(), request.user, "organisation"
        )
        deployment = (
            get_object_or_404(deployments, pk=deployment_id) if deployment_id is not None else None
        )
        data = request.POST if request.method == "POST" else None
        initial = {"deployment": deployment} if deployment else {}
        form = ExportCreateForm(data, initial=initial, deployments=deployments)
        if deployment is not None:
            form.fields["deployment"].widget = forms.HiddenInput()
        if form.is_valid():
            job = self._create(request, form)
            if job is not None:
                return redirect("admin:participation_exportjob_change", job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Export erstellen"),
            "form": form,
            "deployment": deployment,
            "may_see_unapproved": deployment is not None
            and request.user.has_perm("participation.view_unapproved_contributions", deployment),
            "may_see_people": deployment is not None
            and request.user.has_perm("participation.view_personal_demographics", deployment),
        }
        return TemplateResponse(request, "admin/participation/exportjob/create.html", context)

    def _create(self, request: HttpRequest, form: ExportCreateForm) -> ExportJob | None:
        deployment = form.cleaned_data["deployment"]
        if not request.user.has_perm("participation.add_exportjob", deployment):
            raise PermissionDenied
        try:
            job = export_services.export_job_create(
                deployment=deployment, format=form.cleaned_data["format"], by=request.user
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
            return None
        self.message_user(
            request,
            gettext("Der Export wird erstellt. Diese Seite zeigt, wie weit er ist."),
            messages.SUCCESS,
        )
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        if job is not None:
            running = job.state in (JobState.QUEUED, JobState.RUNNING)
            downloadable = job.state == JobState.DONE and export_selectors.export_job_downloadable(
                job=job, user=request.user
            )
            extra_context = {
                **(extra_context or {}),
                "refresh_seconds": REFRESH_SECONDS if running else None,
                "download_url": self._download_url(job) if downloadable else None,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def download_view(self, request: HttpRequest, object_id: int) -> FileResponse:
        """The finished file, for those who may see everything in it."""
        job = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not export_selectors.export_job_downloadable(job=job, user=request.user):
            raise PermissionDenied
        download = export_selectors.export_download(job=job)
        if download is None:
            raise Http404(gettext("Dieser Export ist noch nicht fertig."))
        return file_response(download)

    def delete_model(self, request: HttpRequest, obj: ExportJob) -> None:
        export_services.export_job_delete(job=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExportJob]) -> None:
        for job in queryset:
            export_services.export_job_delete(job=job)

    @staticmethod
    def _download_url(job: ExportJob) -> str:
        return reverse("admin:participation_exportjob_download", args=[job.pk])

    @admin.display(description=_("Fortschritt"))
    def progress_percent(self, job: ExportJob) -> str:
        return f"{job.progress} %"

    @admin.display(description=_("Datei"))
    def download_link(self, job: ExportJob) -> str:
        if job.state != JobState.DONE:
            return "–"
        return format_html('<a href="{}">{}</a>', self._download_url(job), gettext("Herunterladen"))
