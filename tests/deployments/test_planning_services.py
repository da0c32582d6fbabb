"""Planning services: status transitions, programme and staffing writes that refuse errors."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deployments.models import Deployment, Event, Shift, Site, TargetGroup
from deployments.selectors.planning import PlanningCheck, planning_check
from deployments.services import planning
from tests.factories import (
    BERLIN,
    DeploymentFactory,
    EventFactory,
    OrganisationFactory,
    PartnerFactory,
    ShiftFactory,
    SiteFactory,
    UserFactory,
    berlin_time,
)

pytestmark = pytest.mark.django_db

Status = Deployment.Status
FIRST_DAY = dt.date(2026, 5, 4)
LAST_DAY = dt.date(2026, 5, 31)


def day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


def messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def user():
    return UserFactory(username="lea")


@pytest.fixture
def deployment() -> Deployment:
    return DeploymentFactory(title="Kiezlabor am Boxhagener Platz")


def with_status(deployment: Deployment, status: str) -> Deployment:
    Deployment.objects.filter(pk=deployment.pk).update(status=status)
    deployment.refresh_from_db()
    return deployment


# --- Status transitions -----------------------------------------------------------------------


def test_a_deployment_walks_through_its_whole_life(deployment, user) -> None:
    deployment = planning.deployment_plan(deployment=deployment, by=user)
    deployment = planning.deployment_confirm(deployment=deployment, by=user)
    deployment = planning.deployment_start(deployment=deployment, by=user)
    deployment = planning.deployment_close(deployment=deployment, by=user)
    deployment = planning.deployment_transition(deployment=deployment, to=Status.REPORTED, by=user)

    deployment.refresh_from_db()
    assert deployment.status == Status.REPORTED


@pytest.mark.parametrize(
    ("current", "to"),
    [(Status.PLANNED, Status.DRAFT), (Status.CONFIRMED, Status.PLANNED)],
)
def test_planned_and_confirmed_deployments_can_step_back(deployment, user, current, to) -> None:
    with_status(deployment, current)

    planning.deployment_transition(deployment=deployment, to=to, by=user)

    deployment.refresh_from_db()
    assert deployment.status == to


@pytest.mark.parametrize(
    ("current", "to"),
    [
        (Status.DRAFT, Status.CONFIRMED),
        (Status.DRAFT, Status.RUNNING),
        (Status.PLANNED, Status.RUNNING),
        (Status.CONFIRMED, Status.DRAFT),
        (Status.RUNNING, Status.PLANNED),
        (Status.CLOSED, Status.RUNNING),
        (Status.PLANNED, Status.PLANNED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(deployment, user, current, to) -> None:
    with_status(deployment, current)

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_transition(deployment=deployment, to=to, by=user)

    current_label, to_label = Status(current).label, Status(to).label
    assert f"Ein Einsatz im Status „{current_label}“ kann nicht auf „{to_label}“" in (
        messages(excinfo)
    )
    deployment.refresh_from_db()
    assert deployment.status == current


def test_the_message_names_the_possible_next_statuses(deployment, user) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_start(deployment=deployment, by=user)

    assert "Möglich: „geplant“." in messages(excinfo)


def test_a_reported_deployment_cannot_change_any_more(deployment, user) -> None:
    with_status(deployment, Status.REPORTED)

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_close(deployment=deployment, by=user)

    assert "kann nicht mehr geändert werden" in messages(excinfo)


def test_an_unknown_status_is_refused_in_german(deployment, user) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_transition(deployment=deployment, to="cancelled", by=user)

    assert "„cancelled“ ist kein Status eines Einsatzes." in messages(excinfo)


def test_planning_a_draft_is_refused_while_the_site_is_booked(deployment, user) -> None:
    DeploymentFactory(
        organisation=deployment.organisation,
        site=deployment.site,
        title="Frühling am Platz",
        status=Status.CONFIRMED,
        starts_on=day(-14),
        ends_on=day(2),
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_plan(deployment=deployment, by=user)

    assert "„Frühling am Platz“" in messages(excinfo)
    deployment.refresh_from_db()
    assert deployment.status == Status.DRAFT


def test_planning_a_draft_is_allowed_next_to_another_draft(deployment, user) -> None:
    DeploymentFactory(organisation=deployment.organisation, site=deployment.site)

    planning.deployment_plan(deployment=deployment, by=user)

    assert deployment.status == Status.PLANNED


def test_confirming_is_refused_while_the_site_is_not_confirmed(user) -> None:
    site = SiteFactory(name="Leopoldplatz", status=Site.Status.PROPOSED)
    deployment = DeploymentFactory(organisation=site.organisation, site=site)
    with_status(deployment, Status.PLANNED)

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_confirm(deployment=deployment, by=user)

    assert messages(excinfo) == (
        "Der Einsatz kann erst bestätigt werden, wenn der Standort „Leopoldplatz“ bestätigt "
        "ist (derzeit: vorgeschlagen)."
    )
    deployment.refresh_from_db()
    assert deployment.status == Status.PLANNED


def test_confirming_is_refused_while_the_plan_has_errors(deployment, user) -> None:
    with_status(deployment, Status.PLANNED)
    EventFactory(
        deployment=deployment,
        title="Auftakt-Werkstatt",
        starts_at=berlin_time(day(-1), 15),
        ends_at=berlin_time(day(-1), 17),
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_confirm(deployment=deployment, by=user)

    assert "Die Planungsprüfung meldet 1 Fehler." in messages(excinfo)
    assert "„Auftakt-Werkstatt“" in messages(excinfo)
    deployment.refresh_from_db()
    assert deployment.status == Status.PLANNED


def test_confirming_is_allowed_with_warnings_only(deployment, user) -> None:
    with_status(deployment, Status.PLANNED)
    ShiftFactory(deployment=deployment, staff=None)
    assert planning_check(deployment=deployment).warnings

    planning.deployment_confirm(deployment=deployment, by=user)

    assert deployment.status == Status.CONFIRMED


# --- Confirming a site ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agreement_with", "agreement_on", "missing"),
    [
        ("", None, "mit wem und wann"),
        ("", dt.date(2026, 3, 1), "mit wem die"),
        ("Hausverwaltung Gewobag", None, "wann die"),
    ],
)
def test_a_site_without_agreement_is_not_confirmed(
    user, agreement_with, agreement_on, missing
) -> None:
    site = SiteFactory(
        name="Leopoldplatz",
        status=Site.Status.PROPOSED,
        agreement_with=agreement_with,
        agreement_on=agreement_on,
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.site_confirm(site=site, by=user)

    assert messages(excinfo).startswith(
        f"Der Standort „Leopoldplatz“ kann erst bestätigt werden, wenn eingetragen ist, {missing}"
    )
    site.refresh_from_db()
    assert site.status == Site.Status.PROPOSED


def test_a_site_with_agreement_is_confirmed(user) -> None:
    site = SiteFactory(status=Site.Status.PROPOSED)

    planning.site_confirm(site=site, by=user)

    site.refresh_from_db()
    assert site.status == Site.Status.CONFIRMED


# --- Deployments ------------------------------------------------------------------------------


def test_deployment_create_makes_a_draft_with_its_groups_themes_and_team(user) -> None:
    site = SiteFactory()
    seniors = TargetGroup.objects.get_or_create(code="seniors", defaults={"name": "Ältere"})[0]
    theme = site.organisation.themes.create(name="Grünflächen")

    deployment = planning.deployment_create(
        organisation=site.organisation,
        site=site,
        title="Kiezlabor am Leopoldplatz",
        slug="leopoldplatz-2026",
        starts_on=FIRST_DAY,
        ends_on=LAST_DAY,
        target_groups=[seniors],
        themes=[theme],
        team=[user],
    )

    deployment.refresh_from_db()
    assert deployment.status == Status.DRAFT
    assert list(deployment.target_groups.all()) == [seniors]
    assert list(deployment.themes.all()) == [theme]
    assert list(deployment.team.all()) == [user]


def test_deployment_create_refuses_days_on_which_the_site_is_booked(deployment) -> None:
    with_status(deployment, Status.PLANNED)

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_create(
            organisation=deployment.organisation,
            site=deployment.site,
            title="Noch ein Einsatz",
            slug="noch-ein-einsatz",
            starts_on=LAST_DAY,
            ends_on=LAST_DAY + dt.timedelta(days=14),
        )

    assert "„Kiezlabor am Boxhagener Platz“ (geplant) belegt" in messages(excinfo)
    assert not Deployment.objects.filter(slug="noch-ein-einsatz").exists()


def test_deployment_create_refuses_an_end_before_the_start() -> None:
    site = SiteFactory()

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_create(
            organisation=site.organisation,
            site=site,
            title="Rückwärts",
            slug="rueckwaerts",
            starts_on=LAST_DAY,
            ends_on=FIRST_DAY,
        )

    assert "Das Ende liegt vor dem Beginn." in messages(excinfo)


def test_moving_the_period_away_from_events_is_refused(deployment) -> None:
    EventFactory(
        deployment=deployment,
        title="Fahrradwerkstatt",
        starts_at=berlin_time(day(1), 15),
        ends_at=berlin_time(day(1), 17),
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_update(deployment=deployment, starts_on=day(7))

    assert "„Fahrradwerkstatt“" in messages(excinfo)
    deployment.refresh_from_db()
    assert deployment.starts_on == FIRST_DAY


def test_moving_the_period_onto_a_booking_of_the_site_is_refused(deployment) -> None:
    with_status(deployment, Status.PLANNED)
    DeploymentFactory(
        organisation=deployment.organisation,
        site=deployment.site,
        title="Juni am Platz",
        status=Status.PLANNED,
        starts_on=dt.date(2026, 6, 8),
        ends_on=dt.date(2026, 6, 28),
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.deployment_update(deployment=deployment, ends_on=dt.date(2026, 6, 10))

    assert "„Juni am Platz“" in messages(excinfo)
    deployment.refresh_from_db()
    assert deployment.ends_on == LAST_DAY


def test_moving_the_period_is_allowed_when_nothing_clashes(deployment) -> None:
    EventFactory(deployment=deployment, starts_at=berlin_time(day(8), 15))

    planning.deployment_update(deployment=deployment, starts_on=day(7), title="Kürzer")

    deployment.refresh_from_db()
    assert (deployment.starts_on, deployment.title) == (day(7), "Kürzer")


def test_an_existing_error_does_not_block_unrelated_changes(deployment) -> None:
    EventFactory(
        deployment=deployment,
        starts_at=berlin_time(day(-3), 15),
        ends_at=berlin_time(day(-3), 17),
    )

    planning.deployment_update(deployment=deployment, description="Neue Beschreibung")

    deployment.refresh_from_db()
    assert deployment.description == "Neue Beschreibung"


# --- Events -----------------------------------------------------------------------------------


def test_event_create_saves_the_event_with_partners_and_groups(deployment) -> None:
    partner = PartnerFactory(organisation=deployment.organisation)
    youth = TargetGroup.objects.get_or_create(code="youth", defaults={"name": "Jugendliche"})[0]

    event = planning.event_create(
        deployment=deployment,
        title="Graffiti-Werkstatt",
        format=Event.Format.WORKSHOP,
        starts_at=berlin_time(day(2), 16),
        ends_at=berlin_time(day(2), 18),
        lead=Event.Lead.PARTNER,
        partners=[partner],
        target_groups=[youth],
        languages=["de", "tr"],
        capacity=12,
    )

    event.refresh_from_db()
    assert event.state == Event.State.PLANNED
    assert list(event.partners.all()) == [partner]
    assert list(event.target_groups.all()) == [youth]
    assert event.languages == ["de", "tr"]


def test_event_create_refuses_an_event_outside_the_period(deployment) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.event_create(
            deployment=deployment,
            title="Nachzügler",
            format=Event.Format.WORKSHOP,
            starts_at=berlin_time(LAST_DAY + dt.timedelta(days=1), 15),
            ends_at=berlin_time(LAST_DAY + dt.timedelta(days=1), 17),
        )

    assert "„Nachzügler“ (am 01.06.2026, 15:00–17:00 Uhr) liegt außerhalb" in messages(excinfo)
    assert not Event.objects.filter(title="Nachzügler").exists()


def test_event_create_refuses_an_event_that_ends_before_it_starts(deployment) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.event_create(
            deployment=deployment,
            title="Zeitreise",
            format=Event.Format.WORKSHOP,
            starts_at=berlin_time(day(1), 17),
            ends_at=berlin_time(day(1), 15),
        )

    assert "Die Veranstaltung endet, bevor sie beginnt." in messages(excinfo)


def test_series_creates_one_event_a_week_at_the_same_berlin_time_across_the_clock_change(
    user,
) -> None:
    # Summer time ends on Sunday 25 October 2026.
    autumn = DeploymentFactory(starts_on=dt.date(2026, 10, 12), ends_on=dt.date(2026, 11, 8))

    series = planning.event_series_create(
        deployment=autumn,
        title="Reparatur-Café",
        first_starts_at=berlin_time(dt.date(2026, 10, 14), 15),
        duration=dt.timedelta(hours=2),
        weeks=4,
        format=Event.Format.WORKSHOP,
        lead=Event.Lead.PARTNER,
        is_public=True,
    )

    events = list(series.events.order_by("starts_at"))
    local = [event.starts_at.astimezone(BERLIN) for event in events]
    assert [start.date() for start in local] == [
        dt.date(2026, 10, 14),
        dt.date(2026, 10, 21),
        dt.date(2026, 10, 28),
        dt.date(2026, 11, 4),
    ]
    assert {(start.hour, start.minute) for start in local} == {(15, 0)}
    assert all(event.ends_at - event.starts_at == dt.timedelta(hours=2) for event in events)
    assert {event.title for event in events} == {"Reparatur-Café"}
    assert {event.lead for event in events} == {Event.Lead.PARTNER}
    assert all(event.deployment == autumn for event in events)


def test_series_reaching_beyond_the_period_is_refused_as_a_whole(deployment) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.event_series_create(
            deployment=deployment,
            title="Sprechstunde",
            first_starts_at=berlin_time(day(2), 10),
            duration=dt.timedelta(hours=2),
            weeks=5,
            format=Event.Format.CONSULTATION,
        )

    assert "„Sprechstunde“ (am 03.06.2026, 10:00–12:00 Uhr) liegt außerhalb" in (messages(excinfo))
    assert not deployment.events.exists()
    assert not deployment.series.exists()


def test_series_needs_at_least_one_week(deployment) -> None:
    with pytest.raises(ValidationError) as excinfo:
        planning.event_series_create(
            deployment=deployment,
            title="Sprechstunde",
            first_starts_at=berlin_time(day(2), 10),
            duration=dt.timedelta(hours=2),
            weeks=0,
            format=Event.Format.CONSULTATION,
        )

    assert messages(excinfo) == "Eine Reihe braucht mindestens einen Termin."


def test_cancelling_keeps_reason_and_date(deployment) -> None:
    event = EventFactory(deployment=deployment)

    planning.event_cancel(event=event, reason="  Unwetterwarnung ", on=day(0))

    event.refresh_from_db()
    assert (event.state, event.cancel_reason, event.cancelled_on) == (
        Event.State.CANCELLED,
        "Unwetterwarnung",
        day(0),
    )


def test_cancelling_needs_a_reason(deployment) -> None:
    event = EventFactory(deployment=deployment)

    with pytest.raises(ValidationError) as excinfo:
        planning.event_cancel(event=event, reason="  ", on=day(0))

    assert "Eine Absage braucht einen Grund und ein Datum." in messages(excinfo)
    event.refresh_from_db()
    assert event.state == Event.State.PLANNED


def test_an_event_that_took_place_cannot_be_cancelled(deployment) -> None:
    event = EventFactory(deployment=deployment, title="Kiezfest")
    planning.event_record_attendance(event=event, attendance=40)

    with pytest.raises(ValidationError) as excinfo:
        planning.event_cancel(event=event, reason="Regen", on=day(0))

    assert messages(excinfo) == (
        "„Kiezfest“ hat bereits stattgefunden und kann nicht abgesagt werden."
    )


def test_recording_attendance_marks_the_event_as_held(deployment) -> None:
    event = EventFactory(deployment=deployment)

    planning.event_record_attendance(event=event, attendance=17)

    event.refresh_from_db()
    assert (event.state, event.attendance) == (Event.State.HELD, 17)


def test_attendance_of_a_cancelled_event_is_refused(deployment) -> None:
    event = EventFactory(deployment=deployment, title="Kiezfest")
    planning.event_cancel(event=event, reason="Unwetterwarnung", on=day(0))

    with pytest.raises(ValidationError) as excinfo:
        planning.event_record_attendance(event=event, attendance=3)

    assert "„Kiezfest“ wurde abgesagt" in messages(excinfo)


def test_attendance_of_an_event_that_has_not_begun_is_refused() -> None:
    future = DeploymentFactory(starts_on=dt.date(2099, 5, 4), ends_on=dt.date(2099, 5, 31))
    event = EventFactory(deployment=future, title="Kiezfest")

    with pytest.raises(ValidationError) as excinfo:
        planning.event_record_attendance(event=event, attendance=3)

    assert messages(excinfo) == (
        "„Kiezfest“ hat noch nicht begonnen (am 04.05.2099, 15:00–17:00 Uhr)."
    )
    event.refresh_from_db()
    assert event.state == Event.State.PLANNED


def test_negative_attendance_is_refused(deployment) -> None:
    event = EventFactory(deployment=deployment)

    with pytest.raises(ValidationError):
        planning.event_record_attendance(event=event, attendance=-1)


# --- Shifts -----------------------------------------------------------------------------------


def test_shift_create_refuses_a_person_who_is_already_booked_elsewhere(deployment) -> None:
    mira = UserFactory(username="mira", first_name="Mira", last_name="Kaya")
    ShiftFactory(
        deployment=DeploymentFactory(title="Kiezlabor am Leopoldplatz"),
        staff=mira,
        starts_at=berlin_time(day(1), 10),
        ends_at=berlin_time(day(1), 14),
    )

    with pytest.raises(ValidationError) as excinfo:
        planning.shift_create(
            deployment=deployment,
            staff=mira,
            starts_at=berlin_time(day(1), 12),
            ends_at=berlin_time(day(1), 18),
        )

    assert "Mira Kaya ist zweimal zur gleichen Zeit eingeteilt" in messages(excinfo)
    assert not deployment.shifts.exists()


def test_shift_create_allows_back_to_back_and_unstaffed_shifts(deployment) -> None:
    mira = UserFactory(username="mira")
    ShiftFactory(
        deployment=DeploymentFactory(),
        staff=mira,
        starts_at=berlin_time(day(1), 8),
        ends_at=berlin_time(day(1), 12),
    )

    planning.shift_create(
        deployment=deployment,
        staff=mira,
        starts_at=berlin_time(day(1), 12),
        ends_at=berlin_time(day(1), 18),
    )
    planning.shift_create(
        deployment=deployment,
        staff=None,
        starts_at=berlin_time(day(2), 12),
        ends_at=berlin_time(day(2), 18),
        notes="noch offen",
    )

    assert deployment.shifts.count() == 2
    assert Shift.objects.filter(deployment=deployment, staff=None).count() == 1


# --- Queries ----------------------------------------------------------------------------------


def build_programme(events: int) -> Deployment:
    """A deployment with every kind of related row, so that every query of the check runs."""
    organisation = OrganisationFactory()
    deployment = DeploymentFactory(organisation=organisation)
    DeploymentFactory(
        organisation=organisation,
        site=deployment.site,
        status=Status.PLANNED,
        starts_on=LAST_DAY,
        ends_on=LAST_DAY + dt.timedelta(days=7),
    )
    deployment.target_groups.set(TargetGroup.objects.all()[:2])
    deployment.goals.create(goal="social", rank=1)
    for index in range(events):
        event = EventFactory(
            deployment=deployment,
            starts_at=berlin_time(day(index % 28), 10 + index % 8),
            lead=Event.Lead.PARTNER if index % 2 else Event.Lead.OWN,
        )
        event.target_groups.set(TargetGroup.objects.all()[:1])
    team = [UserFactory(username=f"team{index}") for index in range(3)]
    for index in range(events):
        ShiftFactory(deployment=deployment, staff=team[index % 3])
    ShiftFactory(deployment=DeploymentFactory(), staff=team[0])
    return deployment


def count_queries(deployment: Deployment) -> tuple[int, PlanningCheck]:
    with CaptureQueriesContext(connection) as queries:
        check = planning_check(deployment=deployment)
    return len(queries), check


def test_planning_check_needs_the_same_few_queries_for_5_and_50_events() -> None:
    small_count, small = count_queries(build_programme(5))
    large_count, large = count_queries(build_programme(50))

    assert small.errors
    assert small.warnings
    assert large.errors
    assert large.warnings
    assert small_count == large_count
    assert large_count <= 9
