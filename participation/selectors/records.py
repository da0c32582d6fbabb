"""Reads of what the team recorded on site, for the admin's "Daten des Einsatzes" page and the API.

``deployment_data`` costs the same few queries however much was recorded: counts are
aggregated in the database, lists are fetched with their relations in one go.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext

from deployments.models import AgeBand, Deployment
from participation.models import (
    Channel,
    Contribution,
    Kind,
    ModerationStatus,
    ReflectionEntry,
    VisitorCount,
    WorkshopResult,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

# The kinds of input the team records itself (the tablet's ideas and poll answers are not).
STAFF_CHANNELS = (Channel.CONVERSATION, Channel.WORKSHOP, Channel.PAPER)


@dataclass
class VisitorDay:
    """Visitors of one Berlin calendar day: counted by the team per age band, and by a counter."""

    day: dt.date
    counted: int = 0
    counter: int = 0
    by_age_band: dict[str, int] = field(default_factory=dict)

    @property
    def age_bands(self) -> list[tuple[str, int]]:
        """(label, count) in the order of the statistics' age bands, unknown age last."""
        ordered = [
            (band.label, self.by_age_band[band.value])
            for band in AgeBand
            if band.value in self.by_age_band
        ]
        if "" in self.by_age_band:
            ordered.append((gettext("ohne Altersangabe"), self.by_age_band[""]))
        return ordered


@dataclass
class KindCount:
    kind: str
    label: str
    channel: str
    channel_label: str
    total: int


@dataclass
class EventFeedback:
    event_id: int | None
    title: str
    starts_at: dt.datetime | None
    responses: int
    rated: int
    average: float | None


@dataclass
class DeploymentData:
    """What was recorded during one deployment, summarised for staff."""

    deployment: Deployment
    visitor_days: list[VisitorDay]
    inputs_by_kind: list[KindCount]
    notes: list[Contribution]
    workshops: list[WorkshopResult]
    feedback: list[EventFeedback]
    reflections: list[ReflectionEntry]

    @property
    def visitors_counted(self) -> int:
        return sum(day.counted for day in self.visitor_days)

    @property
    def visitors_by_counter(self) -> int:
        return sum(day.counter for day in self.visitor_days)


def deployment_data(*, deployment: Deployment) -> DeploymentData:
    """Visitors per day, staff-recorded inputs by kind, workshops, feedback and reflections.

    Rejected contributions are left out; the reflection log is internal and counts nowhere else.
    """
    return DeploymentData(
        deployment=deployment,
        visitor_days=_visitor_days(deployment),
        inputs_by_kind=_inputs_by_kind(deployment),
        notes=list(
            conversation_notes(deployment=deployment).exclude(
                moderation_status=ModerationStatus.REJECTED
            )
        ),
        workshops=list(workshop_results(deployment=deployment)),
        feedback=_feedback_per_event(deployment),
        reflections=list(reflections(deployment=deployment)),
    )


def visitor_counts(*, deployment: Deployment | None = None) -> QuerySet[VisitorCount]:
    queryset = VisitorCount.objects.select_related("deployment", "event", "recorded_by")
    return queryset if deployment is None else queryset.filter(deployment=deployment)


def conversation_notes(*, deployment: Deployment | None = None) -> QuerySet[Contribution]:
    queryset = Contribution.objects.filter(kind=Kind.NOTE).select_related(
        "deployment", "event", "theme", "recorded_by"
    )
    return queryset if deployment is None else queryset.filter(deployment=deployment)


def feedback_entries(*, deployment: Deployment | None = None) -> QuerySet[Contribution]:
    queryset = Contribution.objects.filter(kind=Kind.FEEDBACK).select_related(
        "deployment", "event", "recorded_by"
    )
    return queryset if deployment is None else queryset.filter(deployment=deployment)


def workshop_results(*, deployment: Deployment | None = None) -> QuerySet[WorkshopResult]:
    """Workshop results with their statements and photos, and ``statement_count``."""
    statements = Contribution.objects.exclude(moderation_status=ModerationStatus.REJECTED).order_by(
        "pk"
    )
    queryset = (
        WorkshopResult.objects.select_related("deployment", "event", "recorded_by")
        .annotate(
            statement_count=Count(
                "statements",
                filter=~Q(statements__moderation_status=ModerationStatus.REJECTED),
                distinct=True,
            )
        )
        .prefetch_related(Prefetch("statements", queryset=statements), "photos")
        .order_by("-held_on", "-pk")
    )
    return queryset if deployment is None else queryset.filter(deployment=deployment)


def reflections(*, deployment: Deployment | None = None) -> QuerySet[ReflectionEntry]:
    queryset = ReflectionEntry.objects.select_related("deployment", "author")
    return queryset if deployment is None else queryset.filter(deployment=deployment)


def _visitor_days(deployment: Deployment) -> list[VisitorDay]:
    rows = (
        VisitorCount.objects.filter(deployment=deployment)
        .annotate(day=TruncDate("hour_starts_at", tzinfo=BERLIN))
        .values("day", "source", "age_band")
        .annotate(total=Sum("count"))
        .order_by("day", "source", "age_band")
    )
    days: dict[dt.date, VisitorDay] = {}
    for row in rows:
        day = days.setdefault(row["day"], VisitorDay(day=row["day"]))
        if row["source"] == VisitorCount.Source.COUNTER:
            day.counter += row["total"]
        else:
            day.counted += row["total"]
            day.by_age_band[row["age_band"]] = (
                day.by_age_band.get(row["age_band"], 0) + row["total"]
            )
    return list(days.values())


def _inputs_by_kind(deployment: Deployment) -> list[KindCount]:
    rows = (
        Contribution.objects.filter(deployment=deployment, channel__in=STAFF_CHANNELS)
        .exclude(moderation_status=ModerationStatus.REJECTED)
        .values("kind", "channel")
        .annotate(total=Count("pk"))
        .order_by("kind", "channel")
    )
    return [
        KindCount(
            kind=row["kind"],
            label=Kind(row["kind"]).label,
            channel=row["channel"],
            channel_label=Channel(row["channel"]).label,
            total=row["total"],
        )
        for row in rows
    ]


def _feedback_per_event(deployment: Deployment) -> list[EventFeedback]:
    rows = (
        Contribution.objects.filter(deployment=deployment, kind=Kind.FEEDBACK)
        .exclude(moderation_status=ModerationStatus.REJECTED)
        .values("event_id", "event__title", "event__starts_at")
        .annotate(responses=Count("pk"), rated=Count("rating"), average=Avg("rating"))
        .order_by("event__starts_at", "event_id")
    )
    return [
        EventFeedback(
            event_id=row["event_id"],
            title=row["event__title"] or "",
            starts_at=row["event__starts_at"],
            responses=row["responses"],
            rated=row["rated"],
            average=round(row["average"], 1) if row["average"] is not None else None,
        )
        for row in rows
    ]
