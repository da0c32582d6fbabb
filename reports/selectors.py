"""Reads for reports and the portal, scoped in SQL with the rule of ``reports.rules``.

Each list costs the same number of queries however many reports, deployments or exports it
holds: the scope is a condition inside the one SELECT, never a loop over objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile

from deployments.models import Area, Deployment, Membership, Site
from participation.models import ExportJob, JobState
from participation.selectors.exports import export_job_downloadable
from reports.models import PortalAccess, Report


def deployment_scope(user, *, path: str = "") -> Q:
    """The deployments ``user`` may read reports of, as a condition on ``<path>`` deployments.

    Superusers read all; active staff the deployments of their organisations; holders of a
    portal access those of the listed organisations and those whose site lies in a listed
    district. Everyone else none.
    """
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    portal_organisations = PortalAccess.organisations.through.objects.filter(
        portalaccess__user=user
    ).values("organisation_id")
    portal_districts = PortalAccess.districts.through.objects.filter(
        portalaccess__user=user
    ).values("area_id")
    in_portal_district = Exists(
        Site.areas.through.objects.filter(
            site_id=OuterRef(f"{path}site_id"),
            area__kind=Area.Kind.DISTRICT,
            area_id__in=portal_districts,
        )
    )
    scope = Q(**{f"{path}organisation_id__in": portal_organisations}) | Q(in_portal_district)
    if user.is_staff:
        scope |= Q(
            **{
                f"{path}organisation_id__in": Membership.objects.filter(user=user).values(
                    "organisation_id"
                )
            }
        )
    return scope


def reports_for_user(*, user) -> QuerySet[Report]:
    """The reports ``user`` may read, newest first, with what lists and detail pages show."""
    return Report.objects.filter(deployment_scope(user, path="deployment__")).select_related(
        "deployment__site", "deployment__organisation", "created_by"
    )


def report_status_for_user(*, user, ids: list[int]) -> QuerySet[Report]:
    """Just the state and progress of some of ``user``'s reports, for the portal's polling."""
    return (
        Report.objects.filter(deployment_scope(user, path="deployment__"), pk__in=ids)
        .only("pk", "state", "progress", "step", "page_count", "error", "deployment_id")
        .order_by("pk")
    )


def deployments_for_portal(*, user) -> QuerySet[Deployment]:
    """Deployments in ``user``'s scope with their reports and finished exports, newest first.

    Districts are prefetched as ``districts``, reports as ``report_list`` (newest first),
    finished exports as ``export_list``; whether ``user`` may download an export is
    ``export_visible_in_portal``.
    """
    return (
        Deployment.objects.filter(deployment_scope(user))
        .select_related("site", "organisation")
        .prefetch_related(
            Prefetch(
                "site__areas",
                queryset=Area.objects.filter(kind=Area.Kind.DISTRICT).only("id", "name", "kind"),
                to_attr="districts",
            ),
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("created_by").defer(
                    "snapshot", "recommendations"
                ),
                to_attr="report_list",
            ),
            Prefetch(
                "export_jobs",
                queryset=ExportJob.objects.filter(state=JobState.DONE).order_by("-finished_at"),
                to_attr="export_list",
            ),
        )
        .order_by("-starts_on", "pk")
    )


def export_visible_in_portal(*, job: ExportJob, user) -> bool:
    """Whether ``user`` may download this export of a deployment already in their scope.

    Exports without unapproved contributions and answers per person are for everyone who reads
    the deployment's reports; others only for staff allowed to see all they contain.
    """
    plain = not (job.include_unapproved or job.include_demographics)
    return plain or export_job_downloadable(job=job, user=user)


@dataclass(frozen=True)
class ReportDownload:
    """A finished report's file opened for reading, with the name offered to the browser."""

    file: FieldFile
    filename: str


def report_download(*, report: Report) -> ReportDownload | None:
    """The finished PDF of ``report``, or ``None`` while there is none. Check permissions first."""
    if report.state != Report.State.DONE or not report.file:
        return None
    return ReportDownload(
        file=report.file.open("rb"),
        filename=f"ortsanalyse-{report.deployment.slug[:40]}-{report.pk}.pdf",
    )
