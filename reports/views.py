"""The administration portal: site analyses and data exports of the deployments in one's scope.

Everyone logs in with their Django account. Lists are scoped in SQL (``reports.selectors``);
files are streamed by views that check the permission on the object, never from a media URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from deployments.models import Deployment
from participation.admin.exports import file_response
from participation.models import ExportJob, JobState
from participation.selectors.exports import export_download
from reports import selectors, services
from reports.forms import ReportRequestForm
from reports.models import Report

LOGIN_URL = reverse_lazy("reports:login")
DEPLOYMENTS_PER_PAGE = 20
# The portal's page asks for the state of at most this many reports at once.
MAX_POLLED = 100


def pdf_response(download: selectors.ReportDownload) -> FileResponse:
    """The PDF as an attachment that browsers neither sniff nor cache."""
    response = FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _require_portal(request: HttpRequest) -> None:
    if not request.user.has_perm("reports.use_portal"):
        raise PermissionDenied(
            gettext(
                "Ihr Konto hat noch keinen Zugang zum Portal. Bitte beim Kiezlabor-Team melden."
            )
        )


class PortalLoginView(auth_views.LoginView):
    template_name = "reports/portal/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("reports:index")


class PortalLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


@never_cache
@login_required(login_url=LOGIN_URL)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The deployments in the user's scope with their site analyses and data exports."""
    _require_portal(request)
    page = Paginator(
        selectors.deployments_for_portal(user=request.user), DEPLOYMENTS_PER_PAGE
    ).get_page(request.GET.get("seite"))
    user = request.user
    rows = [
        {
            "deployment": deployment,
            "reports": [(report, visible_error(report, user)) for report in deployment.report_list],
            "exports": [
                job
                for job in deployment.export_list
                if selectors.export_visible_in_portal(job=job, user=user)
            ],
            "may_request": user.has_perm("reports.add_report", deployment),
        }
        for deployment in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "languages": Report.Language.choices,
        "building": any(
            report.state in services.IN_PROGRESS for row in rows for report, _ in row["reports"]
        ),
    }
    return TemplateResponse(request, "reports/portal/index.html", context)


@never_cache
@login_required(login_url=LOGIN_URL)
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """State and progress of the reports named in ``?ids=1,2,3`` (only those in scope)."""
    try:
        ids = [int(part) for part in request.GET.get("ids", "").split(",") if part][:MAX_POLLED]
    except ValueError:
        return JsonResponse({"detail": gettext("ids: Nummern durch Kommas getrennt.")}, status=400)
    reports = selectors.report_status_for_user(user=request.user, ids=ids)
    return JsonResponse({"reports": [_status(report, request.user) for report in reports]})


def visible_error(report: Report, user) -> str:
    """Why a build failed: the details for staff, a plain sentence for the administration."""
    if report.state != Report.State.FAILED or user.is_staff:
        return report.error
    return gettext("Die Erstellung ist fehlgeschlagen. Das Kiezlabor-Team kann sie neu starten.")


def _status(report: Report, user) -> dict:
    done = report.state == Report.State.DONE
    return {
        "id": report.pk,
        "state": report.state,
        "state_label": str(report.get_state_display()),
        "progress": report.progress,
        "step": report.step,
        "page_count": report.page_count,
        "error": visible_error(report, user),
        "download_url": reverse("reports:download", args=[report.pk]) if done else None,
    }


@never_cache
@login_required(login_url=LOGIN_URL)
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    """The finished PDF of a report in the user's scope; others' reports do not exist (404)."""
    report = get_object_or_404(selectors.reports_for_user(user=request.user), pk=pk)
    if not request.user.has_perm("reports.view_report", report):
        raise PermissionDenied
    pdf = selectors.report_download(report=report)
    if pdf is None:
        raise Http404(gettext("Diese Ortsanalyse ist noch nicht fertig."))
    return pdf_response(pdf)


@never_cache
@login_required(login_url=LOGIN_URL)
@require_GET
def export_file(request: HttpRequest, pk: int) -> FileResponse:
    """A finished data export of a deployment in the user's scope, if they may see all of it."""
    job = get_object_or_404(
        ExportJob.objects.filter(
            deployment__in=Deployment.objects.filter(selectors.deployment_scope(request.user)),
            state=JobState.DONE,
        ).select_related("deployment"),
        pk=pk,
    )
    if not request.user.has_perm("reports.download_export", job):
        raise PermissionDenied
    file = export_download(job=job)
    if file is None:
        raise Http404
    return file_response(file)


@login_required(login_url=LOGIN_URL)
@require_POST
def request_report(request: HttpRequest, deployment_id: int) -> HttpResponse:
    """Staff start a site analysis from the portal; it is built in the background."""
    deployment = get_object_or_404(
        Deployment.objects.filter(selectors.deployment_scope(request.user)), pk=deployment_id
    )
    if not request.user.has_perm("reports.add_report", deployment):
        raise PermissionDenied
    form = ReportRequestForm(
        {"deployment": deployment.pk, "language": request.POST.get("language")},
        deployments=Deployment.objects.filter(pk=deployment.pk),
    )
    if not form.is_valid():
        messages.error(request, gettext("Bitte eine Sprache für den Bericht wählen."))
        return redirect("reports:index")
    try:
        services.report_request(
            deployment=deployment, language=form.cleaned_data["language"], by=request.user
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(
            request,
            gettext(
                "Die Ortsanalyse für „%(deployment)s“ wird erstellt. Der Fortschritt steht unten; "
                "wenn sie fertig ist, bekommen Sie eine E-Mail."
            )
            % {"deployment": deployment},
        )
    return redirect(reverse("reports:index") + f"#einsatz-{deployment.pk}")
