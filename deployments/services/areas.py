"""Berlin's official areas: load districts and forecast areas, place sites in them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from deployments.models import AgeBand, Area, Site

if TYPE_CHECKING:
    import pandas as pd

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "berlin"
POPULATION_FILE = "einwohner_plr_2022-06.csv"
POPULATION_REFERENCE_DATE = dt.date(2022, 6, 30)
LOR_FILE = "lor_2021.csv"
SOCIAL_MONITORING_FILE = "mss_2021_plr.csv"
DISTRICTS_FILE = "bezirke.geojson"
FORECAST_AREAS_FILE = "prognoseraeume.geojson"

# Column of the Einwohnerregister table → age band of the model.
AGE_BAND_COLUMNS: dict[str, AgeBand] = {
    "unter6": AgeBand.UNDER_6,
    "6-15": AgeBand.FROM_6,
    "15-18": AgeBand.FROM_15,
    "18-27": AgeBand.FROM_18,
    "27-45": AgeBand.FROM_27,
    "45-55": AgeBand.FROM_45,
    "55-65": AgeBand.FROM_55,
    "65undmehr": AgeBand.FROM_65,
}
TOTAL_COLUMN = "Gesamt"
# The statistical office writes "–" for "nothing there" (PLRs without registered residents).
NOTHING_THERE = "–"
STATUS_INDEX_VALUES = [1, 2, 3, 4]


class AreaDataError(ValueError):
    """The vendored area files do not fit together (missing or duplicate keys, bad values)."""


@dataclass(frozen=True)
class AreaLoadResult:
    """What ``areas_load_berlin`` did: how many areas it loaded and how many rows it wrote."""

    districts: int
    forecast_areas: int
    created: int
    updated: int
    unchanged: int
    population_total: int
    population_reference_date: dt.date


@dataclass(frozen=True)
class _Figures:
    """Residents of an area, and the sums behind its population-weighted MSS status index."""

    population_total: int
    population_by_age: dict[str, int]
    status_weighted_sum: int
    status_weight: int

    def __add__(self, other: _Figures) -> _Figures:
        return _Figures(
            population_total=self.population_total + other.population_total,
            population_by_age={
                band: self.population_by_age.get(band, 0) + other.population_by_age.get(band, 0)
                for band in AgeBand.values
            },
            status_weighted_sum=self.status_weighted_sum + other.status_weighted_sum,
            status_weight=self.status_weight + other.status_weight,
        )

    @property
    def social_status_index(self) -> Decimal | None:
        if not self.status_weight:
            return None
        mean = Decimal(self.status_weighted_sum) / Decimal(self.status_weight)
        return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_NO_FIGURES = _Figures(
    population_total=0,
    population_by_age=dict.fromkeys(AgeBand.values, 0),
    status_weighted_sum=0,
    status_weight=0,
)


@transaction.atomic
def areas_load_berlin(*, data_dir: Path | None = None) -> AreaLoadResult:
    """Load Berlin's 12 districts and 58 forecast areas (Prognoseräume) from the open data files.

    Residents per forecast area are the sums over its planning areas (PLR), assigned through the
    LOR table; a district's figures are the sums of its forecast areas. The social status index
    is the MSS status index averaged over the PLRs that have one, weighted by their residents.
    Areas are matched by (kind, code): running it again updates rows instead of adding new ones,
    and rows that already hold the same values are not written at all.
    """
    data_dir = data_dir or DATA_DIR
    figures = _figures_by_forecast_area(data_dir)
    district_features = _read_features(data_dir / DISTRICTS_FILE)
    forecast_features = _read_features(data_dir / FORECAST_AREAS_FILE)
    _check_codes(district_features, forecast_features, figures)

    existing = {(area.kind, area.code): area for area in Area.objects.all()}
    outcomes: list[str] = []
    districts: dict[str, Area] = {}
    district_figures: dict[str, _Figures] = {}
    for properties, _geometry in forecast_features:
        code = properties["district_code"]
        district_figures[code] = (
            district_figures.get(code, _NO_FIGURES) + figures[properties["code"]]
        )
    for properties, geometry in district_features:
        area, outcome = _save_area(
            area=existing.get((Area.Kind.DISTRICT, properties["code"])),
            kind=Area.Kind.DISTRICT,
            code=properties["code"],
            name=properties["name"],
            parent=None,
            geometry=geometry,
            figures=district_figures[properties["code"]],
        )
        districts[area.code] = area
        outcomes.append(outcome)
    for properties, geometry in forecast_features:
        _area, outcome = _save_area(
            area=existing.get((Area.Kind.FORECAST_AREA, properties["code"])),
            kind=Area.Kind.FORECAST_AREA,
            code=properties["code"],
            name=properties["name"],
            parent=districts[properties["district_code"]],
            geometry=geometry,
            figures=figures[properties["code"]],
        )
        outcomes.append(outcome)

    return AreaLoadResult(
        districts=len(district_features),
        forecast_areas=len(forecast_features),
        created=outcomes.count("created"),
        updated=outcomes.count("updated"),
        unchanged=outcomes.count("unchanged"),
        population_total=sum(f.population_total for f in district_figures.values()),
        population_reference_date=POPULATION_REFERENCE_DATE,
    )


@transaction.atomic
def site_assign_areas(*, site: Site) -> list[Area]:
    """Set the site's areas to every district and forecast area its location lies in."""
    areas = list(Area.objects.filter(geometry__contains=site.location).order_by("kind", "code"))
    site.areas.set(areas)
    return areas


def _read_plr_table(data_dir: Path) -> pd.DataFrame:
    """One row per PLR: its forecast area, residents by age band and MSS status index."""
    import pandas as pd  # only for loading the open data, not in every web and worker process

    population = pd.read_csv(
        data_dir / POPULATION_FILE,
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    lor = pd.read_csv(data_dir / LOR_FILE, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    monitoring = pd.read_csv(
        data_dir / SOCIAL_MONITORING_FILE, encoding="utf-8-sig", dtype={"PLR_ID": str}
    )

    counts = population[[TOTAL_COLUMN, *AGE_BAND_COLUMNS]].replace(NOTHING_THERE, "0")
    if not counts.apply(lambda column: column.str.fullmatch(r"\d+")).all(axis=None):
        raise AreaDataError(f"{POPULATION_FILE}: Einwohnerzahlen, die keine ganzen Zahlen sind.")
    plr = counts.astype("int64").rename(columns={k: v.value for k, v in AGE_BAND_COLUMNS.items()})
    plr["plr_id"] = population["PLR-ID"]
    if (plr[AgeBand.values].sum(axis=1) != plr[TOTAL_COLUMN]).any():
        raise AreaDataError(f"{POPULATION_FILE}: Altersgruppen ergeben nicht die Gesamtzahl.")

    mapping = lor[["Planungsraum (Nummer)", "Prognoseraum (Nummer)"]].set_axis(
        ["plr_id", "forecast_area"], axis=1
    )
    status = monitoring[["PLR_ID", "Status Index num"]].set_axis(["plr_id", "status"], axis=1)
    status["status"] = pd.to_numeric(status["status"], errors="raise")
    if not status["status"].dropna().isin(STATUS_INDEX_VALUES).all():
        raise AreaDataError(f"{SOCIAL_MONITORING_FILE}: Status-Index außerhalb von 1 bis 4.")

    try:
        plr = plr.merge(mapping, on="plr_id", how="left", validate="one_to_one", indicator=True)
        unmapped = plr.loc[plr.pop("_merge") != "both", "plr_id"].tolist()
        plr = plr.merge(status, on="plr_id", how="left", validate="one_to_one")
    except pd.errors.MergeError as error:
        raise AreaDataError(f"PLR-Nummern doppelt: {error}") from error
    if unmapped:
        raise AreaDataError(f"{LOR_FILE}: PLR ohne Prognoseraum: {', '.join(unmapped)}")
    return plr


def _figures_by_forecast_area(data_dir: Path) -> dict[str, _Figures]:
    plr = _read_plr_table(data_dir)
    has_status = plr["status"].notna()
    plr["status_weight"] = plr[TOTAL_COLUMN].where(has_status, 0)
    plr["status_weighted_sum"] = (plr["status"].fillna(0).astype("int64")) * plr["status_weight"]
    sums = plr.groupby("forecast_area")[
        [TOTAL_COLUMN, *AgeBand.values, "status_weight", "status_weighted_sum"]
    ].sum()
    return {
        str(code): _Figures(
            population_total=int(row[TOTAL_COLUMN]),
            population_by_age={band: int(row[band]) for band in AgeBand.values},
            status_weighted_sum=int(row["status_weighted_sum"]),
            status_weight=int(row["status_weight"]),
        )
        for code, row in sums.iterrows()
    }


def _read_features(path: Path) -> list[tuple[dict[str, Any], MultiPolygon]]:
    with path.open(encoding="utf-8") as file:
        collection = json.load(file)
    features = []
    for feature in collection["features"]:
        geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        if isinstance(geometry, Polygon):
            geometry = MultiPolygon(geometry, srid=4326)
        if not isinstance(geometry, MultiPolygon):
            raise AreaDataError(f"{path.name}: {geometry.geom_type} ist keine Fläche.")
        features.append((feature["properties"], geometry))
    return features


def _check_codes(
    district_features: list[tuple[dict[str, Any], MultiPolygon]],
    forecast_features: list[tuple[dict[str, Any], MultiPolygon]],
    figures: dict[str, _Figures],
) -> None:
    district_codes = {properties["code"] for properties, _ in district_features}
    forecast_codes = {properties["code"] for properties, _ in forecast_features}
    if forecast_codes != set(figures):
        raise AreaDataError(
            f"{FORECAST_AREAS_FILE} und {LOR_FILE} nennen verschiedene Prognoseräume: "
            f"{sorted(forecast_codes ^ set(figures))}"
        )
    if district_codes != {properties["district_code"] for properties, _ in forecast_features}:
        raise AreaDataError(
            f"{DISTRICTS_FILE} und {FORECAST_AREAS_FILE} nennen verschiedene Bezirke."
        )
    for properties, _ in forecast_features:
        if properties["district_code"] not in district_codes or not properties["code"].startswith(
            properties["district_code"]
        ):
            raise AreaDataError(
                f"{FORECAST_AREAS_FILE}: Prognoseraum {properties['code']} gehört zu keinem Bezirk."
            )


def _save_area(
    *,
    area: Area | None,
    kind: Area.Kind,
    code: str,
    name: str,
    parent: Area | None,
    geometry: MultiPolygon,
    figures: _Figures,
) -> tuple[Area, str]:
    values = {
        "name": name,
        "parent_id": parent.pk if parent else None,
        "population_total": figures.population_total,
        "population_by_age": figures.population_by_age,
        "population_reference_date": POPULATION_REFERENCE_DATE,
        "social_status_index": figures.social_status_index,
    }
    if area is None:
        outcome = "created"
        area = Area(kind=kind, code=code)
    elif _has_values(area, values, geometry):
        return area, "unchanged"
    else:
        outcome = "updated"
    for field, value in values.items():
        setattr(area, field, value)
    area.geometry = geometry
    area.full_clean()
    area.save()
    return area, outcome


def _has_values(area: Area, values: dict[str, Any], geometry: MultiPolygon) -> bool:
    return all(getattr(area, field) == value for field, value in values.items()) and (
        area.geometry.srid == geometry.srid and area.geometry.equals_exact(geometry)
    )
