"""Planning a deployment: status transitions and writes of the programme.

The planning check (``deployments.selectors.planning.planning_check``) is the single source of
truth for what is wrong with a plan. Writes refuse exactly what the check would report as a
*new* error: each write service saves inside its transaction, runs the check again and rolls
back with the new errors' messages. Errors that were already there before the write (say, a
shift double-booked elsewhere) do not block unrelated writes; they block confirming the
deployment.

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
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NotRequired, Required, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from deployments.models import (
    Deployment,
    Event,
    EventSeries,
    Organisation,
    Partner,
    Shift,
    Site,
    TargetGroup,
    Theme,
)
from deployments.selectors.planning import (
    Code,
    PlanningCheck,
    local_time,
    planning_check,
    time_span,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)


Status = Deployment.Status

TRANSITIONS: Mapping[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.PLANNED}),
    Status.PLANNED: frozenset({Status.CONFIRMED, Status.DRAFT}),
    Status.CONFIRMED: frozenset({Status.RUNNING, Status.PLANNED}),
    Status.RUNNING: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.REPORTED}),
    Status.REPORTED: frozenset(),
}


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
    first_local = local_time(first_starts_at)
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
            % {"event": event.title, "when": time_span(event.starts_at, event.ends_at)},
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
