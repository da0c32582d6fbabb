"""What the tablet (or a resident's phone) needs to run the participation flow offline.

Everything comes in one answer, in all five languages at once: the tablet may lose its
connection right after starting and must still show every screen in the language a resident
picks. The allowed region for map pins (``bounds``) is the site's forecast area with a margin,
so residents can pin a place just across the area's edge; it is also what the server checks.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon
from django.core.cache import caches
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from deployments.models import Area, Deployment, Event, Site, Theme
from participation.models import Device, Poll, PollOption

LOCAL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Berlin")
METRES_PER_DEGREE_LATITUDE = 111_320
# A site without a forecast area gets a frame of this many metres in each direction.
SITE_RADIUS_METRES = 1000
# Residents may pin a place a short walk beyond the area's edge.
BOUNDS_MARGIN_METRES = 300

# An input is checked against its deployment's topics and pin region as kept in the cache for
# this long: staff change them rarely, inputs arrive all day. A change applies to inputs within
# this time (tablets only learn of it when they reload their start-up data anyway).
SUBMISSION_RULES_SECONDS = 60

# Residents' phones can take part while the lab is confirmed for the site or running there.
PARTICIPATION_STATUSES = (Deployment.Status.CONFIRMED, Deployment.Status.RUNNING)


@dataclass(frozen=True)
class Bounds:
    """A latitude/longitude box (WGS 84)."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, *, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east

    def as_pairs(self) -> list[list[float]]:
        """Leaflet's order: ``[[south, west], [north, east]]``."""
        return [
            [round(self.south, 6), round(self.west, 6)],
            [round(self.north, 6), round(self.east, 6)],
        ]


@dataclass(frozen=True)
class KioskBootstrap:
    """The start-up data of the flow for one deployment; ``device`` is None on phones."""

    deployment: Deployment
    device: Device | None
    area: MultiPolygon | None
    bounds: Bounds
    themes: list[Theme]
    polls: list[Poll]
    events_today: list[Event]
    server_time: dt.datetime


def public_participation_deployment(*, slug: str) -> Deployment:
    """The deployment residents can take part in from their phones; else ``DoesNotExist``."""
    return (
        Deployment.objects.filter(status__in=PARTICIPATION_STATUSES)
        .select_related("site")
        .get(slug=slug)
    )


def kiosk_bootstrap(*, deployment: Deployment, device: Device | None = None) -> KioskBootstrap:
    """Everything the flow shows, with five queries however many topics, polls and events."""
    now = timezone.now()
    area = site_forecast_area_geometry(site=deployment.site)
    return KioskBootstrap(
        deployment=deployment,
        device=device,
        area=area,
        bounds=pin_bounds(site=deployment.site, area=area),
        themes=list(deployment_themes(deployment=deployment)),
        polls=list(active_polls(deployment=deployment)),
        events_today=list(events_on_day(deployment=deployment, day=local_day(now))),
        server_time=now,
    )


def deployment_themes(*, deployment: Deployment) -> QuerySet[Theme]:
    return deployment.themes.order_by("name", "pk")


def active_polls(*, deployment: Deployment) -> QuerySet[Poll]:
    """The polls shown on the tablet, in their order, with their options in order."""
    return (
        Poll.objects.filter(deployment=deployment, is_active=True)
        .order_by("position", "pk")
        .prefetch_related(
            Prefetch("options", queryset=PollOption.objects.order_by("position", "pk"))
        )
    )


def local_day(moment: dt.datetime) -> dt.date:
    """The Berlin calendar day of a moment."""
    return moment.astimezone(LOCAL_TIMEZONE).date()


def events_on_day(*, deployment: Deployment, day: dt.date) -> QuerySet[Event]:
    """Public, not cancelled events of the deployment taking place on a Berlin calendar day."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TIMEZONE)
    end = start + dt.timedelta(days=1)
    return (
        Event.objects.filter(
            deployment=deployment, is_public=True, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(state=Event.State.CANCELLED)
        .order_by("starts_at", "pk")
    )


def site_forecast_area_geometry(*, site: Site) -> MultiPolygon | None:
    """The outline of the Prognoseraum the site lies in, if the site has one assigned."""
    area = site.areas.filter(kind=Area.Kind.FORECAST_AREA).only("geometry").order_by("pk").first()
    return area.geometry if area else None


def pin_bounds(*, site: Site, area: MultiPolygon | None) -> Bounds:
    """Where residents may pin: the area's bounding box (or a frame around the site), plus
    a margin. The site is always inside."""
    lng, lat = site.location.x, site.location.y
    if area is not None:
        west, south, east, north = area.extent
        west, south, east, north = min(west, lng), min(south, lat), max(east, lng), max(north, lat)
    else:
        dlat, dlng = _degrees(SITE_RADIUS_METRES, lat)
        west, south, east, north = lng - dlng, lat - dlat, lng + dlng, lat + dlat
    dlat, dlng = _degrees(BOUNDS_MARGIN_METRES, lat)
    return Bounds(south=south - dlat, west=west - dlng, north=north + dlat, east=east + dlng)


def deployment_pin_bounds(*, deployment: Deployment) -> Bounds:
    return pin_bounds(site=deployment.site, area=site_forecast_area_geometry(site=deployment.site))


@dataclass(frozen=True)
class SubmissionRules:
    """What a resident's input to one deployment is checked against, besides its own shape."""

    theme_ids: frozenset[int]
    bounds: Bounds


def submission_rules(*, deployment: Deployment) -> SubmissionRules:
    """The deployment's topics and pin region, kept in each web worker's memory.

    Read from the database at most every ``SUBMISSION_RULES_SECONDS`` per deployment and worker:
    on the kiosk's busiest endpoint this saves two queries and reading the area's outline.
    """
    key = f"kiosk:submission-rules:{deployment.pk}"
    rules = caches["local"].get(key)
    if rules is None:
        rules = _submission_rules(deployment)
        caches["local"].set(key, rules, SUBMISSION_RULES_SECONDS)
    return rules


def _submission_rules(deployment: Deployment) -> SubmissionRules:
    return SubmissionRules(
        theme_ids=frozenset(deployment.themes.values_list("pk", flat=True)),
        bounds=deployment_pin_bounds(deployment=deployment),
    )


def map_tiles() -> tuple[str, str]:
    """The tile URL and attribution the admin maps use; the kiosk adds them when online."""
    tiles = settings.LEAFLET_CONFIG.get("TILES") or []
    if not tiles:
        return "", ""
    _name, url, options = tiles[0]
    return url, options.get("attribution", "")


def _degrees(metres: float, latitude: float) -> tuple[float, float]:
    dlat = metres / METRES_PER_DEGREE_LATITUDE
    return dlat, dlat / math.cos(math.radians(latitude))
