"""The planning check: every error and warning fires when it should and stays quiet otherwise."""

import datetime as dt

import pytest
from django.template.loader import render_to_string

from deployments.models import Deployment, DeploymentGoal, Event, Goal, Site, TargetGroup
from deployments.selectors.planning import (
    BOOKING_STATUSES,
    COMMITTED_STATUSES,
    GOAL_FORMATS,
    Code,
    Finding,
    PlanningCheck,
    planning_check,
)
from tests.factories import (
    DeploymentFactory,
    EventFactory,
    ShiftFactory,
    SiteFactory,
    UserFactory,
    berlin_time,
)

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]

# The default deployment of the factories: Monday 4 May to Sunday 31 May 2026, four weeks.
FIRST_DAY = dt.date(2026, 5, 4)
LAST_DAY = dt.date(2026, 5, 31)


def day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


def errors(deployment: Deployment, code: str) -> list[Finding]:
    return [f for f in planning_check(deployment=deployment).errors if f.code == code]


def warnings(deployment: Deployment, code: str) -> list[Finding]:
    return [f for f in planning_check(deployment=deployment).warnings if f.code == code]


def event(
    deployment: Deployment, on: dt.date, hour: int = 15, hours: int = 2, minute: int = 0, **kwargs
) -> Event:
    starts_at = berlin_time(on, hour, minute)
    return EventFactory(
        deployment=deployment,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        **kwargs,
    )


def cancel(event_: Event) -> None:
    event_.state = Event.State.CANCELLED
    event_.cancel_reason = "Unwetterwarnung"
    event_.cancelled_on = event_.starts_at.date()
    event_.save()


@pytest.fixture
def deployment() -> Deployment:
    return DeploymentFactory(title="Kiezlabor am Boxhagener Platz")


def neighbour(deployment: Deployment, **kwargs) -> Deployment:
    """Another deployment of the same organisation at the same site."""
    return DeploymentFactory(organisation=deployment.organisation, site=deployment.site, **kwargs)


# --- Errors: events outside the deployment period ---------------------------------------------


def test_event_before_the_first_day_is_an_error_naming_event_and_period(deployment) -> None:
    event(deployment, dt.date(2026, 5, 3), title="Auftakt-Werkstatt")

    [finding] = errors(deployment, Code.EVENT_OUTSIDE_PERIOD)

    assert "„Auftakt-Werkstatt“" in finding.message
    assert "03.05.2026" in finding.message
    assert "vom 04.05.2026 bis 31.05.2026" in finding.message


def test_event_after_midnight_berlin_time_is_outside_though_utc_is_still_the_last_day(
    deployment,
) -> None:
    late = event(deployment, LAST_DAY + dt.timedelta(days=1), hour=0, hours=1, minute=30)
    assert late.starts_at.astimezone(dt.UTC).date() == LAST_DAY

    [finding] = errors(deployment, Code.EVENT_OUTSIDE_PERIOD)

    assert "01.06.2026" in finding.message


def test_event_just_after_midnight_on_the_first_day_is_inside(deployment) -> None:
    early = event(deployment, FIRST_DAY, hour=0, hours=1)
    assert early.starts_at.astimezone(dt.UTC).date() == FIRST_DAY - dt.timedelta(days=1)

    assert errors(deployment, Code.EVENT_OUTSIDE_PERIOD) == []


def test_event_ending_at_midnight_after_the_last_day_is_inside(deployment) -> None:
    event(deployment, LAST_DAY, hour=20, hours=4, title="Abschlussfest")

    assert errors(deployment, Code.EVENT_OUTSIDE_PERIOD) == []


def test_cancelled_event_outside_the_period_is_no_error(deployment) -> None:
    cancel(event(deployment, dt.date(2026, 6, 2)))

    assert errors(deployment, Code.EVENT_OUTSIDE_PERIOD) == []


# --- Errors: the site booked by another deployment ---------------------------------------------


@pytest.mark.parametrize("status", sorted(BOOKING_STATUSES))
def test_site_booked_by_another_deployment_on_overlapping_days_is_an_error(
    deployment, status
) -> None:
    neighbour(
        deployment,
        title="Sommer am Platz",
        status=status,
        starts_on=dt.date(2026, 5, 25),
        ends_on=dt.date(2026, 6, 14),
    )

    [finding] = errors(deployment, Code.SITE_DOUBLE_BOOKED)

    assert "„Sommer am Platz“" in finding.message
    assert f"({Deployment.Status(status).label})" in finding.message
    assert "vom 25.05.2026 bis 14.06.2026" in finding.message


def test_sharing_a_single_day_with_a_booking_is_an_error(deployment) -> None:
    neighbour(
        deployment,
        status=Deployment.Status.CONFIRMED,
        starts_on=dt.date(2026, 4, 13),
        ends_on=FIRST_DAY,
    )

    assert len(errors(deployment, Code.SITE_DOUBLE_BOOKED)) == 1


def test_a_draft_does_not_book_the_site(deployment) -> None:
    neighbour(deployment, status=Deployment.Status.DRAFT, starts_on=day(7), ends_on=day(20))

    assert errors(deployment, Code.SITE_DOUBLE_BOOKED) == []


def test_a_booking_on_the_next_days_or_at_another_site_is_no_error(deployment) -> None:
    neighbour(
        deployment,
        status=Deployment.Status.PLANNED,
        starts_on=LAST_DAY + dt.timedelta(days=1),
        ends_on=LAST_DAY + dt.timedelta(days=21),
    )
    DeploymentFactory(organisation=deployment.organisation, status=Deployment.Status.PLANNED)

    assert errors(deployment, Code.SITE_DOUBLE_BOOKED) == []


# --- Errors: staff in two shifts at once -------------------------------------------------------


def test_person_in_two_shifts_at_once_across_deployments_is_an_error(deployment) -> None:
    mira = UserFactory(username="mira", first_name="Mira", last_name="Kaya")
    elsewhere = DeploymentFactory(title="Kiezlabor am Leopoldplatz")
    ShiftFactory(
        deployment=deployment,
        staff=mira,
        starts_at=berlin_time(day(1), 12),
        ends_at=berlin_time(day(1), 18),
    )
    ShiftFactory(
        deployment=elsewhere,
        staff=mira,
        starts_at=berlin_time(day(1), 16),
        ends_at=berlin_time(day(1), 20),
    )

    [finding] = errors(deployment, Code.STAFF_DOUBLE_BOOKED)

    assert finding.message.startswith("Mira Kaya ist zweimal zur gleichen Zeit eingeteilt")
    assert "05.05.2026, 12:00–18:00 Uhr im Einsatz „Kiezlabor am Boxhagener Platz“" in (
        finding.message
    )
    assert "05.05.2026, 16:00–20:00 Uhr im Einsatz „Kiezlabor am Leopoldplatz“" in (finding.message)
    assert len(errors(elsewhere, Code.STAFF_DOUBLE_BOOKED)) == 1


def test_person_in_two_overlapping_shifts_of_one_deployment_is_an_error(deployment) -> None:
    mira = UserFactory(username="mira")
    ShiftFactory(deployment=deployment, staff=mira)
    ShiftFactory(deployment=deployment, staff=mira)

    [finding] = errors(deployment, Code.STAFF_DOUBLE_BOOKED)

    assert finding.message.startswith("mira ist zweimal")


def test_back_to_back_shifts_and_different_people_are_no_error(deployment) -> None:
    mira, jonas = UserFactory(username="mira"), UserFactory(username="jonas")
    ShiftFactory(
        deployment=deployment,
        staff=mira,
        starts_at=berlin_time(day(1), 12),
        ends_at=berlin_time(day(1), 18),
    )
    ShiftFactory(
        deployment=deployment,
        staff=mira,
        starts_at=berlin_time(day(1), 18),
        ends_at=berlin_time(day(1), 20),
    )
    ShiftFactory(
        deployment=DeploymentFactory(),
        staff=jonas,
        starts_at=berlin_time(day(1), 12),
        ends_at=berlin_time(day(1), 18),
    )

    assert errors(deployment, Code.STAFF_DOUBLE_BOOKED) == []


# --- Errors: confirmed without a confirmed site ------------------------------------------------


@pytest.mark.parametrize("status", sorted(COMMITTED_STATUSES))
def test_confirmed_deployment_at_an_unconfirmed_site_is_an_error(status) -> None:
    site = SiteFactory(name="Leopoldplatz", status=Site.Status.PROPOSED)
    deployment = DeploymentFactory(organisation=site.organisation, site=site, status=status)

    [finding] = errors(deployment, Code.CONFIRMED_WITHOUT_SITE)

    assert "„Leopoldplatz“ ist nicht bestätigt (vorgeschlagen)" in finding.message


def test_planned_deployment_at_an_unconfirmed_site_is_no_error() -> None:
    site = SiteFactory(status=Site.Status.PROPOSED)
    deployment = DeploymentFactory(
        organisation=site.organisation, site=site, status=Deployment.Status.PLANNED
    )

    assert errors(deployment, Code.CONFIRMED_WITHOUT_SITE) == []


def test_confirmed_deployment_at_a_confirmed_site_is_no_error() -> None:
    deployment = DeploymentFactory(status=Deployment.Status.CONFIRMED)

    assert errors(deployment, Code.CONFIRMED_WITHOUT_SITE) == []


# --- Warnings: overlapping public events at the site ---------------------------------------


def test_overlapping_public_events_of_the_deployment_are_a_warning(deployment) -> None:
    event(deployment, day(2), hour=15, title="Fahrradwerkstatt")
    event(deployment, day(2), hour=16, title="Sprechstunde der Bürgermeisterin")

    [finding] = warnings(deployment, Code.EVENTS_OVERLAP)

    assert "„Fahrradwerkstatt“ (am 06.05.2026, 15:00–17:00 Uhr)" in finding.message
    assert "„Sprechstunde der Bürgermeisterin“ (am 06.05.2026, 16:00–18:00 Uhr)" in (
        finding.message
    )
    assert planning_check(deployment=deployment).errors == []


def test_public_event_of_another_deployment_at_the_site_overlapping_is_a_warning(
    deployment,
) -> None:
    other = neighbour(deployment, title="Lastenrad-Tour", starts_on=day(2), ends_on=day(3))
    event(deployment, day(2), hour=15, title="Fahrradwerkstatt")
    event(other, day(2), hour=16, title="Kiezspaziergang")

    [finding] = warnings(deployment, Code.EVENTS_OVERLAP)

    assert "„Kiezspaziergang“ im Einsatz „Lastenrad-Tour“" in finding.message


def test_back_to_back_internal_or_cancelled_events_do_not_overlap(deployment) -> None:
    event(deployment, day(2), hour=15, title="Fahrradwerkstatt")
    event(deployment, day(2), hour=17, title="Sprechstunde")
    event(deployment, day(2), hour=16, title="Teamrunde", is_public=False)
    cancel(event(deployment, day(2), hour=16, title="Abgesagter Vortrag"))
    event(DeploymentFactory(), day(2), hour=16, title="Anderswo")

    assert warnings(deployment, Code.EVENTS_OVERLAP) == []


# --- Warnings: published opening hours without staff ---------------------------------------


def test_public_shift_without_staff_is_a_warning(deployment) -> None:
    ShiftFactory(deployment=deployment, staff=None)

    [finding] = warnings(deployment, Code.OPENING_HOURS_UNSTAFFED)

    assert "Die Öffnungszeit am 04.05.2026, 12:00–18:00 Uhr ist veröffentlicht" in (finding.message)


def test_staffed_or_internal_shifts_are_no_warning(deployment) -> None:
    ShiftFactory(deployment=deployment)
    ShiftFactory(deployment=deployment, staff=None, is_public=False)

    assert warnings(deployment, Code.OPENING_HOURS_UNSTAFFED) == []


# --- Warnings: a thin programme in the first two weeks ------------------------------------------


def test_first_two_weeks_thinner_than_the_average_week_is_a_warning(deployment) -> None:
    event(deployment, day(1))
    for offset in (15, 16, 17, 22, 23, 24, 25):
        event(deployment, day(offset))

    [finding] = warnings(deployment, Code.THIN_START)

    assert "In den ersten zwei Wochen ist 1 Veranstaltung geplant (0,5 pro Woche)" in (
        finding.message
    )
    assert "2,0 pro Woche (8 in 4,0 Wochen)" in finding.message


def test_cancelled_events_do_not_fill_the_first_weeks(deployment) -> None:
    for offset in (1, 2, 3):
        cancel(event(deployment, day(offset)))
    event(deployment, day(4))
    for offset in (15, 16, 22, 23):
        event(deployment, day(offset))

    [finding] = warnings(deployment, Code.THIN_START)

    assert "ist 1 Veranstaltung geplant" in finding.message


def test_dense_first_two_weeks_are_no_warning(deployment) -> None:
    for offset in (0, 1, 8, 9, 15, 22):
        event(deployment, day(offset))

    assert warnings(deployment, Code.THIN_START) == []


def test_a_deployment_of_two_weeks_or_less_has_no_start_phase() -> None:
    short = DeploymentFactory(starts_on=FIRST_DAY, ends_on=day(9))
    for offset in (7, 8, 9):
        event(short, day(offset))

    assert warnings(short, Code.THIN_START) == []


# --- Warnings: the share of own events ----------------------------------------------------------


def test_own_share_above_forty_percent_is_a_warning_with_the_ratio(deployment) -> None:
    for offset in range(5):
        event(deployment, day(offset), lead=Event.Lead.OWN)
    for offset in range(5, 8):
        event(deployment, day(offset), lead=Event.Lead.PARTNER)

    [finding] = warnings(deployment, Code.OWN_SHARE_HIGH)

    assert finding.message.startswith("62 % eigene Veranstaltungen (Richtwert: 25 %)")
    assert "5 von 8 Veranstaltungen" in finding.message


def test_own_share_of_forty_percent_is_no_warning(deployment) -> None:
    for offset in range(2):
        event(deployment, day(offset), lead=Event.Lead.OWN)
    for offset in range(2, 5):
        event(deployment, day(offset), lead=Event.Lead.PARTNER)

    assert warnings(deployment, Code.OWN_SHARE_HIGH) == []


def test_cancelled_own_events_do_not_count_for_the_share(deployment) -> None:
    for offset in range(2):
        event(deployment, day(offset), lead=Event.Lead.OWN)
    for offset in range(2, 5):
        event(deployment, day(offset), lead=Event.Lead.PARTNER)
    for offset in range(5, 8):
        cancel(event(deployment, day(offset), lead=Event.Lead.OWN))

    assert warnings(deployment, Code.OWN_SHARE_HIGH) == []


# --- Warnings: target groups without an event ------------------------------------------------


@pytest.fixture
def seniors() -> TargetGroup:
    return TargetGroup.objects.get_or_create(code="seniors", defaults={"name": "Ältere Menschen"})[
        0
    ]


@pytest.fixture
def youth() -> TargetGroup:
    return TargetGroup.objects.get_or_create(code="youth", defaults={"name": "Jugendliche"})[0]


def test_target_group_without_an_event_is_a_warning(deployment, seniors, youth) -> None:
    deployment.target_groups.set([seniors, youth])
    event(deployment, day(1)).target_groups.set([youth])

    [finding] = warnings(deployment, Code.TARGET_GROUP_WITHOUT_EVENT)

    assert (
        finding.message == "Für die Zielgruppe „Ältere Menschen“ ist keine Veranstaltung geplant."
    )


def test_target_group_with_only_a_cancelled_event_is_a_warning(deployment, seniors) -> None:
    deployment.target_groups.set([seniors])
    cancelled = event(deployment, day(1))
    cancelled.target_groups.set([seniors])
    cancel(cancelled)

    assert len(warnings(deployment, Code.TARGET_GROUP_WITHOUT_EVENT)) == 1


def test_target_groups_with_events_are_no_warning(deployment, seniors, youth) -> None:
    deployment.target_groups.set([seniors, youth])
    event(deployment, day(1)).target_groups.set([youth, seniors])

    assert warnings(deployment, Code.TARGET_GROUP_WITHOUT_EVENT) == []


# --- Warnings: top goals without a fitting format --------------------------------------------


def test_top_three_goal_without_a_fitting_format_is_a_warning(deployment) -> None:
    DeploymentGoal.objects.create(deployment=deployment, goal=Goal.DIGITAL_EDUCATION, rank=2)
    event(deployment, day(1), format=Event.Format.CONSULTATION)

    [finding] = warnings(deployment, Code.GOAL_WITHOUT_FORMAT)

    assert "„Digitale Bildung“ (Rang 2)" in finding.message
    assert "Passende Formate: Werkstatt, Datenspaziergang." in finding.message


def test_top_goal_with_a_fitting_format_is_no_warning(deployment) -> None:
    DeploymentGoal.objects.create(deployment=deployment, goal=Goal.DIGITAL_EDUCATION, rank=1)
    event(deployment, day(1), format=Event.Format.DATA_WALK)

    assert warnings(deployment, Code.GOAL_WITHOUT_FORMAT) == []


def test_goal_ranked_fourth_needs_no_fitting_format(deployment) -> None:
    DeploymentGoal.objects.create(deployment=deployment, goal=Goal.ECONOMY, rank=4)
    event(deployment, day(1), format=Event.Format.DATA_WALK)

    assert warnings(deployment, Code.GOAL_WITHOUT_FORMAT) == []


def test_every_goal_area_has_fitting_formats() -> None:
    assert set(GOAL_FORMATS) == set(Goal)
    assert all(formats <= set(Event.Format) and formats for formats in GOAL_FORMATS.values())


# --- A plan without findings, and the admin panel -------------------------------------------


def test_a_well_balanced_plan_has_no_findings(deployment, seniors) -> None:
    deployment.target_groups.set([seniors])
    DeploymentGoal.objects.create(deployment=deployment, goal=Goal.SOCIAL, rank=1)
    fest = event(deployment, day(0), format=Event.Format.FESTIVAL, lead=Event.Lead.OWN)
    fest.target_groups.set([seniors])
    for offset, format_ in ((1, "co_design"), (15, "workshop"), (22, "consultation")):
        event(deployment, day(offset), format=format_, lead=Event.Lead.PARTNER)
    ShiftFactory(deployment=deployment)

    result = planning_check(deployment=deployment)

    assert result.errors == []
    assert result.warnings == []
    assert result.ok


def render_panel(check: PlanningCheck) -> str:
    return render_to_string(
        "admin/deployments/deployment/planning_panel.html", {"planning_check": check}
    )


def test_panel_lists_errors_and_warnings_under_their_own_headings() -> None:
    check = PlanningCheck(
        errors=[Finding(Code.EVENT_OUTSIDE_PERIOD, "„Auftakt“ liegt außerhalb.")],
        warnings=[
            Finding(Code.THIN_START, "Dünner Start."),
            Finding(Code.OWN_SHARE_HIGH, "62 % eigene Veranstaltungen (Richtwert: 25 %)."),
        ],
    )

    page = render_panel(check)

    assert "Planungsprüfung" in page
    assert "Fehler (1)" in page
    assert "Hinweise (2)" in page
    assert '<li data-code="event_outside_period">„Auftakt“ liegt außerhalb.</li>' in page
    assert "62 % eigene Veranstaltungen" in page
    assert "Alles in Ordnung" not in page


def test_panel_without_findings_says_all_is_well() -> None:
    page = render_panel(PlanningCheck())

    assert "Alles in Ordnung" in page
    assert "Fehler (" not in page
    assert "Hinweise (" not in page
