"""Berlin's districts and Prognoseräume: loading the open data, and placing sites in them.

The expected figures are computed here from the raw CSV files with the ``csv`` module, on
purpose independent of the pandas code in the loader, and the numbers read by hand are written
down next to them.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from deployments.models import Area
from deployments.selectors.areas import site_district, site_forecast_area
from deployments.services.areas import AreaLoadResult, areas_load_berlin, site_assign_areas
from tests.factories import SiteFactory

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]

DATA_DIR = Path(__file__).resolve().parents[2] / "deployments" / "data" / "berlin"
BANDS = {
    "unter6": "0_5",
    "6-15": "6_14",
    "15-18": "15_17",
    "18-27": "18_26",
    "27-45": "27_44",
    "45-55": "45_54",
    "55-65": "55_64",
    "65undmehr": "65_plus",
}
# Read from einwohner_plr_2022-06.csv: the sum of "Gesamt" over all 542 PLRs (two PLRs without
# residents are written "–").
BERLIN_RESIDENTS = 3_821_881


def csv_rows(name: str, delimiter: str = ",") -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file, delimiter=delimiter))


def count(cell: str) -> int:
    return 0 if cell == "–" else int(cell)


def residents_by_plr() -> dict[str, dict[str, str]]:
    return {row["PLR-ID"]: row for row in csv_rows("einwohner_plr_2022-06.csv", ";")}


def plrs_of_forecast_area(code: str) -> list[str]:
    return [
        row["Planungsraum (Nummer)"]
        for row in csv_rows("lor_2021.csv")
        if row["Prognoseraum (Nummer)"] == code
    ]


def weighted_status(plr_ids: list[str]) -> Fraction:
    residents = residents_by_plr()
    status = {row["PLR_ID"]: row["Status Index num"] for row in csv_rows("mss_2021_plr.csv")}
    scored = [plr for plr in plr_ids if status[plr]]
    weighted = sum(int(status[plr]) * count(residents[plr]["Gesamt"]) for plr in scored)
    return Fraction(weighted, sum(count(residents[plr]["Gesamt"]) for plr in scored))


@pytest.fixture
def berlin() -> AreaLoadResult:
    return areas_load_berlin()


def test_loads_twelve_districts_and_58_forecast_areas_in_them(berlin: AreaLoadResult) -> None:
    assert (berlin.districts, berlin.forecast_areas, berlin.created) == (12, 58, 70)
    districts = Area.objects.filter(kind=Area.Kind.DISTRICT)
    assert sorted(districts.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 13)]
    assert districts.get(code="02").name == "Friedrichshain-Kreuzberg"
    forecast_areas = Area.objects.filter(kind=Area.Kind.FORECAST_AREA).select_related("parent")
    assert forecast_areas.count() == 58
    for area in forecast_areas:
        assert len(area.code) == 4
        assert area.parent.code == area.code[:2]
    assert all(area.geometry.geom_type == "MultiPolygon" for area in Area.objects.all())
    assert {area.geometry.srid for area in Area.objects.all()} == {4326}


def test_berlin_residents_are_the_official_total(berlin: AreaLoadResult) -> None:
    official = sum(count(row["Gesamt"]) for row in csv_rows("einwohner_plr_2022-06.csv", ";"))
    assert official == BERLIN_RESIDENTS
    assert berlin.population_total == BERLIN_RESIDENTS
    for kind in Area.Kind:
        areas = Area.objects.filter(kind=kind)
        assert sum(areas.values_list("population_total", flat=True)) == BERLIN_RESIDENTS
        assert set(areas.values_list("population_reference_date", flat=True)) == {
            dt.date(2022, 6, 30)
        }


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        (
            "0250",
            "Friedrichshain Ost",
            {
                "total": 87_703,
                "0_5": 5_864,
                "6_14": 6_059,
                "15_17": 1_386,
                "18_26": 8_155,
                "27_44": 43_703,
                "45_54": 11_443,
                "55_64": 6_438,
                "65_plus": 4_655,
            },
        ),
        (
            "1010",
            "Marzahn",
            {
                "total": 114_002,
                "0_5": 6_800,
                "6_14": 10_159,
                "15_17": 3_043,
                "18_26": 10_394,
                "27_44": 29_715,
                "45_54": 11_354,
                "55_64": 14_997,
                "65_plus": 27_540,
            },
        ),
    ],
)
def test_forecast_area_residents_are_the_sum_of_its_planning_areas(
    berlin: AreaLoadResult, code: str, name: str, expected: dict[str, int]
) -> None:
    residents = residents_by_plr()
    plrs = plrs_of_forecast_area(code)
    from_table = {
        band: sum(count(residents[plr][column]) for plr in plrs) for column, band in BANDS.items()
    }
    from_table["total"] = sum(count(residents[plr]["Gesamt"]) for plr in plrs)
    assert from_table == expected

    area = Area.objects.get(kind=Area.Kind.FORECAST_AREA, code=code)
    assert area.name == name
    assert area.population_total == expected["total"]
    assert area.population_by_age == {k: v for k, v in expected.items() if k != "total"}


def test_district_residents_are_the_sum_of_its_forecast_areas(berlin: AreaLoadResult) -> None:
    for district in Area.objects.filter(kind=Area.Kind.DISTRICT).prefetch_related("children"):
        children = list(district.children.all())
        assert children
        assert district.population_total == sum(c.population_total for c in children)
        for band in BANDS.values():
            assert district.population_by_age[band] == sum(
                c.population_by_age[band] for c in children
            )


def test_status_index_is_weighted_by_residents_and_skips_planning_areas_without_one(
    berlin: AreaLoadResult,
) -> None:
    # Marzahn (1010): PLR 10100205 (1,301 residents) has no MSS status. Weighted over the other
    # 15 PLRs it is 2.0321 → 2.03; counting its residents in the weights would give 2.01, the
    # unweighted mean of the PLRs 2.07.
    marzahn = plrs_of_forecast_area("1010")
    expected = weighted_status(marzahn)
    assert round(float(expected), 2) == 2.03
    area = Area.objects.get(kind=Area.Kind.FORECAST_AREA, code="1010")
    assert area.social_status_index == Decimal("2.03")

    # Marzahn-Hellersdorf (10), weighted over all its PLRs: 1.9368 → 1.94.
    district_plrs = [row["PLR-ID"] for row in csv_rows("einwohner_plr_2022-06.csv", ";")]
    expected_district = weighted_status([plr for plr in district_plrs if plr.startswith("10")])
    assert round(float(expected_district), 2) == 1.94
    district = Area.objects.get(kind=Area.Kind.DISTRICT, code="10")
    assert district.social_status_index == Decimal("1.94")


def test_loading_again_changes_nothing_and_repairs_edited_rows(berlin: AreaLoadResult) -> None:
    fields = ("kind", "code", "name", "parent__code", "population_total", "population_by_age")
    fields += ("social_status_index", "population_reference_date")
    before = list(Area.objects.order_by("kind", "code").values_list("pk", *fields))

    again = areas_load_berlin()

    assert (again.districts, again.forecast_areas) == (12, 58)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 70)
    assert list(Area.objects.order_by("kind", "code").values_list("pk", *fields)) == before

    Area.objects.filter(kind=Area.Kind.FORECAST_AREA, code="0250").update(population_total=1)
    repaired = areas_load_berlin()
    assert (repaired.created, repaired.updated, repaired.unchanged) == (0, 1, 69)
    assert list(Area.objects.order_by("kind", "code").values_list("pk", *fields)) == before


def test_command_prints_a_german_summary() -> None:
    out = io.StringIO()
    call_command("load_berlin_areas", stdout=out)
    assert out.getvalue().strip() == (
        "12 Bezirke und 58 Prognoseräume geladen; 3.821.881 Einwohner:innen (Stand 30.06.2022)"
    )
    assert Area.objects.count() == 70


@pytest.mark.parametrize(
    ("location", "district", "forecast_area"),
    [
        (Point(13.4594, 52.5105, srid=4326), "Friedrichshain-Kreuzberg", "Friedrichshain Ost"),
        (Point(13.4346, 52.4816, srid=4326), "Neukölln", "Neukölln"),  # Rathaus Neukölln
        (Point(13.4132, 52.5219, srid=4326), "Mitte", "Zentrum"),  # Alexanderplatz
    ],
)
def test_site_gets_the_district_and_forecast_area_it_lies_in(
    berlin: AreaLoadResult, location: Point, district: str, forecast_area: str
) -> None:
    site = SiteFactory(location=location)

    areas = site_assign_areas(site=site)

    assert [(area.kind, area.name) for area in areas] == [
        (Area.Kind.DISTRICT, district),
        (Area.Kind.FORECAST_AREA, forecast_area),
    ]
    assert set(site.areas.all()) == set(areas)
    assert site_district(site).name == district
    assert site_forecast_area(site).name == forecast_area


def test_site_outside_berlin_gets_no_area(berlin: AreaLoadResult) -> None:
    site = SiteFactory()
    site_assign_areas(site=site)
    assert site.areas.count() == 2

    site.location = Point(13.0645, 52.3906, srid=4326)  # Potsdam, Luisenplatz
    site.save()

    assert site_assign_areas(site=site) == []
    assert site.areas.count() == 0
    assert site_district(site) is None
    assert site_forecast_area(site) is None
