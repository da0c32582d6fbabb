"""Reads for a deployment's programme: the public page, the iCal feed and the staff timeline.

Cancelled public events stay in the public programme, marked as cancelled with their reason:
residents who planned to come should learn that it does not take place, and calendar
subscribers get the cancellation (STATUS:CANCELLED) instead of a silently vanishing entry.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language_info

from deployments.models import Area, Deployment, Event, Site

PUBLIC_STATUSES = (
    Deployment.Status.PLANNED,
    Deployment.Status.CONFIRMED,
    Deployment.Status.RUNNING,
    Deployment.Status.CLOSED,
    Deployment.Status.REPORTED,
)

METRES_PER_DEGREE_LATITUDE = 111_320
# Half the side of the map's frame around a site that has no area to frame it.
DEFAULT_MAP_RADIUS_DEGREES = 0.004
MAP_MARGIN = 0.08


@dataclass(frozen=True)
class TimeSpan:
    """A stretch of time in the lab's local time zone."""

    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class OpeningDay:
    """The published opening hours of one day: merged, non-overlapping, in time order."""

    day: dt.date
    spans: tuple[TimeSpan, ...]


@dataclass(frozen=True)
class ProgrammeItem:
    """A public event with what the programme shows about it, times in local time."""

    event: Event
    starts_at: dt.datetime
    ends_at: dt.datetime
    host_names: tuple[str, ...]
    partner_names: tuple[str, ...]
    target_group_names: tuple[str, ...]
    language_names: tuple[str, ...]

    @property
    def is_cancelled(self) -> bool:
        return self.event.state == Event.State.CANCELLED

    @property
    def spans_days(self) -> bool:
        return self.starts_at.date() != self.ends_at.date()


@dataclass(frozen=True)
class ProgrammeDay:
    """The public events that start on one day."""

    day: dt.date
    items: tuple[ProgrammeItem, ...]


@dataclass(frozen=True)
class ProgrammeWeek:
    """One ISO week (Monday to Sunday) of a deployment's programme with its counts.

    The counts leave cancelled events out (they did not happen); ``cancelled`` counts them.
    """

    starts_on: dt.date
    iso_year: int
    iso_week: int
    events: tuple[Event, ...]
    by_format: dict[str, int]
    own: int
    partner: int
    cancelled: int

    @property
    def ends_on(self) -> dt.date:
        return self.starts_on + dt.timedelta(days=6)

    @property
    def total(self) -> int:
        return self.own + self.partner


@dataclass(frozen=True)
class MapOutline:
    """An area's outline as SVG path data in the map's coordinates."""

    name: str
    path: str


@dataclass(frozen=True)
class SiteMap:
    """A small map of a site drawn from our own geometries, in SVG user units."""

    width: int
    height: int
    site_x: float
    site_y: float
    outlines: tuple[MapOutline, ...]
    latitude: float
    longitude: float
    scale_bar_length: float
    scale_bar_metres: int

    @property
    def area_names(self) -> tuple[str, ...]:
        return tuple(outline.name for outline in self.outlines)

    @property
    def scale_bar_y(self) -> float:
        return self.height - 20

    @property
    def scale_bar_backdrop_width(self) -> float:
        return max(self.scale_bar_length, 72) + 16

    @property
    def scale_bar_label(self) -> str:
        if self.scale_bar_metres >= 1000:
            return f"{self.scale_bar_metres // 1000} km"
        return f"{self.scale_bar_metres} m"

    @property
    def osm_url(self) -> str:
        lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def public_deployments() -> QuerySet[Deployment]:
    """Deployments residents may see: every status after the draft."""
    return Deployment.objects.filter(status__in=PUBLIC_STATUSES).select_related(
        "site", "organisation"
    )


def public_deployment(*, slug: str) -> Deployment:
    """The public deployment with this slug; raises ``Deployment.DoesNotExist`` otherwise."""
    return public_deployments().get(slug=slug)


def public_events(*, deployment: Deployment) -> QuerySet[Event]:
    """The deployment's public events in time order, cancelled ones included."""
    return _events(deployment=deployment).filter(is_public=True)


def programme_items(*, deployment: Deployment) -> list[ProgrammeItem]:
    """The public events with names resolved and times in local time."""
    return [
        _programme_item(event, organisation_name=deployment.organisation.name)
        for event in public_events(deployment=deployment)
    ]


def programme_days(*, deployment: Deployment) -> list[ProgrammeDay]:
    """The public programme grouped by the local day on which each event starts."""
    items = programme_items(deployment=deployment)
    return [
        ProgrammeDay(day=day, items=tuple(group))
        for day, group in groupby(items, key=lambda item: item.starts_at.date())
    ]


def opening_hours(*, deployment: Deployment) -> list[OpeningDay]:
    """Opening hours from public shifts that someone staffs, merged per local day.

    Unstaffed shifts are not published: the lab is only open when staff is there.
    """
    shifts = (
        deployment.shifts.filter(is_public=True, staff__isnull=False)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    local = [TimeSpan(_local(starts_at), _local(ends_at)) for starts_at, ends_at in shifts]
    return [
        OpeningDay(day=day, spans=_merge(spans))
        for day, spans in groupby(local, key=lambda span: span.starts_at.date())
    ]


def programme_weeks(
    *, deployment: Deployment, include_internal: bool = False
) -> list[ProgrammeWeek]:
    """The programme per ISO week, from the deployment's first to its last week.

    Weeks without events are included so that gaps in the programme show. With
    ``include_internal`` the staff timeline sees non-public events too.
    """
    events = _events(deployment=deployment)
    if not include_internal:
        events = events.filter(is_public=True)
    by_week: dict[dt.date, list[Event]] = {}
    for event in events:
        by_week.setdefault(_monday(_local(event.starts_at).date()), []).append(event)

    first = min([_monday(deployment.starts_on), *by_week])
    last = max([_monday(deployment.ends_on), *by_week])
    weeks = []
    monday = first
    while monday <= last:
        weeks.append(_programme_week(monday, by_week.get(monday, [])))
        monday += dt.timedelta(weeks=1)
    return weeks


def site_map(*, site: Site, width: int = 640, height: int = 400) -> SiteMap:
    """The site's point and the outline of its forecast area (Prognoseraum), projected.

    Equirectangular with the longitude scaled by cos(latitude): accurate enough for a Kiez.
    """
    areas = site.areas.filter(kind=Area.Kind.FORECAST_AREA).only("name", "geometry")
    rings = [
        (area.name, [list(ring.coords) for polygon in area.geometry for ring in polygon])
        for area in areas
    ]
    lon, lat = site.location.x, site.location.y
    points = [(x, y) for _, area_rings in rings for ring in area_rings for x, y in ring]
    projection = _Projection.fitting(points or [(lon, lat)], width=width, height=height, lat=lat)

    outlines = tuple(
        MapOutline(name=name, path=" ".join(projection.path(ring) for ring in area_rings))
        for name, area_rings in rings
    )
    site_x, site_y = projection.point(lon, lat)
    metres = _nice_length(projection.metres_per_unit * width / 4)
    return SiteMap(
        width=width,
        height=height,
        site_x=site_x,
        site_y=site_y,
        outlines=outlines,
        latitude=lat,
        longitude=lon,
        scale_bar_length=round(metres / projection.metres_per_unit, 1),
        scale_bar_metres=metres,
    )


def _events(*, deployment: Deployment) -> QuerySet[Event]:
    return (
        Event.objects.filter(deployment=deployment)
        .select_related("series")
        .prefetch_related("partners", "target_groups")
        .order_by("starts_at", "pk")
    )


def _programme_item(event: Event, *, organisation_name: str) -> ProgrammeItem:
    partner_names = tuple(partner.name for partner in event.partners.all())
    own = event.lead == Event.Lead.OWN
    return ProgrammeItem(
        event=event,
        starts_at=_local(event.starts_at),
        ends_at=_local(event.ends_at),
        host_names=(organisation_name, *partner_names) if own else partner_names,
        partner_names=partner_names,
        target_group_names=tuple(group.name for group in event.target_groups.all()),
        language_names=tuple(_language_name(code) for code in event.languages),
    )


def _programme_week(monday: dt.date, events: list[Event]) -> ProgrammeWeek:
    held = [event for event in events if event.state != Event.State.CANCELLED]
    formats = Counter(event.format for event in held)
    leads = Counter(event.lead for event in held)
    year, week, _ = monday.isocalendar()
    return ProgrammeWeek(
        starts_on=monday,
        iso_year=year,
        iso_week=week,
        events=tuple(events),
        by_format={fmt.value: formats[fmt.value] for fmt in Event.Format if formats[fmt.value]},
        own=leads[Event.Lead.OWN],
        partner=leads[Event.Lead.PARTNER],
        cancelled=len(events) - len(held),
    )


def _merge(spans: Iterable[TimeSpan]) -> tuple[TimeSpan, ...]:
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=lambda span: span.starts_at):
        if merged and span.starts_at <= merged[-1].ends_at:
            last = merged[-1]
            merged[-1] = TimeSpan(last.starts_at, max(last.ends_at, span.ends_at))
        else:
            merged.append(span)
    return tuple(merged)


def _local(value: dt.datetime) -> dt.datetime:
    # The lab stands in one city: its programme is in the project's time zone, not the
    # visitor's.
    return timezone.localtime(value, timezone.get_default_timezone())


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@dataclass(frozen=True)
class _Projection:
    west: float
    north: float
    x_factor: float
    scale: float
    offset_x: float
    offset_y: float

    @classmethod
    def fitting(
        cls, points: list[tuple[float, float]], *, width: int, height: int, lat: float
    ) -> _Projection:
        x_factor = math.cos(math.radians(lat))
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        west, east, south, north = min(xs), max(xs), min(ys), max(ys)
        if len(points) == 1:
            radius = DEFAULT_MAP_RADIUS_DEGREES
            west, east = west - radius / x_factor, east + radius / x_factor
            south, north = south - radius, north + radius
        span_x = (east - west) * x_factor
        span_y = north - south
        usable = 1 - 2 * MAP_MARGIN
        scale = min(width * usable / span_x, height * usable / span_y)
        return cls(
            west=west,
            north=north,
            x_factor=x_factor,
            scale=scale,
            offset_x=(width - span_x * scale) / 2,
            offset_y=(height - span_y * scale) / 2,
        )

    @property
    def metres_per_unit(self) -> float:
        return METRES_PER_DEGREE_LATITUDE / self.scale

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.offset_x + (lon - self.west) * self.x_factor * self.scale
        y = self.offset_y + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)

    def path(self, ring: list[tuple[float, float]]) -> str:
        projected = [self.point(lon, lat) for lon, lat in ring]
        return "M" + " L".join(f"{x} {y}" for x, y in projected) + " Z"


def _nice_length(metres: float) -> int:
    for nice in (5000, 2000, 1000, 500, 200, 100, 50, 20, 10):
        if nice <= metres:
            return nice
    return 10
