"""The public programme page of a deployment, and the programme selectors behind it."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse

from deployments.models import Area, Deployment, Event, TargetGroup
from deployments.selectors.programme import opening_hours, programme_weeks
from tests.factories import (
    AreaFactory,
    DeploymentFactory,
    EventFactory,
    PartnerFactory,
    ShiftFactory,
    berlin_time,
)

# The project's root URLconf includes the app at "", like this module does.
urlpatterns = [path("", include("deployments.urls"))]

pytestmark = [pytest.mark.smoke, pytest.mark.django_db, pytest.mark.urls(__name__)]

MONDAY = dt.date(2026, 5, 4)


def public_deployment(**kwargs: object) -> Deployment:
    return DeploymentFactory(status=Deployment.Status.CONFIRMED, **kwargs)


def page_url(deployment: Deployment) -> str:
    return reverse("deployments:programme", kwargs={"slug": deployment.slug})


def visible_text(page: str) -> str:
    """The page as a reader gets it: tags dropped, whitespace collapsed."""
    page = re.sub(r"<(script|style|title|desc)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page))).strip()


def get_page(client: Client, deployment: Deployment) -> str:
    response = client.get(page_url(deployment))
    assert response.status_code == 200
    return response.content.decode()


def test_page_lists_public_events_and_hides_internal_ones(client: Client) -> None:
    deployment = public_deployment(title="Kiezlabor am Boxhagener Platz")
    EventFactory(deployment=deployment, title="Reparatur-Café")
    EventFactory(deployment=deployment, title="Teambesprechung", is_public=False)
    EventFactory(title="Werkstatt an einem anderen Ort")

    text = visible_text(get_page(client, deployment))

    assert "Kiezlabor am Boxhagener Platz" in text
    assert "Reparatur-Café" in text
    assert "Teambesprechung" not in text
    assert "Werkstatt an einem anderen Ort" not in text
    assert "Boxhagener Platz, 10245 Berlin" in text


@pytest.mark.parametrize(
    "status",
    [
        Deployment.Status.PLANNED,
        Deployment.Status.CONFIRMED,
        Deployment.Status.RUNNING,
        Deployment.Status.CLOSED,
        Deployment.Status.REPORTED,
    ],
)
def test_every_status_after_draft_is_public(client: Client, status: str) -> None:
    deployment = DeploymentFactory(status=status)
    assert client.get(page_url(deployment)).status_code == 200


def test_draft_and_unknown_deployments_are_not_found(client: Client) -> None:
    draft = DeploymentFactory(status=Deployment.Status.DRAFT)
    EventFactory(deployment=draft, title="Geheime Planung")

    response = client.get(page_url(draft))

    assert response.status_code == 404
    assert "Geheime Planung" not in response.content.decode()
    assert client.get("/einsatz/gibt-es-nicht/").status_code == 404


def test_event_details_show_format_lead_target_groups_languages_and_access(
    client: Client,
) -> None:
    deployment = public_deployment()
    partner = PartnerFactory(organisation=deployment.organisation, name="Stadtteilmütter")
    event = EventFactory(
        deployment=deployment,
        title="Sprechstunde der Bezirksbürgermeisterin",
        format=Event.Format.CONSULTATION,
        lead=Event.Lead.PARTNER,
        languages=["de", "tr", "ar"],
        accessibility="Rampe vorhanden, Gebärdensprache auf Anfrage",
    )
    event.partners.add(partner)
    event.target_groups.add(TargetGroup.objects.get(code="seniors"))
    own = EventFactory(deployment=deployment, title="Datenspaziergang")
    own.partners.add(PartnerFactory(organisation=deployment.organisation, name="Jugendclub"))

    text = visible_text(get_page(client, deployment))

    assert "Sprechstunde" in text
    assert "Veranstaltet von Stadtteilmütter" in text
    assert f"Veranstaltet von {deployment.organisation.name} mit Jugendclub" in text
    assert "Für Ältere Menschen" in text
    assert "Sprachen Deutsch, Türkisch, Arabisch" in text
    assert "Barrierefreiheit Rampe vorhanden, Gebärdensprache auf Anfrage" in text


def test_cancelled_event_stays_listed_marked_with_its_reason(client: Client) -> None:
    deployment = public_deployment()
    EventFactory(
        deployment=deployment,
        title="Kiezspaziergang",
        state=Event.State.CANCELLED,
        cancel_reason="Unwetterwarnung",
        cancelled_on=MONDAY,
    )

    text = visible_text(get_page(client, deployment))

    assert "Abgesagt Kiezspaziergang" in text
    assert "Diese Veranstaltung fällt aus. Grund: Unwetterwarnung" in text


def test_dates_read_in_german(client: Client) -> None:
    deployment = public_deployment(starts_on=MONDAY, ends_on=dt.date(2026, 5, 31))
    EventFactory(
        deployment=deployment,
        starts_at=berlin_time(MONDAY, 15),
        ends_at=berlin_time(MONDAY, 17),
    )
    EventFactory(
        deployment=deployment,
        title="Ausstellung über Nacht",
        starts_at=berlin_time(dt.date(2026, 5, 5), 18),
        ends_at=berlin_time(dt.date(2026, 5, 6), 10),
    )

    text = visible_text(get_page(client, deployment))

    assert "4. Mai 2026 bis 31. Mai 2026" in text
    assert "Montag, 4. Mai 2026" in text
    assert "Mo., 4. Mai 2026, 15:00–17:00 Uhr" in text
    assert "Di., 5. Mai 2026, 18:00 Uhr bis Mi., 6. Mai 2026, 10:00 Uhr" in text


def test_events_are_grouped_by_day_in_time_order(client: Client) -> None:
    deployment = public_deployment()
    tuesday = MONDAY + dt.timedelta(days=1)
    EventFactory(deployment=deployment, title="Am Dienstag", starts_at=berlin_time(tuesday, 10))
    EventFactory(deployment=deployment, title="Am Montag spät", starts_at=berlin_time(MONDAY, 18))
    EventFactory(deployment=deployment, title="Am Montag früh", starts_at=berlin_time(MONDAY, 9))

    text = visible_text(get_page(client, deployment))

    order = [
        "Montag, 4. Mai 2026",
        "Am Montag früh",
        "Am Montag spät",
        "Dienstag, 5. Mai 2026",
        "Am Dienstag",
    ]
    positions = [text.index(fragment) for fragment in order]
    assert positions == sorted(positions)


def test_opening_hours_merge_staffed_shifts_and_leave_out_unstaffed_ones(
    client: Client,
) -> None:
    deployment = public_deployment()
    tuesday = MONDAY + dt.timedelta(days=1)
    for start, end in [(10, 13), (12, 15), (15, 16), (17, 19)]:
        ShiftFactory(
            deployment=deployment,
            starts_at=berlin_time(MONDAY, start),
            ends_at=berlin_time(MONDAY, end),
        )
    ShiftFactory(
        deployment=deployment,
        staff=None,
        starts_at=berlin_time(tuesday, 10),
        ends_at=berlin_time(tuesday, 14),
    )
    ShiftFactory(
        deployment=deployment,
        is_public=False,
        starts_at=berlin_time(MONDAY, 7),
        ends_at=berlin_time(MONDAY, 9),
    )

    days = opening_hours(deployment=deployment)
    text = visible_text(get_page(client, deployment))

    assert [day.day for day in days] == [MONDAY]
    assert [(span.starts_at.hour, span.ends_at.hour) for span in days[0].spans] == [
        (10, 16),
        (17, 19),
    ]
    assert "Mo., 4. Mai 2026 10:00–16:00 Uhr, 17:00–19:00 Uhr" in text
    assert "Di., 5. Mai 2026" not in text
    assert "07:00" not in text


def test_without_staffed_shifts_no_opening_hours_are_promised(client: Client) -> None:
    deployment = public_deployment()
    ShiftFactory(deployment=deployment, staff=None)

    text = visible_text(get_page(client, deployment))

    assert "Die Öffnungszeiten veröffentlichen wir, sobald feststeht" in text


def test_map_is_drawn_inline_from_site_and_forecast_area(client: Client) -> None:
    deployment = public_deployment()
    area = AreaFactory(kind=Area.Kind.FORECAST_AREA, name="Friedrichshain Ost")
    district = AreaFactory(kind=Area.Kind.DISTRICT, name="Friedrichshain-Kreuzberg")
    deployment.site.areas.add(area, district)

    page = get_page(client, deployment)
    text = visible_text(page)

    svg = re.search(r"<svg\b[^>]*>.*?</svg>", page, flags=re.DOTALL)
    assert svg is not None
    assert 'role="img"' in svg.group()
    assert len(re.findall(r'<path class="map-area" d="M[\d. LZ]+"', svg.group())) == 1
    assert 'class="map-site"' in svg.group()
    assert "Prognoseraum Friedrichshain Ost" in text
    assert "Friedrichshain-Kreuzberg" not in text
    assert (
        '<a href="https://www.openstreetmap.org/?mlat=52.51050&amp;mlon=13.45940'
        '#map=17/52.51050/13.45940">In OpenStreetMap öffnen</a>'
    ) in page


def test_map_without_areas_still_shows_the_site(client: Client) -> None:
    deployment = public_deployment()

    page = get_page(client, deployment)

    assert 'class="map-site"' in page
    assert 'class="map-area"' not in page


def test_page_is_german_accessible_and_loads_nothing_from_elsewhere(client: Client) -> None:
    deployment = public_deployment()
    EventFactory(deployment=deployment)

    page = get_page(client, deployment)
    text = visible_text(page)

    assert '<html lang="de" dir="ltr">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert '<a class="skip-link" href="#inhalt">Zum Inhalt springen</a>' in page
    assert '<main id="inhalt"' in page
    assert [int(level) for level in re.findall(r"<h([1-6])\b", page)][:3] == [1, 2, 2]
    assert page.count("<h1") == 1
    assert "<script" not in page
    assert " src=" not in page
    assert re.findall(r'<link [^>]*href="([^"]+)"', page) == ["/static/deployments/public.css"]
    ical_url = reverse("deployments:programme-ical", kwargs={"slug": deployment.slug})
    assert f'href="http://testserver{ical_url}"' in page
    assert "Programm abonnieren (iCal)" in text


def test_page_may_be_cached_briefly_by_anyone(client: Client) -> None:
    response = client.get(page_url(public_deployment()))

    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_page_queries_do_not_grow_with_the_programme(client: Client) -> None:
    def queries_for(events: int) -> int:
        deployment = public_deployment()
        deployment.site.areas.add(AreaFactory())
        partner = PartnerFactory(organisation=deployment.organisation)
        group = TargetGroup.objects.get(code="families")
        for number in range(events):
            day = deployment.starts_on + dt.timedelta(days=number % 20)
            event = EventFactory(deployment=deployment, starts_at=berlin_time(day, 10 + number % 8))
            event.partners.add(partner)
            event.target_groups.add(group)
            ShiftFactory(deployment=deployment, starts_at=berlin_time(day, 9))
        with CaptureQueriesContext(connection) as queries:
            get_page(client, deployment)
        return len(queries)

    assert queries_for(3) == queries_for(30)


def test_programme_weeks_split_at_monday_in_local_time() -> None:
    deployment = public_deployment(starts_on=dt.date(2026, 5, 6), ends_on=dt.date(2026, 5, 24))
    sunday = dt.date(2026, 5, 10)
    next_monday = dt.date(2026, 5, 11)
    partner = PartnerFactory(organisation=deployment.organisation)
    EventFactory(deployment=deployment, starts_at=berlin_time(sunday, 23, 30))
    EventFactory(
        deployment=deployment,
        format=Event.Format.CONSULTATION,
        starts_at=berlin_time(sunday, 14),
        lead=Event.Lead.PARTNER,
    ).partners.add(partner)
    # 00:30 in Berlin is still Sunday in UTC: it belongs to the new week.
    EventFactory(deployment=deployment, starts_at=berlin_time(next_monday, 0, 30))
    EventFactory(
        deployment=deployment,
        starts_at=berlin_time(next_monday, 15),
        state=Event.State.CANCELLED,
        cancel_reason="Krankheit",
        cancelled_on=next_monday,
    )
    EventFactory(
        deployment=deployment,
        starts_at=berlin_time(next_monday, 9),
        is_public=False,
        format=Event.Format.OTHER,
    )

    public = programme_weeks(deployment=deployment)
    staff = programme_weeks(deployment=deployment, include_internal=True)

    assert [(week.starts_on, week.iso_week) for week in public] == [
        (dt.date(2026, 5, 4), 19),
        (dt.date(2026, 5, 11), 20),
        (dt.date(2026, 5, 18), 21),
    ]
    first, second, empty = public
    assert first.by_format == {"workshop": 1, "consultation": 1}
    assert (first.own, first.partner, first.cancelled) == (1, 1, 0)
    assert second.by_format == {"workshop": 1}
    assert (second.own, second.partner, second.cancelled) == (1, 0, 1)
    assert len(second.events) == 2
    assert (empty.total, empty.events) == (0, ())
    assert staff[1].by_format == {"workshop": 1, "other": 1}
    assert staff[1].total == 2
