"""The ORM side of the analysis: one deployment's data as the plain tables ``analysis`` works on.

Every table is read with a fixed number of queries, aggregated or projected in SQL, and built
with ``DataFrame.from_records`` straight from ``values_list`` so that 100,000 contributions do
not become 100,000 model instances; on PostgreSQL the contributions, the one large table, are
streamed as CSV instead. Pins are projected to EPSG:25833 (metres) in the database.
"""

from __future__ import annotations

import io
import zoneinfo
from dataclasses import dataclass

import pandas as pd
from django.contrib.gis.db.models.functions import Transform
from django.db import connections
from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from deployments.models import Area, Deployment, Event
from participation.models import Contribution, ModerationStatus, VisitorCount

METRIC_SRID = 25833
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

CONTRIBUTION_COLUMNS = [
    "id",
    "kind",
    "channel",
    "text",
    "language",
    "theme",
    "event_id",
    "received_at",
    "age_band",
    "relation",
    "demographics_estimated",
    "approved",
    "support",
    "x",
    "y",
    "area_code",
    "rating",
]
VISITOR_COLUMNS = ["hour_starts_at", "age_band", "gender", "count", "source"]
EVENT_COLUMNS = [
    "id",
    "title",
    "format",
    "starts_at",
    "ends_at",
    "state",
    "lead",
    "series_id",
    "is_public",
    "attendance",
]


class _X(Func):
    function = "ST_X"
    output_field = FloatField()


class _Y(Func):
    function = "ST_Y"
    output_field = FloatField()


@dataclass(frozen=True)
class DeploymentTables:
    """Everything the pure analysis needs about one deployment."""

    contributions: pd.DataFrame
    visitor_counts: pd.DataFrame
    events: pd.DataFrame
    population: dict[str, int]
    site: tuple[float, float]
    areas: list[tuple[str, str]]


def counted_contributions(*, deployment: Deployment):
    """Contributions that count: not rejected or hidden; duplicates folded into their original."""
    return Contribution.objects.filter(deployment=deployment, duplicate_of__isnull=True).exclude(
        moderation_status__in=[ModerationStatus.REJECTED, ModerationStatus.HIDDEN]
    )


def contributions_table(*, deployment: Deployment) -> pd.DataFrame:
    """One row per counted contribution (``CONTRIBUTION_COLUMNS``), in the order of their ids."""
    rows = _contribution_rows(deployment=deployment)
    if connections[rows.db].vendor == "postgresql":
        return _frame_by_copy(rows)
    return _frame_by_orm(rows)


def _contribution_rows(*, deployment: Deployment) -> QuerySet:
    # Forecast areas (Prognoseräume) do not overlap: at most one contains a pin, so the lookup
    # takes the first it finds; sorting the candidates for every pin took a third of the query.
    containing_area = (
        Area.objects.filter(kind=Area.Kind.FORECAST_AREA, geometry__contains=OuterRef("location"))
        .order_by()
        .values("code")[:1]
    )
    # Counted per original in a subquery: a GROUP BY over every column would sort all rows.
    duplicates = (
        Contribution.objects.filter(duplicate_of=OuterRef("pk"))
        .filter(
            ~Q(moderation_status__in=[ModerationStatus.REJECTED, ModerationStatus.HIDDEN])
            | Q(rejection_reason="duplicate")
        )
        .order_by()
        .values("duplicate_of")
        .annotate(count=Count("pk"))
        .values("count")
    )
    projected = Transform("location", METRIC_SRID)
    return (
        counted_contributions(deployment=deployment)
        .annotate(
            theme_name=F("theme__name"),
            is_approved=Q(moderation_status=ModerationStatus.APPROVED),
            support=Value(1) + Coalesce(Subquery(duplicates, output_field=IntegerField()), 0),
            x=_X(projected),
            y=_Y(projected),
            area_code=Subquery(containing_area),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "kind",
            "channel",
            "text",
            "language",
            "theme_name",
            "event_id",
            "received_at",
            "age_band",
            "relation",
            "demographics_estimated",
            "is_approved",
            "support",
            "x",
            "y",
            "area_code",
            "rating",
        )
    )


def _frame_by_orm(rows: QuerySet) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows.iterator(chunk_size=5000), columns=CONTRIBUTION_COLUMNS)
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True).dt.tz_convert(BERLIN)
    return frame


# PostgreSQL's CSV read back as ``from_records`` reads the same rows from the ORM.
_COPY_DTYPES = {
    "id": "int64",
    "kind": "str",
    "channel": "str",
    "text": "str",
    "language": "str",
    "theme": "str",
    "event_id": "float64",
    "received_at": "str",
    "age_band": "str",
    "relation": "str",
    "demographics_estimated": "bool",
    "approved": "bool",
    "support": "int64",
    "x": "float64",
    "y": "float64",
    "area_code": "str",
    "rating": "float64",
}
# Only these can be NULL, written as an unquoted empty field; elsewhere "" is an empty text.
# (Theme names and area codes are required, so neither is ever an empty text.)
_COPY_NULLABLE = ("theme", "event_id", "x", "y", "area_code", "rating")
_COPY_INTEGERS = ("event_id", "rating")


def _frame_by_copy(rows: QuerySet) -> pd.DataFrame:
    """The frame of ``rows`` streamed as CSV: at 100,000 rows about twice as fast as building
    a Python tuple per row and letting pandas infer every column."""
    sql, params = rows.query.sql_with_params()
    connection = connections[rows.db]
    connection.ensure_connection()
    buffer = io.BytesIO()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    if not buffer.tell():
        return _frame_by_orm(rows.none())
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        header=None,
        names=CONTRIBUTION_COLUMNS,
        dtype=_COPY_DTYPES,
        true_values=["t"],
        false_values=["f"],
        keep_default_na=False,
        na_values={column: [""] for column in _COPY_NULLABLE},
        encoding="utf-8",
    )
    frame["received_at"] = (
        pd.to_datetime(frame["received_at"], utc=True, format="ISO8601")
        .dt.as_unit("us")
        .dt.tz_convert(BERLIN)
    )
    # What from_records infers: ints stay ints without NULLs, a column of NULLs holds None.
    for column in _COPY_NULLABLE:
        missing = frame[column].isna()
        if missing.all():
            frame[column] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        elif column in _COPY_INTEGERS and not missing.any():
            frame[column] = frame[column].astype("int64")
    return frame


def visitor_counts_table(*, deployment: Deployment) -> pd.DataFrame:
    rows = VisitorCount.objects.filter(deployment=deployment).values_list(*VISITOR_COLUMNS)
    frame = pd.DataFrame.from_records(rows, columns=VISITOR_COLUMNS)
    frame["hour_starts_at"] = pd.to_datetime(frame["hour_starts_at"], utc=True).dt.tz_convert(
        BERLIN
    )
    return frame


def events_table(*, deployment: Deployment) -> pd.DataFrame:
    events = list(
        Event.objects.filter(deployment=deployment)
        .order_by("starts_at", "pk")
        .values_list(*EVENT_COLUMNS)
    )
    groups = _names_per_event(
        Event.target_groups.through.objects.filter(event__deployment=deployment),
        "targetgroup__name",
    )
    partners = _names_per_event(
        Event.partners.through.objects.filter(event__deployment=deployment), "partner__name"
    )
    frame = pd.DataFrame.from_records(events, columns=EVENT_COLUMNS)
    frame["target_groups"] = [groups.get(event_id, []) for event_id in frame["id"]]
    frame["partners"] = [partners.get(event_id, []) for event_id in frame["id"]]
    for column in ("starts_at", "ends_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(BERLIN)
    return frame


# Outlines are simplified to this tolerance (metres) for the maps: invisible at map scale.
OUTLINE_TOLERANCE_M = 5.0


def map_outlines(*, deployment: Deployment) -> list[dict]:
    """The forecast areas around the site as rings of EPSG:25833 coordinates, for maps."""
    areas = (
        deployment.site.areas.filter(kind=Area.Kind.FORECAST_AREA)
        .annotate(projected=Transform("geometry", METRIC_SRID))
        .order_by("code")
    )
    outlines = []
    for area in areas:
        shape = area.projected.simplify(OUTLINE_TOLERANCE_M, preserve_topology=True)
        polygons = [shape] if shape.geom_type == "Polygon" else list(shape)
        rings = [
            [[round(x, 1), round(y, 1)] for x, y in ring.coords]
            for polygon in polygons
            for ring in polygon
        ]
        outlines.append({"code": area.code, "name": area.name, "rings": rings})
    return outlines


def _names_per_event(links, name_path: str) -> dict[int, list[str]]:
    """Names linked to each event (target groups, partners), sorted, from one query."""
    names: dict[int, list[str]] = {}
    for event_id, name in links.order_by(name_path).values_list("event_id", name_path):
        names.setdefault(event_id, []).append(name)
    return names


def deployment_tables(*, deployment: Deployment) -> DeploymentTables:
    """The tables of ``analysis/ANALYSIS`` contract for one deployment."""
    site = (
        Deployment.objects.filter(pk=deployment.pk)
        .annotate(
            x=_X(Transform("site__location", METRIC_SRID)),
            y=_Y(Transform("site__location", METRIC_SRID)),
        )
        .values_list("x", "y")
        .get()
    )
    areas = list(
        deployment.site.areas.filter(kind=Area.Kind.FORECAST_AREA)
        .order_by("code")
        .values_list("code", "name", "population_by_age")
    )
    population: dict[str, int] = {}
    for _code, _name, by_age in areas:
        for band, residents in (by_age or {}).items():
            population[band] = population.get(band, 0) + int(residents)
    return DeploymentTables(
        contributions=contributions_table(deployment=deployment),
        visitor_counts=visitor_counts_table(deployment=deployment),
        events=events_table(deployment=deployment),
        population=population,
        site=site,
        areas=[(code, name) for code, name, _by_age in areas],
    )
