"""Who may see, start and delete site analyses, and who reads them in the portal.

Staff of the deployment's organisation see and start reports, managers delete them. An
administration user with a portal access (``PortalAccess``) reads the reports and the plain data
exports of deployments of the listed organisations and of deployments whose site lies in one of
the listed districts. Superusers see everything. ``reports.selectors`` applies the same rule in
SQL for lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.db import models

from deployments.models import Area, Deployment
from deployments.rules import (
    can_delete,
    can_work_on,
    is_active_staff,
    is_member,
    is_superuser,
)
from participation.models import ExportJob
from participation.selectors.exports import export_job_downloadable
from reports.models import PortalAccess

_CACHE_ATTRIBUTE = "_kiezlabor_portal_scope"


@dataclass(frozen=True)
class PortalScope:
    """The organisations and districts a user's portal access covers (empty without one)."""

    organisation_ids: frozenset[int] = frozenset()
    district_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.organisation_ids or self.district_ids)


def portal_scope(user) -> PortalScope:
    """The user's portal scope, fetched once per user object (i.e. per request)."""
    if not (user.is_authenticated and user.is_active):
        return PortalScope()
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        through = (PortalAccess.organisations.through, PortalAccess.districts.through)
        cached = PortalScope(
            frozenset(
                through[0]
                .objects.filter(portalaccess__user=user)
                .values_list("organisation_id", flat=True)
            ),
            frozenset(
                through[1]
                .objects.filter(portalaccess__user=user, area__kind=Area.Kind.DISTRICT)
                .values_list("area_id", flat=True)
            ),
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def _deployment_of(obj: models.Model) -> Deployment:
    return obj if isinstance(obj, Deployment) else obj.deployment


@rules.predicate
def has_portal_access(user) -> bool:
    return bool(portal_scope(user))


@rules.predicate
def in_portal_scope(user, obj=None) -> bool:
    """The object's deployment is one the user's portal access covers; without one, any."""
    scope = portal_scope(user)
    if obj is None or not scope:
        return bool(scope)
    deployment = _deployment_of(obj)
    if deployment.organisation_id in scope.organisation_ids:
        return True
    return (
        bool(scope.district_ids)
        and deployment.site.areas.filter(
            kind=Area.Kind.DISTRICT, pk__in=scope.district_ids
        ).exists()
    )


@rules.predicate
def is_plain_export(user, job: ExportJob | None = None) -> bool:
    """An export without unapproved contributions and without answers per person."""
    return job is not None and not (job.include_unapproved or job.include_demographics)


@rules.predicate
def may_download_as_staff(user, job: ExportJob | None = None) -> bool:
    return job is not None and export_job_downloadable(job=job, user=user)


can_read_reports = can_work_on | in_portal_scope

rules.add_perm("reports.view_report", can_read_reports)
rules.add_perm("reports.add_report", can_work_on)
rules.add_perm("reports.change_report", can_work_on)
rules.add_perm("reports.delete_report", can_delete)
rules.add_perm(
    "reports.use_portal", is_superuser | (is_active_staff & is_member) | has_portal_access
)
rules.add_perm(
    "reports.download_export", may_download_as_staff | (in_portal_scope & is_plain_export)
)

for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"reports.{action}_portalaccess", is_superuser)
