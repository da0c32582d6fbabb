"""Standortwahl: Prognoseräume ranked by social status, residents and rotation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from deployments.admin_site_selection import site_selection_view
from deployments.models import Area, Organisation
from deployments.selectors.areas import (
    ROTATION_PERIOD_DAYS,
    WEIGHT_POPULATION,
    WEIGHT_ROTATION,
    AreaScore,
    rank_forecast_areas,
)
from tests.factories import (
    AreaFactory,
    DeploymentFactory,
    MembershipFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]

TODAY = dt.date(2026, 6, 1)
URL = "/admin/deployments/site/standortwahl/"
URL_WITHOUT_ADMIN_WRAPPER = "/ohne-admin/standortwahl/"


def site_selection(request: HttpRequest) -> HttpResponse:
    return site_selection_view(request, admin.site)


urlpatterns = [
    path(URL.removeprefix("/"), admin.site.admin_view(site_selection)),
    path(URL_WITHOUT_ADMIN_WRAPPER.removeprefix("/"), site_selection),
    path("admin/", admin.site.urls),
]


def district(code: str, name: str) -> Area:
    return AreaFactory(kind=Area.Kind.DISTRICT, code=code, name=name, population_total=0)


def forecast_area(code: str, parent: Area, population: int, status: str | None) -> Area:
    return AreaFactory(
        code=code,
        name=f"Gebiet {code}",
        parent=parent,
        population_total=population,
        social_status_index=Decimal(status) if status else None,
    )


def deployment_in(area: Area, organisation: Organisation, ends_on: dt.date) -> None:
    site = SiteFactory(organisation=organisation)
    site.areas.add(area)
    DeploymentFactory(
        organisation=organisation,
        site=site,
        starts_on=ends_on - dt.timedelta(days=27),
        ends_on=ends_on,
    )


@pytest.fixture
def organisation() -> Organisation:
    return OrganisationFactory(name="Kiezlabor Berlin", slug="kiezlabor-berlin")


@pytest.fixture
def areas(organisation: Organisation) -> dict[str, Area]:
    """Three areas in two districts, with deployments of the organisation and of another one.

    X: sehr niedriger Status, 10.000 residents, never visited (only by another organisation).
    Y: hoher Status, 20.000 residents (the largest), visited until yesterday.
    Z: Status 2,5, 5.000 residents, last visit ended 365 days ago (an older one before that).
    """
    friedrichshain = district("02", "Friedrichshain-Kreuzberg")
    neukoelln = district("08", "Neukölln")
    x = forecast_area("0210", friedrichshain, 10_000, "4.00")
    y = forecast_area("0220", friedrichshain, 20_000, "1.00")
    z = forecast_area("0810", neukoelln, 5_000, "2.50")
    deployment_in(x, OrganisationFactory(), ends_on=TODAY - dt.timedelta(days=3))
    deployment_in(y, organisation, ends_on=TODAY - dt.timedelta(days=1))
    deployment_in(z, organisation, ends_on=dt.date(2025, 6, 1))
    deployment_in(z, organisation, ends_on=dt.date(2023, 9, 30))
    return {"x": x, "y": y, "z": z}


def by_code(scores: list[AreaScore]) -> dict[str, AreaScore]:
    return {score.code: score for score in scores}


def test_ranking_puts_need_and_long_absence_first(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    scores = rank_forecast_areas(organisation=organisation, today=TODAY)

    assert [score.code for score in scores] == ["0210", "0810", "0220"]
    x, z, y = scores
    assert (x.status_score, x.population_score, x.rotation_score) == (1.0, 0.5, 1.0)
    assert (x.last_deployment_on, x.days_since_last_deployment) == (None, None)
    assert x.total == pytest.approx(0.5 * 1 + 0.2 * 0.5 + 0.3 * 1)

    assert (z.status_score, z.population_score, z.rotation_score) == (0.5, 0.25, 1.0)
    assert (z.last_deployment_on, z.days_since_last_deployment) == (dt.date(2025, 6, 1), 365)
    assert z.total == pytest.approx(0.5 * 0.5 + 0.2 * 0.25 + 0.3 * 1)

    assert (y.status_score, y.population_score) == (0.0, 1.0)
    assert y.rotation_score == pytest.approx(1 / ROTATION_PERIOD_DAYS)
    assert (y.last_deployment_on, y.days_since_last_deployment) == (TODAY - dt.timedelta(1), 1)
    assert y.total == pytest.approx(0.2 + 0.3 / ROTATION_PERIOD_DAYS)

    assert (y.social_status_index, y.population) == (Decimal("1.00"), 20_000)
    assert (y.district_code, y.district_name) == ("02", "Friedrichshain-Kreuzberg")


def test_rotation_is_zero_while_a_deployment_runs_or_is_planned(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    deployment_in(areas["x"], organisation, ends_on=TODAY + dt.timedelta(days=10))

    x = by_code(rank_forecast_areas(organisation=organisation, today=TODAY))["0210"]

    assert x.rotation_score == 0.0
    assert x.days_since_last_deployment == -10
    assert x.last_deployment_on == TODAY + dt.timedelta(days=10)


def test_another_organisations_view_ignores_our_deployments(areas: dict[str, Area]) -> None:
    scores = rank_forecast_areas(organisation=OrganisationFactory(), today=TODAY)
    assert {score.code: score.rotation_score for score in scores} == {
        "0210": 1.0,
        "0220": 1.0,
        "0810": 1.0,
    }


def test_area_without_status_index_gets_no_status_points(organisation: Organisation) -> None:
    forecast_area("1010", district("10", "Marzahn-Hellersdorf"), 1_000, None)

    [score] = rank_forecast_areas(organisation=organisation, today=TODAY)

    assert score.social_status_index is None
    assert score.status_score == 0.0
    assert score.total == pytest.approx(WEIGHT_POPULATION + WEIGHT_ROTATION)


def test_district_filter_keeps_the_scores_of_the_whole_city(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    everywhere = by_code(rank_forecast_areas(organisation=organisation, today=TODAY))

    in_neukoelln = rank_forecast_areas(organisation=organisation, district_code="08", today=TODAY)

    assert in_neukoelln == [everywhere["0810"]]
    assert in_neukoelln[0].population_score == 0.25


@pytest.mark.parametrize("area_count", [3, 20])
def test_ranking_takes_the_same_queries_for_few_and_many_areas(
    organisation: Organisation, area_count: int, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    parent = district("03", "Pankow")
    for number in range(area_count):
        area = forecast_area(f"03{number:02d}", parent, 1_000 + number, "2.00")
        deployment_in(area, organisation, ends_on=TODAY - dt.timedelta(days=number))

    with django_assert_num_queries(2):
        scores = rank_forecast_areas(organisation=organisation, today=TODAY)

    assert len(scores) == area_count
    assert scores[0].code == f"03{area_count - 1:02d}"


# --- the admin page --------------------------------------------------------------------------


@pytest.fixture
def urls(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mount the page like the admin will, and make the page's today ``TODAY``."""
    settings.ROOT_URLCONF = __name__
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def member(organisation: Organisation, **user: object) -> Client:
    client = Client()
    client.force_login(MembershipFactory(organisation=organisation, user=UserFactory(**user)).user)
    return client


@pytest.mark.usefixtures("urls")
def test_page_shows_the_ranking_in_german(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    response = member(organisation).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Standortwahl</h1>" in page
    assert "<title>Standortwahl |" in page
    assert "Rangfolge für Kiezlabor Berlin" in page
    for heading in (
        "Prognoseraum",
        "Status-Index (MSS)",
        "Einwohner:innen",
        "Letzter Einsatz bis",
        "Tage seitdem",
        "Teilwert soziale Lage",
        "Teilwert Einwohner:innen",
        "Teilwert Rotation",
        "Gesamtwert",
    ):
        assert f'<th scope="col">{heading}</th>' in page
    assert [score.code for score in response.context["scores"]] == ["0210", "0810", "0220"]
    assert page.index("Gebiet 0210") < page.index("Gebiet 0810") < page.index("Gebiet 0220")
    # Gebiet 0810: German number format for status, residents, date, days and score parts.
    row = page[page.index("Gebiet 0810") :].split("</tr>")[0]
    for cell in ("2,50", "5.000", "01.06.2025", "365", "0,50", "0,25", "1,00", "0,60"):
        assert f"<td>{cell}</td>" in row or f"<strong>{cell}</strong>" in row
    assert "noch nie" in page
    assert "Gewicht 0,50" in page


@pytest.mark.usefixtures("urls")
def test_page_filters_by_district(organisation: Organisation, areas: dict[str, Area]) -> None:
    response = member(organisation).get(URL, {"bezirk": "08"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Gebiet 0810" in page
    assert "Gebiet 0210" not in page
    assert '<option value="08" selected>Neukölln</option>' in page


@pytest.mark.usefixtures("urls")
def test_staff_of_another_organisation_may_not_see_it(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    other = member(OrganisationFactory())

    assert other.get(URL, {"organisation": organisation.pk}).status_code == 403


@pytest.mark.usefixtures("urls")
def test_staff_without_organisation_may_not_see_it(areas: dict[str, Area]) -> None:
    client = Client()
    client.force_login(UserFactory(is_staff=True))

    assert client.get(URL).status_code == 403


@pytest.mark.usefixtures("urls")
def test_members_who_are_not_staff_are_refused(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    client = member(organisation, is_staff=False)

    assert client.get(URL_WITHOUT_ADMIN_WRAPPER).status_code == 403
    # Behind the admin wrapper, as it will be mounted, they are sent to the login page.
    assert client.get(URL).status_code == 302


@pytest.mark.usefixtures("urls")
def test_superuser_picks_any_organisation(
    organisation: Organisation, areas: dict[str, Area]
) -> None:
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    other = OrganisationFactory(name="Stadtlabor Soest", slug="stadtlabor-soest")

    response = client.get(URL, {"organisation": organisation.pk})

    assert response.status_code == 200
    assert response.context["organisation"] == organisation
    assert f'<option value="{other.pk}">Stadtlabor Soest</option>' in response.content.decode()
    assert "Rangfolge für Kiezlabor Berlin" in response.content.decode()
