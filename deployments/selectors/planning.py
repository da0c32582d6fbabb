"""The planning check: what is wrong with a deployment's plan, as errors and warnings.

``planning_check`` is the single source of truth for what is wrong with a plan; the write
services in ``deployments.services.planning`` refuse exactly what it would report as a new
error. The decisions it rests on (booking statuses, Berlin calendar days, cancelled events) are
written down in that module's docstring.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.db import models
from django.db.models import Prefetch
from django.utils import formats
from django.utils.translation import gettext, ngettext

from deployments.models import (
    Deployment,
    DeploymentGoal,
    Event,
    Goal,
    Shift,
    Site,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)


# Deployment days are Berlin calendar days, whatever time zone a request is served in.
LOCAL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Berlin")

Status = Deployment.Status

# Statuses in which a deployment holds its site (see the module docstring).
BOOKING_STATUSES = frozenset(Status) - {Status.DRAFT}
# Statuses in which the site must be confirmed.
COMMITTED_STATUSES = frozenset({Status.CONFIRMED, Status.RUNNING, Status.CLOSED, Status.REPORTED})

# The federal study of such places names a quarter own events and three quarters partner
# contributions as the mix that established places aim for, reached by handing more and more of
# the programme to partners over time. A deployment lasts a few weeks at a new site, so the team
# naturally carries more than a quarter; we only warn when own events are clearly above it.
OWN_SHARE_TARGET = 0.25
OWN_SHARE_WARNING = 0.40

# "The first weeks need a dense programme": the start phase is compared with the average week.
START_PHASE_DAYS = 14

# Goal areas ranked this high must be served by at least one event of a fitting format.
TOP_GOAL_RANK = 3

# Which event formats serve a goal area. A format serves a goal when the goal is the reason
# residents come to it: information is passed on in exhibitions on open data, consultation
# hours, data walks and at the citizens' office desk; digital education happens where people
# try things themselves (workshops, data walks); craft/maker education in workshops. Social
# aspects are served where people meet without a task (festival, open hours, co-design);
# closeness to citizens where they meet the administration in person (consultation hours,
# citizens' office, co-design with the Fachamt). Networking needs formats in which local
# actors meet each other, not only the lab (festival, co-design) — a consultation hour is
# one-to-one and does not count. Economic development: advice for local businesses
# (consultation), workshops with local trades, and the Kiezfest with local traders.
GOAL_FORMATS: Mapping[str, frozenset[str]] = {
    Goal.INFORMATION: frozenset(
        {
            Event.Format.EXHIBITION,
            Event.Format.CONSULTATION,
            Event.Format.DATA_WALK,
            Event.Format.CITIZENS_OFFICE,
        }
    ),
    Goal.DIGITAL_EDUCATION: frozenset({Event.Format.WORKSHOP, Event.Format.DATA_WALK}),
    Goal.MAKER_EDUCATION: frozenset({Event.Format.WORKSHOP}),
    Goal.SOCIAL: frozenset(
        {Event.Format.FESTIVAL, Event.Format.OPEN_HOURS, Event.Format.CO_DESIGN}
    ),
    Goal.CLOSENESS: frozenset(
        {Event.Format.CONSULTATION, Event.Format.CITIZENS_OFFICE, Event.Format.CO_DESIGN}
    ),
    Goal.NETWORKING: frozenset({Event.Format.FESTIVAL, Event.Format.CO_DESIGN}),
    Goal.ECONOMY: frozenset(
        {Event.Format.CONSULTATION, Event.Format.WORKSHOP, Event.Format.FESTIVAL}
    ),
}


# --- The planning check -------------------------------------------------------------------


class Code(enum.StrEnum):
    """What a finding is about; errors first, then warnings."""

    EVENT_OUTSIDE_PERIOD = "event_outside_period"
    SITE_DOUBLE_BOOKED = "site_double_booked"
    STAFF_DOUBLE_BOOKED = "staff_double_booked"
    CONFIRMED_WITHOUT_SITE = "confirmed_without_site"

    EVENTS_OVERLAP = "events_overlap"
    OPENING_HOURS_UNSTAFFED = "opening_hours_unstaffed"
    THIN_START = "thin_start"
    OWN_SHARE_HIGH = "own_share_high"
    TARGET_GROUP_WITHOUT_EVENT = "target_group_without_event"
    GOAL_WITHOUT_FORMAT = "goal_without_format"


# (model label, primary key), e.g. ("deployments.event", 42).
ObjectRef = tuple[str, int]


@dataclass(frozen=True)
class Finding:
    """One thing the planning check found, in German, naming what it is about."""

    code: str
    message: str
    objects: tuple[ObjectRef, ...] = ()

    @property
    def key(self) -> tuple[str, tuple[ObjectRef, ...]]:
        """What the finding is about, independent of its wording (dates may change)."""
        return (self.code, self.objects)


@dataclass(frozen=True)
class PlanningCheck:
    """The result of checking a deployment's plan: errors block confirming, warnings advise."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings

    def has(self, code: str) -> bool:
        return any(finding.code == code for finding in (*self.errors, *self.warnings))


@dataclass(frozen=True)
class _Plan:
    """Everything the checks read, loaded with a fixed number of queries."""

    deployment: Deployment
    events: list[Event]  # not cancelled, with target groups
    shifts: list[Shift]  # with staff
    bookings: list[Deployment]  # other deployments holding the site on overlapping days
    other_shifts: list[Shift]  # same people, overlapping window, other deployments
    other_events: list[Event]  # public, same site, overlapping window, other deployments


def planning_check(*, deployment: Deployment) -> PlanningCheck:
    """Check a deployment's plan as stored; at most nine queries, however big the plan is."""
    plan = _load_plan(deployment_id=deployment.pk)
    errors = [
        *_events_outside_period(plan),
        *_site_double_booked(plan),
        *_staff_double_booked(plan),
        *_confirmed_without_site(plan),
    ]
    warnings = [
        *_events_overlap(plan),
        *_opening_hours_unstaffed(plan),
        *_thin_start(plan),
        *_own_share_high(plan),
        *_target_groups_without_event(plan),
        *_goals_without_format(plan),
    ]
    return PlanningCheck(errors=errors, warnings=warnings)


def _load_plan(*, deployment_id: int) -> _Plan:
    active_events = Event.objects.exclude(state=Event.State.CANCELLED).prefetch_related(
        "target_groups"
    )
    deployment = (
        Deployment.objects.select_related("site")
        .prefetch_related(
            "target_groups",
            "goals",
            Prefetch("events", queryset=active_events, to_attr="active_events"),
            Prefetch(
                "shifts", queryset=Shift.objects.select_related("staff"), to_attr="all_shifts"
            ),
        )
        .get(pk=deployment_id)
    )
    events: list[Event] = deployment.active_events
    shifts: list[Shift] = deployment.all_shifts

    bookings = list(
        Deployment.objects.filter(
            site_id=deployment.site_id,
            status__in=BOOKING_STATUSES,
            starts_on__lte=deployment.ends_on,
            ends_on__gte=deployment.starts_on,
        )
        .exclude(pk=deployment.pk)
        .order_by("starts_on", "pk")
    )

    staffed = [shift for shift in shifts if shift.staff_id is not None]
    other_shifts: list[Shift] = []
    if staffed:
        other_shifts = list(
            Shift.objects.filter(
                staff_id__in={shift.staff_id for shift in staffed},
                starts_at__lt=max(shift.ends_at for shift in staffed),
                ends_at__gt=min(shift.starts_at for shift in staffed),
            )
            .exclude(deployment_id=deployment.pk)
            .select_related("staff", "deployment")
        )

    public = [event for event in events if event.is_public]
    other_events: list[Event] = []
    if public:
        other_events = list(
            Event.objects.filter(
                deployment__site_id=deployment.site_id,
                is_public=True,
                starts_at__lt=max(event.ends_at for event in public),
                ends_at__gt=min(event.starts_at for event in public),
            )
            .exclude(deployment_id=deployment.pk)
            .exclude(state=Event.State.CANCELLED)
            .select_related("deployment")
        )
    return _Plan(deployment, events, shifts, bookings, other_shifts, other_events)


# --- Errors -------------------------------------------------------------------------------


def _events_outside_period(plan: _Plan) -> Iterator[Finding]:
    deployment = plan.deployment
    for event in plan.events:
        if _is_inside_period(event, deployment):
            continue
        yield Finding(
            Code.EVENT_OUTSIDE_PERIOD,
            gettext("„%(event)s“ (%(when)s) liegt außerhalb des Einsatzzeitraums %(period)s.")
            % {
                "event": event.title,
                "when": time_span(event.starts_at, event.ends_at),
                "period": _period(deployment.starts_on, deployment.ends_on),
            },
            (_ref(event),),
        )


def _site_double_booked(plan: _Plan) -> Iterator[Finding]:
    deployment = plan.deployment
    for other in plan.bookings:
        yield Finding(
            Code.SITE_DOUBLE_BOOKED,
            gettext(
                "Der Standort „%(site)s“ ist %(other_period)s durch den Einsatz „%(other)s“ "
                "(%(status)s) belegt; dieser Einsatz (%(period)s) überschneidet sich damit."
            )
            % {
                "site": deployment.site.name,
                "other_period": _period(other.starts_on, other.ends_on),
                "other": other.title,
                "status": other.get_status_display(),
                "period": _period(deployment.starts_on, deployment.ends_on),
            },
            (_ref(deployment), _ref(other)),
        )


def _staff_double_booked(plan: _Plan) -> Iterator[Finding]:
    own_id = plan.deployment.pk
    by_person: dict[int, list[Shift]] = defaultdict(list)
    for shift in (*plan.shifts, *plan.other_shifts):
        if shift.staff_id is not None:
            by_person[shift.staff_id].append(shift)
    for shifts in by_person.values():
        for first, second in _overlapping_pairs(shifts):
            if own_id not in (first.deployment_id, second.deployment_id):
                continue
            yield Finding(
                Code.STAFF_DOUBLE_BOOKED,
                gettext(
                    "%(person)s ist zweimal zur gleichen Zeit eingeteilt: %(first)s und %(second)s."
                )
                % {
                    "person": _person(first.staff),
                    "first": _describe_shift(first, plan),
                    "second": _describe_shift(second, plan),
                },
                (_ref(first), _ref(second), _ref(first.staff)),
            )


def _confirmed_without_site(plan: _Plan) -> Iterator[Finding]:
    deployment = plan.deployment
    site = deployment.site
    if deployment.status in COMMITTED_STATUSES and site.status != Site.Status.CONFIRMED:
        yield Finding(
            Code.CONFIRMED_WITHOUT_SITE,
            gettext(
                "Der Einsatz ist „%(status)s“, aber der Standort „%(site)s“ ist nicht bestätigt "
                "(%(site_status)s)."
            )
            % {
                "status": deployment.get_status_display(),
                "site": site.name,
                "site_status": site.get_status_display(),
            },
            (_ref(deployment), _ref(site)),
        )


# --- Warnings -----------------------------------------------------------------------------


def _events_overlap(plan: _Plan) -> Iterator[Finding]:
    own_id = plan.deployment.pk
    public = [event for event in plan.events if event.is_public]
    for first, second in _overlapping_pairs([*public, *plan.other_events]):
        if own_id not in (first.deployment_id, second.deployment_id):
            continue
        yield Finding(
            Code.EVENTS_OVERLAP,
            gettext(
                "Öffentliche Veranstaltungen am selben Standort überschneiden sich: "
                "%(first)s und %(second)s."
            )
            % {"first": _describe_event(first, plan), "second": _describe_event(second, plan)},
            (_ref(first), _ref(second)),
        )


def _opening_hours_unstaffed(plan: _Plan) -> Iterator[Finding]:
    for shift in plan.shifts:
        if shift.is_public and shift.staff_id is None:
            yield Finding(
                Code.OPENING_HOURS_UNSTAFFED,
                gettext(
                    "Die Öffnungszeit %(when)s ist veröffentlicht, aber niemand ist eingeteilt. "
                    "Öffnungszeiten nur veröffentlichen, wenn jemand vor Ort ist."
                )
                % {"when": time_span(shift.starts_at, shift.ends_at)},
                (_ref(shift),),
            )


def _thin_start(plan: _Plan) -> Iterator[Finding]:
    deployment = plan.deployment
    days = (deployment.ends_on - deployment.starts_on).days + 1
    if days <= START_PHASE_DAYS:
        return
    start_phase_ends = deployment.starts_on + dt.timedelta(days=START_PHASE_DAYS)
    inside = [event for event in plan.events if _is_inside_period(event, deployment)]
    total = len(inside)
    first = sum(1 for event in inside if local_time(event.starts_at).date() < start_phase_ends)
    # first / 2 weeks < total / (days / 7) weeks, in integers.
    if first * days >= total * START_PHASE_DAYS:
        return
    yield Finding(
        Code.THIN_START,
        ngettext(
            "Dünner Start: In den ersten zwei Wochen ist %(count)s Veranstaltung geplant "
            "(%(first_rate)s pro Woche), im Durchschnitt des Einsatzes sind es %(average)s "
            "pro Woche (%(total)s in %(weeks)s Wochen). Die ersten Wochen brauchen ein "
            "dichtes Programm.",
            "Dünner Start: In den ersten zwei Wochen sind %(count)s Veranstaltungen geplant "
            "(%(first_rate)s pro Woche), im Durchschnitt des Einsatzes sind es %(average)s "
            "pro Woche (%(total)s in %(weeks)s Wochen). Die ersten Wochen brauchen ein "
            "dichtes Programm.",
            first,
        )
        % {
            "count": first,
            "first_rate": _decimal(first / (START_PHASE_DAYS / 7)),
            "average": _decimal(total / (days / 7)),
            "total": total,
            "weeks": _decimal(days / 7),
        },
        (_ref(deployment),),
    )


def _own_share_high(plan: _Plan) -> Iterator[Finding]:
    total = len(plan.events)
    own = sum(1 for event in plan.events if event.lead == Event.Lead.OWN)
    if not total or own / total <= OWN_SHARE_WARNING:
        return
    yield Finding(
        Code.OWN_SHARE_HIGH,
        gettext(
            "%(share)s %% eigene Veranstaltungen (Richtwert: %(target)s %%): %(own)s von "
            "%(total)s Veranstaltungen führt das Team selbst durch. Partner:innen sollten "
            "etwa drei Viertel des Programms beitragen."
        )
        % {
            "share": _percent(own / total),
            "target": _percent(OWN_SHARE_TARGET),
            "own": own,
            "total": total,
        },
        (_ref(plan.deployment),),
    )


def _target_groups_without_event(plan: _Plan) -> Iterator[Finding]:
    served = {group.pk for event in plan.events for group in event.target_groups.all()}
    for group in plan.deployment.target_groups.all():
        if group.pk not in served:
            yield Finding(
                Code.TARGET_GROUP_WITHOUT_EVENT,
                gettext("Für die Zielgruppe „%(group)s“ ist keine Veranstaltung geplant.")
                % {"group": group.name},
                (_ref(plan.deployment), _ref(group)),
            )


def _goals_without_format(plan: _Plan) -> Iterator[Finding]:
    formats_planned = {event.format for event in plan.events}
    goal: DeploymentGoal
    for goal in plan.deployment.goals.all():
        fitting = GOAL_FORMATS.get(goal.goal, frozenset())
        if goal.rank > TOP_GOAL_RANK or fitting & formats_planned:
            continue
        yield Finding(
            Code.GOAL_WITHOUT_FORMAT,
            gettext(
                "Das Ziel „%(goal)s“ (Rang %(rank)s) hat keine passende Veranstaltung. "
                "Passende Formate: %(formats)s."
            )
            % {
                "goal": goal.get_goal_display(),
                "rank": goal.rank,
                "formats": ", ".join(str(f.label) for f in Event.Format if f in fitting),
            },
            (_ref(goal),),
        )


# --- Helpers of the check -----------------------------------------------------------------

_Timed = TypeVar("_Timed", Shift, Event)


def _overlapping_pairs(items: Iterable[_Timed]) -> Iterator[tuple[_Timed, _Timed]]:
    """Pairs of items whose times overlap (touching is fine), each pair once, earlier first."""
    ordered = sorted(items, key=lambda item: (item.starts_at, item.pk))
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            yield first, second


def _is_inside_period(event: Event, deployment: Deployment) -> bool:
    first_day = local_time(event.starts_at).date()
    return deployment.starts_on <= first_day and _last_day(event.ends_at) <= deployment.ends_on


def _last_day(ends_at: dt.datetime) -> dt.date:
    """The Berlin day something ends on; ending at midnight ends the day before."""
    local = local_time(ends_at)
    if local.time() == dt.time(0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def local_time(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LOCAL_TIMEZONE)


def _day(value: dt.date) -> str:
    return f"{value:%d.%m.%Y}"


def _period(starts_on: dt.date, ends_on: dt.date) -> str:
    return gettext("vom %(start)s bis %(end)s") % {"start": _day(starts_on), "end": _day(ends_on)}


def time_span(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    start, end = local_time(starts_at), local_time(ends_at)
    if start.date() == end.date():
        return gettext("am %(day)s, %(start)s–%(end)s Uhr") % {
            "day": _day(start.date()),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
        }
    return gettext("vom %(start_day)s, %(start)s Uhr bis %(end_day)s, %(end)s Uhr") % {
        "start_day": _day(start.date()),
        "start": f"{start:%H:%M}",
        "end_day": _day(end.date()),
        "end": f"{end:%H:%M}",
    }


def _describe_event(event: Event, plan: _Plan) -> str:
    if event.deployment_id == plan.deployment.pk:
        return gettext("„%(event)s“ (%(when)s)") % {
            "event": event.title,
            "when": time_span(event.starts_at, event.ends_at),
        }
    return gettext("„%(event)s“ im Einsatz „%(deployment)s“ (%(when)s)") % {
        "event": event.title,
        "deployment": event.deployment.title,
        "when": time_span(event.starts_at, event.ends_at),
    }


def _describe_shift(shift: Shift, plan: _Plan) -> str:
    deployment = plan.deployment if shift.deployment_id == plan.deployment.pk else shift.deployment
    return gettext("%(when)s im Einsatz „%(deployment)s“") % {
        "when": time_span(shift.starts_at, shift.ends_at),
        "deployment": deployment.title,
    }


def _person(user: AbstractBaseUser) -> str:
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


def _decimal(value: float) -> str:
    return formats.number_format(value, decimal_pos=1)


def _percent(share: float) -> str:
    return formats.number_format(round(share * 100))


def _ref(obj: models.Model) -> ObjectRef:
    return (obj._meta.label_lower, obj.pk)
