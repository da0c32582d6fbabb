"""Reads about Berlin's areas: where a site lies, and which Prognoseraum to go to next.

The site selection ranking ("Standortwahl") is deliberately simple and transparent. Each
Prognoseraum gets three parts, each between 0 and 1, and a weighted total:

- social status: the MSS status index (1 = hoch … 4 = sehr niedrig), mapped linearly so that
  1 → 0 and 4 → 1; areas without an index get 0. More need, higher part.
- residents: the area's residents divided by those of Berlin's most populous Prognoseraum
  (over all of Berlin, so that the district filter does not change the scores).
- rotation: days since the organisation's last deployment in the area (its end date; deployments
  count when their site lies in the area), divided by ``ROTATION_PERIOD_DAYS`` and capped at 1;
  never there = 1; a deployment running now or planned = 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Max, Q, QuerySet

from deployments.models import Area, Organisation, Site

WEIGHT_SOCIAL_STATUS = 0.5
WEIGHT_POPULATION = 0.2
WEIGHT_ROTATION = 0.3
# The lab aims to visit every part of the city about once a year.
ROTATION_PERIOD_DAYS = 365
STATUS_INDEX_BEST = Decimal(1)
STATUS_INDEX_WORST = Decimal(4)


@dataclass(frozen=True)
class AreaScore:
    """One Prognoseraum in the site selection ranking: raw values, score parts and total."""

    area_id: int
    code: str
    name: str
    district_code: str
    district_name: str
    social_status_index: Decimal | None
    population: int
    last_deployment_on: dt.date | None
    days_since_last_deployment: int | None
    status_score: float
    population_score: float
    rotation_score: float
    total: float


def districts() -> QuerySet[Area]:
    """Berlin's districts, by code."""
    return Area.objects.filter(kind=Area.Kind.DISTRICT).defer("geometry").order_by("code")


def site_district(site: Site) -> Area | None:
    """The district the site lies in, as assigned by ``site_assign_areas``."""
    return site.areas.filter(kind=Area.Kind.DISTRICT).first()


def site_forecast_area(site: Site) -> Area | None:
    """The Prognoseraum the site lies in, as assigned by ``site_assign_areas``."""
    return site.areas.filter(kind=Area.Kind.FORECAST_AREA).first()


def site_selection_organisations(
    *, user: AbstractBaseUser | AnonymousUser
) -> QuerySet[Organisation]:
    """The organisations whose site selection the user may see: their own; all for superusers."""
    if not (user.is_active and user.is_staff):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def rank_forecast_areas(
    *, organisation: Organisation, district_code: str | None = None, today: dt.date
) -> list[AreaScore]:
    """Rank the Prognoseräume for the organisation's next deployment, most suitable first.

    Two queries, however many areas there are. See the module docstring for the score.
    """
    largest = (
        Area.objects.filter(kind=Area.Kind.FORECAST_AREA).aggregate(
            largest=Max("population_total")
        )["largest"]
        or 0
    )
    areas = (
        Area.objects.filter(kind=Area.Kind.FORECAST_AREA)
        .select_related("parent")
        .only(
            "code",
            "name",
            "population_total",
            "social_status_index",
            "parent__code",
            "parent__name",
        )
        .annotate(
            last_deployment_on=Max(
                "sites__deployments__ends_on",
                filter=Q(sites__deployments__organisation=organisation),
            )
        )
    )
    if district_code:
        areas = areas.filter(parent__code=district_code)
    scores = [_score(area, largest_population=largest, today=today) for area in areas]
    return sorted(scores, key=lambda score: (-score.total, score.code))


def _score(area: Area, *, largest_population: int, today: dt.date) -> AreaScore:
    status_score = _status_score(area.social_status_index)
    population_score = area.population_total / largest_population if largest_population else 0.0
    last_on: dt.date | None = area.last_deployment_on  # type: ignore[attr-defined]
    days_since = (today - last_on).days if last_on else None
    if days_since is None:
        rotation_score = 1.0
    else:
        rotation_score = min(max(days_since, 0) / ROTATION_PERIOD_DAYS, 1.0)
    total = (
        WEIGHT_SOCIAL_STATUS * status_score
        + WEIGHT_POPULATION * population_score
        + WEIGHT_ROTATION * rotation_score
    )
    return AreaScore(
        area_id=area.pk,
        code=area.code,
        name=area.name,
        district_code=area.parent.code if area.parent else "",
        district_name=area.parent.name if area.parent else "",
        social_status_index=area.social_status_index,
        population=area.population_total,
        last_deployment_on=last_on,
        days_since_last_deployment=days_since,
        status_score=status_score,
        population_score=population_score,
        rotation_score=rotation_score,
        total=total,
    )


def _status_score(index: Decimal | None) -> float:
    if index is None:
        return 0.0
    clamped = min(max(index, STATUS_INDEX_BEST), STATUS_INDEX_WORST)
    return float((clamped - STATUS_INDEX_BEST) / (STATUS_INDEX_WORST - STATUS_INDEX_BEST))
