"""Planning a deployment: status transitions, writes of the programme and the planning check.

The planning check (``planning_check``) is the single source of truth for what is wrong with a
plan. Writes refuse exactly what the check would report as a *new* error: each write service
saves inside its transaction, runs the check again and rolls back with the new errors' messages.
Errors that were already there before the write (say, a shift double-booked elsewhere) do not
block unrelated writes; they block confirming the deployment.

Decisions, so that admin, API and reports agree:

- Only drafts leave a site free. A deployment in any other status (planned, confirmed, running,
  closed, reported) holds its site for every day from ``starts_on`` to ``ends_on``, both
  included; two deployments sharing a single day clash. A deployment (of any status, drafts
  included) whose days overlap such a booking has an error. Two drafts never clash with each
  other: drafts are ideas, and several may compete for the same site. Planning a draft books
  the site, so it is refused while the site is booked.
- A person is in one place at a time: shifts of the same person overlap when one starts before
  the other ends (back-to-back shifts are fine), across all deployments of every status.
- Event dates are compared with the deployment period in Berlin calendar days; an event that
  ends at midnight belongs to the day before.
- Cancelled events are not part of the programme: they are never reported as outside the
  period or overlapping, and they do not count for shares, weeks, target groups or goals.
- Status moves only forward along the life of a deployment, with one step back from planned
  (to draft) and from confirmed (to planned) for plans that fall through.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NotRequired, Required, TypedDict, TypeVar, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from deployments.models import (
    Deployment,
    DeploymentGoal,
    Event,
    EventSeries,
    Goal,
    Organisation,
    Partner,
    Shift,
    Site,
    TargetGroup,
    Theme,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

# Deployment days are Berlin calendar days, whatever time zone a request is served in.
LOCAL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Berlin")

Status = Deployment.Status

TRANSITIONS: Mapping[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PLANNED}),
    Status.PLANNED: frozenset({Status.CONFIRMED, Status.DRAFT}),
    Status.CONFIRMED: frozenset({Status.RUNNING, Status.PLANNED}),
    Status.RUNNING: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.REPORTED}),
    Status.REPORTED: frozenset(),
}

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
                "when": _span(event.starts_at, event.ends_at),
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
                % {"when": _span(shift.starts_at, shift.ends_at)},
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
    first = sum(1 for event in inside if _local(event.starts_at).date() < start_phase_ends)
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
    first_day = _local(event.starts_at).date()
    return deployment.starts_on <= first_day and _last_day(event.ends_at) <= deployment.ends_on


def _last_day(ends_at: dt.datetime) -> dt.date:
    """The Berlin day something ends on; ending at midnight ends the day before."""
    local = _local(ends_at)
    if local.time() == dt.time(0):
        return local.date() - dt.timedelta(days=1)
    return local.date()


def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(LOCAL_TIMEZONE)


def _day(value: dt.date) -> str:
    return f"{value:%d.%m.%Y}"


def _period(starts_on: dt.date, ends_on: dt.date) -> str:
    return gettext("vom %(start)s bis %(end)s") % {"start": _day(starts_on), "end": _day(ends_on)}


def _span(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    start, end = _local(starts_at), _local(ends_at)
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
            "when": _span(event.starts_at, event.ends_at),
        }
    return gettext("„%(event)s“ im Einsatz „%(deployment)s“ (%(when)s)") % {
        "event": event.title,
        "deployment": event.deployment.title,
        "when": _span(event.starts_at, event.ends_at),
    }


def _describe_shift(shift: Shift, plan: _Plan) -> str:
    deployment = plan.deployment if shift.deployment_id == plan.deployment.pk else shift.deployment
    return gettext("%(when)s im Einsatz „%(deployment)s“") % {
        "when": _span(shift.starts_at, shift.ends_at),
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


def _refuse_new_errors(*, deployment: Deployment, before: PlanningCheck | None) -> None:
    """Raise the errors the check reports now that it did not report before the write."""
    known = {finding.key for finding in before.errors} if before else set()
    new = [f for f in planning_check(deployment=deployment).errors if f.key not in known]
    if new:
        raise ValidationError([ValidationError(f.message, code=f.code) for f in new])


# --- Status transitions -------------------------------------------------------------------


@transaction.atomic
def deployment_transition(
    *, deployment: Deployment, to: Deployment.Status | str, by: AbstractBaseUser
) -> Deployment:
    """Move a deployment to another status along ``TRANSITIONS``, or refuse with a reason.

    Planning books the site, so it is refused while another deployment holds the site on
    overlapping days. Confirming needs a confirmed site and a plan without errors.
    """
    current = (
        Deployment.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=deployment.pk)
    )
    try:
        target = Status(to)
    except ValueError:
        raise ValidationError(
            gettext("„%(status)s“ ist kein Status eines Einsatzes.") % {"status": to},
            code="unknown_status",
        ) from None
    allowed = TRANSITIONS[current]
    if target not in allowed:
        raise ValidationError(_illegal_transition_message(Status(current), target, allowed))
    if target == Status.PLANNED and current == Status.DRAFT:
        _lock_site(deployment.site_id)
        _refuse_booked_site(deployment)
    if target == Status.CONFIRMED:
        _refuse_confirm(deployment)

    deployment.status = target
    deployment.full_clean()
    deployment.save(update_fields=["status", "updated_at"])
    logger.info("deployment %s: %s -> %s by user %s", deployment.pk, current, target, by.pk)
    return deployment


def deployment_plan(*, deployment: Deployment, by: AbstractBaseUser) -> Deployment:
    """Draft → planned: the deployment now holds its site for its days."""
    return deployment_transition(deployment=deployment, to=Status.PLANNED, by=by)


def deployment_confirm(*, deployment: Deployment, by: AbstractBaseUser) -> Deployment:
    """Planned → confirmed: needs a confirmed site and no planning errors."""
    return deployment_transition(deployment=deployment, to=Status.CONFIRMED, by=by)


def deployment_start(*, deployment: Deployment, by: AbstractBaseUser) -> Deployment:
    """Confirmed → running: the lab is on site."""
    return deployment_transition(deployment=deployment, to=Status.RUNNING, by=by)


def deployment_close(*, deployment: Deployment, by: AbstractBaseUser) -> Deployment:
    """Running → closed: the lab has left; the report can be written."""
    return deployment_transition(deployment=deployment, to=Status.CLOSED, by=by)


def _illegal_transition_message(
    current: Deployment.Status, target: Deployment.Status, allowed: frozenset[str]
) -> str:
    if not allowed:
        return gettext(
            "Ein Einsatz im Status „%(current)s“ kann nicht mehr geändert werden, "
            "auch nicht auf „%(target)s“."
        ) % {"current": current.label, "target": target.label}
    return gettext(
        "Ein Einsatz im Status „%(current)s“ kann nicht auf „%(target)s“ gesetzt werden. "
        "Möglich: %(allowed)s."
    ) % {
        "current": current.label,
        "target": target.label,
        "allowed": ", ".join(f"„{status.label}“" for status in Status if status in allowed),
    }


def _refuse_booked_site(deployment: Deployment) -> None:
    clashes = [
        finding
        for finding in planning_check(deployment=deployment).errors
        if finding.code == Code.SITE_DOUBLE_BOOKED
    ]
    if clashes:
        raise ValidationError([ValidationError(f.message, code=f.code) for f in clashes])


def _refuse_confirm(deployment: Deployment) -> None:
    site = Site.objects.get(pk=deployment.site_id)
    if site.status != Site.Status.CONFIRMED:
        raise ValidationError(
            gettext(
                "Der Einsatz kann erst bestätigt werden, wenn der Standort „%(site)s“ "
                "bestätigt ist (derzeit: %(status)s)."
            )
            % {"site": site.name, "status": site.get_status_display()},
            code="site_not_confirmed",
        )
    errors = planning_check(deployment=deployment).errors
    if errors:
        raise ValidationError(
            [
                ValidationError(
                    ngettext(
                        "Der Einsatz kann nicht bestätigt werden: Die Planungsprüfung meldet "
                        "%(count)s Fehler.",
                        "Der Einsatz kann nicht bestätigt werden: Die Planungsprüfung meldet "
                        "%(count)s Fehler.",
                        len(errors),
                    )
                    % {"count": len(errors)},
                    code="planning_errors",
                ),
                *(ValidationError(f.message, code=f.code) for f in errors),
            ]
        )


@transaction.atomic
def site_confirm(*, site: Site, by: AbstractBaseUser) -> Site:
    """Confirm a site once the agreement with a local actor (who and when) is recorded."""
    if site.status == Site.Status.CONFIRMED:
        return site
    has_who, has_when = bool(site.agreement_with.strip()), site.agreement_on is not None
    if not (has_who and has_when):
        if has_when:
            message = gettext(
                "Der Standort „%(site)s“ kann erst bestätigt werden, wenn eingetragen ist, "
                "mit wem die Vereinbarung getroffen wurde."
            )
        elif has_who:
            message = gettext(
                "Der Standort „%(site)s“ kann erst bestätigt werden, wenn eingetragen ist, "
                "wann die Vereinbarung getroffen wurde."
            )
        else:
            message = gettext(
                "Der Standort „%(site)s“ kann erst bestätigt werden, wenn eingetragen ist, "
                "mit wem und wann die Vereinbarung getroffen wurde."
            )
        raise ValidationError(message % {"site": site.name}, code="site_without_agreement")
    site.status = Site.Status.CONFIRMED
    site.full_clean()
    site.save(update_fields=["status"])
    logger.info("site %s confirmed by user %s", site.pk, by.pk)
    return site


# --- Deployments --------------------------------------------------------------------------


@transaction.atomic
def deployment_create(
    *,
    organisation: Organisation,
    site: Site,
    title: str,
    slug: str,
    starts_on: dt.date,
    ends_on: dt.date,
    vehicle: str = Deployment.Vehicle.CONTAINER,
    description: str = "",
    target_groups: Iterable[TargetGroup] = (),
    themes: Iterable[Theme] = (),
    team: Iterable[AbstractBaseUser] = (),
) -> Deployment:
    """Create a draft deployment; refused when its days clash with a booking of the site."""
    _lock_site(site.pk)
    deployment = Deployment(
        organisation=organisation,
        site=site,
        title=title,
        slug=slug,
        starts_on=starts_on,
        ends_on=ends_on,
        vehicle=vehicle,
        description=description,
    )
    deployment.full_clean()
    deployment.save()
    deployment.target_groups.set(target_groups)
    deployment.themes.set(themes)
    deployment.team.set(team)
    _refuse_new_errors(deployment=deployment, before=None)
    return deployment


@transaction.atomic
def deployment_update(
    *,
    deployment: Deployment,
    site: Site | None = None,
    title: str | None = None,
    slug: str | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    vehicle: str | None = None,
    description: str | None = None,
    target_groups: Iterable[TargetGroup] | None = None,
    themes: Iterable[Theme] | None = None,
    team: Iterable[AbstractBaseUser] | None = None,
) -> Deployment:
    """Change what is given (``None`` keeps a value); refused when the change creates errors.

    Moving the period so that events fall outside it, or onto days on which the site is
    booked, is refused; so is moving a confirmed deployment to an unconfirmed site.
    """
    _lock_site(deployment.site_id)
    if site is not None:
        _lock_site(site.pk)
    before = planning_check(deployment=deployment)
    changes = {
        "site": site,
        "title": title,
        "slug": slug,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "vehicle": vehicle,
        "description": description,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(deployment, name, value)
    deployment.full_clean()
    deployment.save()
    for relation, values in (("target_groups", target_groups), ("themes", themes), ("team", team)):
        if values is not None:
            getattr(deployment, relation).set(values)
    _refuse_new_errors(deployment=deployment, before=before)
    return deployment


def _lock_site(site_id: int) -> None:
    """Serialise writes that book the same site (a no-op on SQLite, which locks the database)."""
    Site.objects.select_for_update().only("pk").get(pk=site_id)


# --- Programme ----------------------------------------------------------------------------


class EventFields(TypedDict, total=False):
    """What an event of a series may carry besides its dates (see ``event_create``)."""

    format: Required[str]
    lead: NotRequired[str]
    is_public: NotRequired[bool]
    partners: NotRequired[Iterable[Partner]]
    target_groups: NotRequired[Iterable[TargetGroup]]
    languages: NotRequired[Sequence[str]]
    capacity: NotRequired[int | None]
    accessibility: NotRequired[str]
    description: NotRequired[str]


@transaction.atomic
def event_create(
    *,
    deployment: Deployment,
    title: str,
    format: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    lead: str = Event.Lead.OWN,
    is_public: bool = True,
    partners: Iterable[Partner] = (),
    target_groups: Iterable[TargetGroup] = (),
    languages: Sequence[str] = (),
    capacity: int | None = None,
    accessibility: str = "",
    series: EventSeries | None = None,
    description: str = "",
) -> Event:
    """Add an event to the programme; refused outside the deployment period."""
    before = planning_check(deployment=deployment)
    event = _event_save(
        deployment=deployment,
        title=title,
        format=format,
        starts_at=starts_at,
        ends_at=ends_at,
        lead=lead,
        is_public=is_public,
        partners=partners,
        target_groups=target_groups,
        languages=languages,
        capacity=capacity,
        accessibility=accessibility,
        series=series,
        description=description,
    )
    _refuse_new_errors(deployment=deployment, before=before)
    return event


@transaction.atomic
def event_series_create(
    *,
    deployment: Deployment,
    title: str,
    first_starts_at: dt.datetime,
    duration: dt.timedelta,
    weeks: int,
    **event_fields: Unpack[EventFields],
) -> EventSeries:
    """Create a weekly series: one event per week at the same Berlin time, all in the series.

    Refused as a whole when any of its dates lies outside the deployment period.
    """
    if timezone.is_naive(first_starts_at):
        raise ValueError("first_starts_at must be timezone-aware")
    if weeks < 1:
        raise ValidationError(
            gettext("Eine Reihe braucht mindestens einen Termin."), code="series_without_dates"
        )
    if duration <= dt.timedelta(0):
        raise ValidationError(
            gettext("Die Dauer eines Termins muss größer als null sein."),
            code="series_without_duration",
        )
    before = planning_check(deployment=deployment)
    series = EventSeries(deployment=deployment, title=title)
    series.full_clean()
    series.save()
    # Wall-clock arithmetic in Berlin time: 15:00 stays 15:00 across the clock change.
    first_local = _local(first_starts_at)
    for week in range(weeks):
        starts_at = first_local + dt.timedelta(weeks=week)
        _event_save(
            deployment=deployment,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            series=series,
            **event_fields,
        )
    _refuse_new_errors(deployment=deployment, before=before)
    return series


def _event_save(
    *,
    deployment: Deployment,
    title: str,
    format: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    lead: str = Event.Lead.OWN,
    is_public: bool = True,
    partners: Iterable[Partner] = (),
    target_groups: Iterable[TargetGroup] = (),
    languages: Sequence[str] = (),
    capacity: int | None = None,
    accessibility: str = "",
    series: EventSeries | None = None,
    description: str = "",
) -> Event:
    event = Event(
        deployment=deployment,
        series=series,
        title=title,
        description=description,
        format=format,
        starts_at=starts_at,
        ends_at=ends_at,
        lead=lead,
        languages=list(languages),
        accessibility=accessibility,
        capacity=capacity,
        is_public=is_public,
    )
    event.full_clean()
    event.save()
    event.partners.set(partners)
    event.target_groups.set(target_groups)
    return event


@transaction.atomic
def event_cancel(*, event: Event, reason: str, on: dt.date) -> Event:
    """Cancel an event that has not taken place, with the reason residents will see."""
    if event.state == Event.State.HELD:
        raise ValidationError(
            gettext("„%(event)s“ hat bereits stattgefunden und kann nicht abgesagt werden.")
            % {"event": event.title},
            code="event_held",
        )
    if event.state == Event.State.CANCELLED:
        raise ValidationError(
            gettext("„%(event)s“ ist bereits abgesagt.") % {"event": event.title},
            code="event_cancelled",
        )
    event.state = Event.State.CANCELLED
    event.cancel_reason = reason.strip()
    event.cancelled_on = on
    event.full_clean()
    event.save(update_fields=["state", "cancel_reason", "cancelled_on"])
    return event


@transaction.atomic
def event_record_attendance(*, event: Event, attendance: int) -> Event:
    """Record how many people came; the event counts as held from now on."""
    if event.state == Event.State.CANCELLED:
        raise ValidationError(
            gettext("„%(event)s“ wurde abgesagt; dafür lassen sich keine Teilnehmenden eintragen.")
            % {"event": event.title},
            code="event_cancelled",
        )
    if event.starts_at > timezone.now():
        raise ValidationError(
            gettext("„%(event)s“ hat noch nicht begonnen (%(when)s).")
            % {"event": event.title, "when": _span(event.starts_at, event.ends_at)},
            code="event_not_started",
        )
    event.attendance = attendance
    event.state = Event.State.HELD
    event.full_clean()
    event.save(update_fields=["attendance", "state"])
    return event


# --- Staffing -----------------------------------------------------------------------------


@transaction.atomic
def shift_create(
    *,
    deployment: Deployment,
    staff: AbstractBaseUser | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    is_public: bool = True,
    notes: str = "",
) -> Shift:
    """Add a shift (public ones are opening hours); refused when the person is already booked.

    ``staff`` may be ``None`` for a shift nobody has taken yet.
    """
    if staff is not None:
        # Serialise shift writes for the same person, whichever deployment they belong to.
        get_user_model().objects.select_for_update().only("pk").get(pk=staff.pk)
    before = planning_check(deployment=deployment)
    shift = Shift(
        deployment=deployment,
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        is_public=is_public,
        notes=notes,
    )
    shift.full_clean()
    shift.save()
    _refuse_new_errors(deployment=deployment, before=before)
    return shift
