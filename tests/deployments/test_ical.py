"""The programme as an iCalendar feed that residents subscribe to."""

import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from django.urls import include, path, reverse
from icalendar import Calendar

from deployments.models import Deployment, Event
from tests.factories import DeploymentFactory, EventFactory, PartnerFactory, berlin_time

urlpatterns = [path("", include("deployments.urls"))]

pytestmark = [pytest.mark.smoke, pytest.mark.django_db, pytest.mark.urls(__name__)]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY = dt.date(2026, 5, 4)


def feed_url(deployment: Deployment) -> str:
    return reverse("deployments:programme-ical", kwargs={"slug": deployment.slug})


def fetch_calendar(client: Client, deployment: Deployment) -> Calendar:
    response = client.get(feed_url(deployment))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


@pytest.fixture
def deployment() -> Deployment:
    return DeploymentFactory(
        status=Deployment.Status.RUNNING, title="Kiezlabor am Boxhagener Platz"
    )


def test_feed_is_a_calendar_download(client: Client, deployment: Deployment) -> None:
    response = client.get(feed_url(deployment))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{deployment.slug}.ics"'
    assert "public" in response["Cache-Control"]


def test_feed_has_one_event_per_public_event(client: Client, deployment: Deployment) -> None:
    EventFactory(deployment=deployment, title="Reparatur-Café")
    EventFactory(deployment=deployment, title="Kiezfest", starts_at=berlin_time(MONDAY, 18))
    EventFactory(deployment=deployment, title="Teamtreffen", is_public=False)

    calendar = fetch_calendar(client, deployment)

    assert str(calendar["VERSION"]) == "2.0"
    assert "Kiezlabor" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Kiezlabor am Boxhagener Platz – Programm"
    assert [str(event["SUMMARY"]) for event in calendar.events] == ["Reparatur-Café", "Kiezfest"]


def test_events_start_in_berlin_time_with_a_timezone_definition(
    client: Client, deployment: Deployment
) -> None:
    EventFactory(
        deployment=deployment,
        starts_at=berlin_time(MONDAY, 15),
        ends_at=berlin_time(MONDAY, 17, 30),
    )

    calendar = fetch_calendar(client, deployment)
    event = calendar.events[0]

    assert [timezone.tz_name for timezone in calendar.timezones] == ["Europe/Berlin"]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.start == dt.datetime(2026, 5, 4, 15, 0, tzinfo=BERLIN)
    assert event.end == dt.datetime(2026, 5, 4, 17, 30, tzinfo=BERLIN)
    assert event.start.utcoffset() == dt.timedelta(hours=2)
    assert event.DTSTAMP is not None


def test_event_carries_place_description_and_page_link(
    client: Client, deployment: Deployment
) -> None:
    partner = PartnerFactory(organisation=deployment.organisation, name="Stadtteilmütter")
    event = EventFactory(
        deployment=deployment,
        format=Event.Format.CONSULTATION,
        lead=Event.Lead.PARTNER,
        description="Fragen rund um Kita und Schule.",
        languages=["de", "tr"],
    )
    event.partners.add(partner)

    entry = fetch_calendar(client, deployment).events[0]
    description = str(entry["DESCRIPTION"])

    assert str(entry["LOCATION"]) == "Boxhagener Platz, 10245 Berlin"
    assert (entry["GEO"].latitude, entry["GEO"].longitude) == (52.5105, 13.4594)
    assert str(entry["URL"]) == f"http://testserver/einsatz/{deployment.slug}/"
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert "Fragen rund um Kita und Schule." in description
    assert "Format: Sprechstunde" in description
    assert "Veranstaltet von: Stadtteilmütter" in description
    assert "Sprachen: Deutsch, Türkisch" in description


def test_cancelled_event_is_sent_as_cancelled(client: Client, deployment: Deployment) -> None:
    EventFactory(
        deployment=deployment,
        title="Kiezspaziergang",
        state=Event.State.CANCELLED,
        cancel_reason="Unwetterwarnung",
        cancelled_on=MONDAY,
    )

    entry = fetch_calendar(client, deployment).events[0]

    assert str(entry["STATUS"]) == "CANCELLED"
    assert str(entry["SUMMARY"]) == "Abgesagt: Kiezspaziergang"
    assert "Abgesagt: Unwetterwarnung" in str(entry["DESCRIPTION"])


def test_event_uids_stay_the_same_between_fetches(client: Client, deployment: Deployment) -> None:
    first = EventFactory(deployment=deployment)
    second = EventFactory(deployment=deployment, starts_at=berlin_time(MONDAY, 18))

    before = [str(event["UID"]) for event in fetch_calendar(client, deployment).events]
    EventFactory(deployment=deployment, starts_at=berlin_time(MONDAY, 10))
    after = [str(event["UID"]) for event in fetch_calendar(client, deployment).events]

    assert before == [f"event-{first.pk}@kiezlabor", f"event-{second.pk}@kiezlabor"]
    assert set(before) < set(after)
    assert len(set(after)) == 3


def test_empty_programme_is_still_a_valid_calendar(client: Client, deployment: Deployment) -> None:
    calendar = fetch_calendar(client, deployment)

    assert calendar.events == []
    assert str(calendar["X-WR-CALNAME"]) == "Kiezlabor am Boxhagener Platz – Programm"


def test_draft_deployment_has_no_feed(client: Client) -> None:
    draft = DeploymentFactory(status=Deployment.Status.DRAFT)
    EventFactory(deployment=draft)

    assert client.get(feed_url(draft)).status_code == 404
