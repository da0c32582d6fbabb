"""Demo data of the reports: one finished site analysis, so the demo shows a real PDF."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count

from deployments.demo import ORGANISATION, TEAM
from deployments.models import Deployment
from reports import services
from reports.models import Report


def seed() -> dict[str, int]:
    """Build one report of the demo deployment with the most contributions, unless one is done."""
    finished = Report.objects.filter(
        deployment__organisation__slug=ORGANISATION[1], state=Report.State.DONE
    )
    if not finished.exists():
        deployment = _richest_deployment()
        if deployment is not None:
            _build(deployment)
    return {"reports": finished.count()}


def _richest_deployment() -> Deployment | None:
    return (
        Deployment.objects.filter(organisation__slug=ORGANISATION[1])
        .annotate(contribution_count=Count("contributions"))
        .filter(contribution_count__gt=0)
        .order_by("-contribution_count", "pk")
        .first()
    )


def _build(deployment: Deployment) -> None:
    lead = get_user_model().objects.filter(username=TEAM[0][0]).first()
    report = services.report_create(deployment=deployment, language="de", by=lead)
    services.report_build(report_id=report.pk)
