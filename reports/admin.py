"""Site analyses in the admin: start one per deployment, watch it run, download the PDF.

The PDF is downloaded through a view that checks the permissions again; report files are never
reachable under a public media URL. Portal accesses of the administration are for superusers.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdminMixin

from deployments import rules as planning_rules
from deployments.admin import DistrictFilter, OrganisationScopedAdmin
from deployments.models import Deployment
from deployments.services.audit import audit_record
from reports import selectors, services
from reports.forms import ReportRequestForm
from reports.models import PortalAccess, Report
from reports.views import pdf_response

# Seconds between reloads of a report's page while it is being built.
REFRESH_SECONDS = 3


class ReportDistrictFilter(DistrictFilter):
    areas_path = "deployment__site__areas"


def duration_text(duration: dt.timedelta | None) -> str:
    """A build's duration as people say it: "42 s", "3 min 5 s"."""
    if duration is None:
        return "–"
    minutes, seconds = divmod(round(duration.total_seconds()), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def progress_bar(report: Report) -> str:
    """The build's progress as an accessible bar with the step's name."""
    label = f"{report.progress} %"
    if report.state == Report.State.RUNNING and report.step:
        label = f"{label} – {report.step}"
    return format_html(
        '<progress class="report-progress" max="100" value="{}" aria-label="{}"></progress> {}',
        report.progress,
        gettext("Fortschritt"),
        label,
    )


@admin.register(Report)
class ReportAdmin(OrganisationScopedAdmin):
    organisation_path = "deployment__organisation"
    list_display = [
        "deployment",
        "language",
        "state",
        "progress_display",
        "page_count",
        "created_by",
        "duration_display",
        "created_at",
        "download_link",
    ]
    list_filter = ["state", "language", ReportDistrictFilter]
    list_select_related = ["deployment", "created_by"]
    search_fields = ["deployment__title", "deployment__site__name"]
    fields = [
        "deployment",
        "language",
        "state",
        "progress_display",
        "page_count",
        "file_hash",
        "snapshot_version",
        "recommendation_count",
        "attempts",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "duration_display",
    ]
    readonly_fields = fields
    actions = ["rebuild_reports"]
    change_form_template = "admin/reports/report/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).defer("snapshot")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # reports are requested through "Ortsanalyse erstellen" and never edited

    def get_urls(self):
        return [
            path(
                "erstellen/",
                self.admin_site.admin_view(self.request_view),
                name="reports_report_request",
            ),
            path(
                "<int:object_id>/herunterladen/",
                self.admin_site.admin_view(self.download_view),
                name="reports_report_download",
            ),
            path(
                "<int:object_id>/neu-erstellen/",
                self.admin_site.admin_view(self.rebuild_view),
                name="reports_report_rebuild",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        return self.request_view(request)

    def request_view(self, request: HttpRequest) -> HttpResponse:
        """ "Ortsanalyse erstellen": choose the language (and deployment), queue the build."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        deployments = planning_rules.scope_to_user(
            Deployment.objects.select_related("site"), request.user, "organisation"
        )
        chosen = request.POST.get("deployment") or request.GET.get("deployment")
        deployment = None
        if chosen:
            if not str(chosen).isdigit():
                raise Http404
            deployment = get_object_or_404(deployments, pk=chosen)
        data = request.POST if request.method == "POST" else None
        form = ReportRequestForm(
            data, initial={"deployment": deployment}, deployments=deployments.order_by("-starts_on")
        )
        if deployment is not None:
            form.fields["deployment"].widget = forms.HiddenInput()
        if form.is_valid():
            report = self._request(request, form)
            if report is not None:
                return redirect("admin:reports_report_change", report.pk)
        # analysis.services brings pandas, SciPy and scikit-learn: not loaded with the admin.
        from analysis.services import recommendations_for_report

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Ortsanalyse erstellen"),
            "form": form,
            "deployment": deployment,
            "recommendation_count": (
                len(recommendations_for_report(deployment=deployment)) if deployment else None
            ),
        }
        return TemplateResponse(request, "admin/reports/report/request.html", context)

    def _request(self, request: HttpRequest, form: ReportRequestForm) -> Report | None:
        deployment = form.cleaned_data["deployment"]
        if not request.user.has_perm("reports.add_report", deployment):
            raise PermissionDenied
        try:
            report = services.report_request(
                deployment=deployment, language=form.cleaned_data["language"], by=request.user
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
            return None
        self.message_user(
            request,
            gettext(
                "Die Ortsanalyse wird im Hintergrund erstellt. Diese Seite zeigt, wie weit sie "
                "ist; wenn sie fertig ist, bekommen Sie eine E-Mail."
            ),
            messages.SUCCESS,
        )
        return report

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, object_id)
        if report is not None:
            extra_context = {
                **(extra_context or {}),
                "refresh_seconds": (
                    REFRESH_SECONDS if report.state in services.IN_PROGRESS else None
                ),
                "download_url": self._download_url(report)
                if report.state == Report.State.DONE
                else None,
                "may_rebuild": report.state not in services.IN_PROGRESS
                and request.user.has_perm("reports.change_report", report),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def download_view(self, request: HttpRequest, object_id: int) -> FileResponse:
        """The finished PDF, for those who may see the report."""
        report = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not request.user.has_perm("reports.view_report", report):
            raise PermissionDenied
        download = selectors.report_download(report=report)
        if download is None:
            raise Http404(gettext("Diese Ortsanalyse ist noch nicht fertig."))
        return pdf_response(download)

    def rebuild_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """Build the report again from its stored snapshot (POST only)."""
        report = get_object_or_404(self.get_queryset(request), pk=object_id)
        if request.method == "POST":
            self._rebuild(request, [report])
        return redirect("admin:reports_report_change", report.pk)

    def _rebuild(self, request: HttpRequest, reports) -> None:
        done = 0
        for report in reports:
            if not request.user.has_perm("reports.change_report", report):
                raise PermissionDenied
            try:
                services.report_rebuild(report=report, by=request.user)
            except ValidationError as refusal:
                for message in refusal.messages:
                    self.message_user(request, f"{report}: {message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d Ortsanalyse wird aus ihrer gespeicherten Analyse neu erstellt.",
                    "%(count)d Ortsanalysen werden aus ihrer gespeicherten Analyse neu erstellt.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    def delete_model(self, request: HttpRequest, obj: Report) -> None:
        services.report_delete(report=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            services.report_delete(report=report, by=request.user)

    @staticmethod
    def _download_url(report: Report) -> str:
        return reverse("admin:reports_report_download", args=[report.pk])

    @admin.action(description=_("Neu erstellen (gleiche Zahlen wie bisher)"))
    def rebuild_reports(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._rebuild(request, queryset)

    @admin.display(description=_("Fortschritt"))
    def progress_display(self, report: Report) -> str:
        return progress_bar(report)

    @admin.display(description=_("Dauer"))
    def duration_display(self, report: Report) -> str:
        return duration_text(report.duration)

    @admin.display(description=_("Handlungsempfehlungen"))
    def recommendation_count(self, report: Report) -> int:
        return len(report.recommendations or [])

    @admin.display(description=_("Datei"))
    def download_link(self, report: Report) -> str:
        if report.state != Report.State.DONE:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', self._download_url(report), gettext("PDF herunterladen")
        )


def _access_data(access: PortalAccess) -> dict:
    return {
        "user": access.user.get_username(),
        "districts": sorted(area.code for area in access.districts.all()),
        "organisations": sorted(org.slug for org in access.organisations.all()),
    }


@admin.register(PortalAccess)
class PortalAccessAdmin(ObjectPermissionsModelAdminMixin, admin.ModelAdmin):
    """Who in the administration reads which deployments' reports in the portal."""

    list_display = ["user", "note", "district_names", "organisation_names"]
    search_fields = ["user__username", "user__email", "note"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["districts", "organisations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PortalAccess]:
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("districts", "organisations")
        )

    # Who reads which reports is a permission: every change is audited, once the districts and
    # organisations (saved after the row) are in place.
    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        audit_record(
            actor=request.user,
            action="portal_access.change" if change else "portal_access.add",
            target=form.instance,
            data={**_access_data(form.instance), "changed": list(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: PortalAccess) -> None:
        audit_record(
            actor=request.user, action="portal_access.delete", target=obj, data=_access_data(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PortalAccess]) -> None:
        for access in queryset:
            self.delete_model(request, access)

    @admin.display(description=_("Bezirke"))
    def district_names(self, access: PortalAccess) -> str:
        return ", ".join(area.name for area in access.districts.all()) or "–"

    @admin.display(description=_("Organisationen"))
    def organisation_names(self, access: PortalAccess) -> str:
        return ", ".join(org.name for org in access.organisations.all()) or "–"
