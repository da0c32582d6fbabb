"""Running the analysis of a deployment and keeping the recommendations staff curate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from analysis.comparison import deployment_comparison, headline_figures
from analysis.figures import Figures, deployment_figures
from analysis.models import Recommendation
from analysis.recommendations import Findings, Proposal, propose
from analysis.representativeness import deployment_representativeness
from analysis.selectors import DeploymentTables, deployment_tables, map_outlines
from analysis.snapshot import SNAPSHOT_VERSION, DeploymentInfo, MapGeometry, Outline, Snapshot
from analysis.space import deployment_space
from analysis.topics import topics as topic_clusters
from deployments.models import Area, Deployment

# Deployments compared with each other: those that have taken place or are taking place.
COMPARED_STATUSES = (
    Deployment.Status.RUNNING,
    Deployment.Status.CLOSED,
    Deployment.Status.REPORTED,
)


def analysis_compute(*, deployment: Deployment) -> Snapshot:
    """Analyse one deployment from the data as it is now (reads only, writes nothing)."""
    tables = deployment_tables(deployment=deployment)
    figures = _figures(deployment, tables)
    representativeness = deployment_representativeness(
        contributions=tables.contributions,
        visitor_counts=tables.visitor_counts,
        population=tables.population,
    )
    topics = topic_clusters(tables.contributions)
    space = deployment_space(tables.contributions, site=tables.site, areas=tables.areas)
    info = _deployment_info(deployment, tables)
    findings = Findings(
        figures=figures,
        representativeness=representativeness,
        topics=topics,
        space=space,
        goals=list(deployment.goals.values_list("goal", "rank")),
        event_formats=list(
            tables.events.loc[tables.events["state"] != "cancelled", "format"].unique()
        ),
        district=info.district,
    )
    return Snapshot(
        version=SNAPSHOT_VERSION,
        computed_at=timezone.now().isoformat(),
        deployment=info,
        figures=figures,
        representativeness=representativeness,
        topics=topics,
        space=space,
        map=MapGeometry(
            site=[round(tables.site[0], 1), round(tables.site[1], 1)],
            outlines=[Outline(**outline) for outline in map_outlines(deployment=deployment)],
        ),
        comparison=deployment_comparison(
            current=headline_figures(figures), others=_others_headlines(deployment)
        ),
        proposals=propose(findings),
    )


@transaction.atomic
def recommendations_refresh(*, deployment: Deployment, proposals: list[Proposal]) -> None:
    """Bring the stored recommendations in line with the rules' proposals, keeping staff edits.

    A proposal updates its unedited row (or creates one at the end); rows staff edited keep
    their text and only get fresh evidence; unedited rule rows whose rule no longer fires are
    removed. Rows staff added and dropped rows stay as they are.
    """
    rows = {row.key: row for row in deployment.recommendations.select_for_update().exclude(key="")}
    next_position = max((row.position for row in rows.values()), default=0) + 1
    for proposal in proposals:
        row = rows.pop(proposal.key, None)
        evidence = _evidence(proposal)
        if row is None:
            Recommendation.objects.create(
                deployment=deployment,
                rule=proposal.rule,
                key=proposal.key,
                finding=proposal.finding,
                action=proposal.action,
                addressee=proposal.addressee,
                priority=proposal.priority,
                evidence=evidence,
                position=next_position,
            )
            next_position += 1
        elif row.edited_at is None:
            row.finding, row.action = proposal.finding, proposal.action
            row.addressee, row.priority, row.evidence = (
                proposal.addressee,
                proposal.priority,
                evidence,
            )
            row.save()
        else:
            row.evidence = evidence
            row.save(update_fields=["evidence"])
    Recommendation.objects.filter(
        pk__in=[r.pk for r in rows.values() if r.edited_at is None]
    ).delete()


@transaction.atomic
def recommendation_edit(*, recommendation: Recommendation, by, **changes) -> Recommendation:
    """Staff change a recommendation's text, addressee, priority, position or drop it."""
    editable = {"finding", "action", "addressee", "priority", "position", "is_dropped"}
    unknown = set(changes) - editable
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(recommendation, name, value)
    recommendation.edited_by = by
    recommendation.edited_at = timezone.now()
    recommendation.full_clean()
    recommendation.save()
    return recommendation


@transaction.atomic
def recommendation_add(*, deployment: Deployment, by, **fields) -> Recommendation:
    """A recommendation staff write themselves; the analysis never changes or removes it."""
    recommendation = Recommendation(deployment=deployment, edited_by=by, edited_at=timezone.now())
    for name, value in fields.items():
        setattr(recommendation, name, value)
    recommendation.full_clean()
    recommendation.save()
    return recommendation


def recommendations_for_report(*, deployment: Deployment) -> list[Recommendation]:
    """The curated recommendations a report shows, in staff's order, dropped ones left out."""
    return list(deployment.recommendations.filter(is_dropped=False).order_by("position", "pk"))


def _figures(deployment: Deployment, tables: DeploymentTables) -> Figures:
    return deployment_figures(
        contributions=tables.contributions,
        visitor_counts=tables.visitor_counts,
        events=tables.events,
        starts_on=deployment.starts_on,
        ends_on=deployment.ends_on,
    )


def _others_headlines(deployment: Deployment) -> list[dict]:
    others = (
        Deployment.objects.filter(
            organisation_id=deployment.organisation_id, status__in=COMPARED_STATUSES
        )
        .exclude(pk=deployment.pk)
        .select_related("site")
    )
    return [
        headline_figures(_figures(other, deployment_tables(deployment=other))) for other in others
    ]


def _deployment_info(deployment: Deployment, tables: DeploymentTables) -> DeploymentInfo:
    site = deployment.site
    district = (
        site.areas.filter(kind=Area.Kind.DISTRICT).values_list("name", flat=True).first() or ""
    )
    return DeploymentInfo(
        id=deployment.pk,
        title=deployment.title,
        organisation=deployment.organisation.name,
        site_name=site.name,
        site_address=site.address,
        district=district,
        areas=[name for _code, name in tables.areas],
        target_groups=list(
            deployment.target_groups.order_by("name").values_list("name", flat=True)
        ),
        starts_on=deployment.starts_on.isoformat(),
        ends_on=deployment.ends_on.isoformat(),
    )


def _evidence(proposal: Proposal) -> dict:
    return {
        "figures": [{"label": item.label, "value": item.value} for item in proposal.evidence],
        "rule": proposal.rule,
        "contribution_ids": proposal.contribution_ids,
        "event_ids": proposal.event_ids,
    }
