"""Space: where the pinned contributions lie – per area, per distance ring, and hotspots.

Coordinates are EPSG:25833 metres (the selector projects the pins; ``analysis.projection`` does it
for plain lon/lat lists), so distances are plain Euclidean distances.

Counting: a contribution counts once (folded duplicates included in it), as in every other
figure; ``mentions`` adds the folded duplicates (``support``) for those who want the weight.

Hotspots are DBSCAN clusters: a pin with at least ``HOTSPOT_MIN_PINS`` pins (itself included)
within ``HOTSPOT_RADIUS_M`` starts or extends a hotspot. 75 m is about a street block or a small
square – one place in the sense of "forward this to the Fachamt"; five pins there are more than
chance in a Kiez where pins spread over a kilometre. Pins are first snapped to a
``GRID_M`` grid (a finger on a tablet map is no more precise), and each grid cell enters DBSCAN
once, weighted by its number of pins: distances shift by at most the cell diagonal (14 m), and
memory stays bounded when 100 000 pins crowd around the site.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext

RING_LIMITS_M = (250.0, 500.0, 1000.0)
HOTSPOT_RADIUS_M = 75.0
HOTSPOT_MIN_PINS = 5
HOTSPOT_TOP_THEMES = 3
GRID_M = 10.0
# Maps draw pins per 20 m cell: finer than a map of a Kiez can show, and bounded in size.
MAP_GRID_M = 20.0
DECIMALS = 4


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    inputs: int
    mentions: int
    share: float


@dataclass(frozen=True)
class RingCount:
    label: str
    from_m: float
    to_m: float | None
    inputs: int
    mentions: int
    share: float


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    inputs: int


@dataclass(frozen=True)
class Hotspot:
    x: float
    y: float
    radius_m: float
    distance_m: float
    inputs: int
    mentions: int
    area_code: str | None
    themes: list[ThemeCount]
    contribution_ids: list[int]


@dataclass(frozen=True)
class Space:
    pinned: int
    unpinned: int
    pinned_share: float
    areas: list[AreaCount]
    outside_areas: int
    rings: list[RingCount]
    hotspots: list[Hotspot]
    pin_grid: list[list[float]]
    definitions: dict[str, str]


def deployment_space(
    contributions: pd.DataFrame,
    *,
    site: Mapping[str, float] | tuple[float, float],
    areas: Sequence[tuple[str, str]] = (),
) -> Space:
    """Spread of the pinned ``contributions`` around ``site`` (x/y in EPSG:25833).

    ``areas`` are the forecast areas near the site as (code, name); each is listed even without
    pins, in the given order; pins in other areas follow by code. Uses the columns ``id``,
    ``x``, ``y``, ``area_code``, ``theme`` and ``support``.
    """
    site_x, site_y = (site["x"], site["y"]) if isinstance(site, Mapping) else site
    pins = _pins(contributions)
    distances = np.hypot(pins["x"].to_numpy() - site_x, pins["y"].to_numpy() - site_y)
    return Space(
        pinned=len(pins),
        unpinned=len(contributions) - len(pins),
        pinned_share=_share(len(pins), len(contributions)),
        areas=_areas(pins, areas),
        outside_areas=int(pins["area_code"].isna().sum()),
        rings=_rings(pins, distances),
        hotspots=_hotspots(pins, site_x, site_y),
        pin_grid=_pin_grid(pins),
        definitions=_definitions(),
    )


def _pin_grid(pins: pd.DataFrame) -> list[list[float]]:
    """Pins counted per cell of a MAP_GRID_M grid, as [x, y, inputs] of the cell centre.

    This is what a map draws: its size is bounded by the area covered, not by the number of
    pins, so the snapshot stays small for 100,000 inputs.
    """
    if pins.empty:
        return []
    cells = np.floor(pins[["x", "y"]].to_numpy() / MAP_GRID_M).astype(np.int64)
    unique_cells, counts = np.unique(cells, axis=0, return_counts=True)
    centres = (unique_cells + 0.5) * MAP_GRID_M
    return [
        [round(float(x), 1), round(float(y), 1), int(count)]
        for (x, y), count in zip(centres, counts, strict=True)
    ]


def _pins(contributions: pd.DataFrame) -> pd.DataFrame:
    pins = contributions.loc[
        contributions["x"].notna() & contributions["y"].notna(),
        ["id", "x", "y", "area_code", "theme", "support"],
    ].copy()
    pins["x"] = pins["x"].astype(float)
    pins["y"] = pins["y"].astype(float)
    pins["support"] = pins["support"].fillna(1).astype(int)
    pins["area_code"] = pins["area_code"].mask(pins["area_code"] == "")
    pins["theme"] = pins["theme"].mask(pins["theme"] == "")
    return pins.sort_values("id", kind="stable").reset_index(drop=True)


def _share(part: int, whole: int) -> float:
    return round(part / whole, DECIMALS) if whole else 0.0


def _areas(pins: pd.DataFrame, areas: Sequence[tuple[str, str]]) -> list[AreaCount]:
    counts = pins.groupby("area_code")["support"].agg(["size", "sum"])
    names = dict(areas)
    codes = [code for code, _name in areas]
    codes += sorted(code for code in counts.index if code not in names)
    return [
        AreaCount(
            code=code,
            name=names.get(code, code),
            inputs=int(counts["size"].get(code, 0)),
            mentions=int(counts["sum"].get(code, 0)),
            share=_share(int(counts["size"].get(code, 0)), len(pins)),
        )
        for code in codes
    ]


def _rings(pins: pd.DataFrame, distances: np.ndarray) -> list[RingCount]:
    # A pin exactly on a limit belongs to the outer ring ("< 250 m" means strictly less).
    ring = np.searchsorted(RING_LIMITS_M, distances, side="right")
    support = pins["support"].to_numpy()
    bounds = [0.0, *RING_LIMITS_M, None]
    return [
        RingCount(
            label=_ring_label(index),
            from_m=bounds[index],
            to_m=bounds[index + 1],
            inputs=int((ring == index).sum()),
            mentions=int(support[ring == index].sum()),
            share=_share(int((ring == index).sum()), len(pins)),
        )
        for index in range(len(RING_LIMITS_M) + 1)
    ]


def _ring_label(index: int) -> str:
    labels = [
        gettext("unter 250 m"),
        gettext("250 m bis unter 500 m"),
        gettext("500 m bis unter 1 km"),
        gettext("1 km und weiter"),
    ]
    return labels[index]


def _hotspots(pins: pd.DataFrame, site_x: float, site_y: float) -> list[Hotspot]:
    from sklearn.cluster import DBSCAN  # scikit-learn loads only where reports are analysed

    if len(pins) < HOTSPOT_MIN_PINS:
        return []
    cells = np.floor(pins[["x", "y"]].to_numpy() / GRID_M).astype(np.int64)
    unique_cells, cell_of_pin, pins_per_cell = np.unique(
        cells, axis=0, return_inverse=True, return_counts=True
    )
    centres = (unique_cells + 0.5) * GRID_M
    cell_labels = (
        DBSCAN(eps=HOTSPOT_RADIUS_M, min_samples=HOTSPOT_MIN_PINS)
        .fit(centres, sample_weight=pins_per_cell)
        .labels_
    )
    labels = cell_labels[cell_of_pin.reshape(-1)]
    hotspots = [
        _hotspot(pins[labels == label], site_x, site_y) for label in np.unique(labels) if label >= 0
    ]
    return sorted(hotspots, key=lambda spot: (-spot.inputs, spot.x, spot.y))


def _hotspot(members: pd.DataFrame, site_x: float, site_y: float) -> Hotspot:
    centre_x, centre_y = float(members["x"].mean()), float(members["y"].mean())
    radius = np.hypot(members["x"] - centre_x, members["y"] - centre_y).max()
    themes = members["theme"].dropna().value_counts()
    # Most frequent first; equal counts in alphabetical order.
    top = sorted(themes.items(), key=lambda item: (-item[1], item[0]))[:HOTSPOT_TOP_THEMES]
    areas = members["area_code"].dropna().value_counts()
    area = min(areas.items(), key=lambda item: (-item[1], item[0]))[0] if len(areas) else None
    return Hotspot(
        x=round(centre_x, 1),
        y=round(centre_y, 1),
        radius_m=round(float(radius), 1),
        distance_m=round(float(np.hypot(centre_x - site_x, centre_y - site_y)), 1),
        inputs=len(members),
        mentions=int(members["support"].sum()),
        area_code=area,
        themes=[ThemeCount(theme=str(theme), inputs=int(count)) for theme, count in top],
        contribution_ids=members["id"].astype(int).tolist(),
    )


def _definitions() -> dict[str, str]:
    return {
        "pinned": gettext(
            "Verortete Beiträge: Beiträge mit einem Punkt auf der Karte; Doppelte zählen einmal."
        ),
        "unpinned": gettext("Ohne Ort: Beiträge ohne Punkt auf der Karte."),
        "pinned_share": gettext("Anteil verortet: verortete Beiträge geteilt durch alle Beiträge."),
        "mentions": gettext(
            "Nennungen: Beiträge einschließlich der mit ihnen zusammengeführten Doppelten."
        ),
        "areas": gettext(
            "Beiträge je Prognoseraum: verortete Beiträge, deren Punkt im Prognoseraum liegt; "
            "Anteil an allen verorteten Beiträgen."
        ),
        "outside_areas": gettext(
            "Außerhalb: verortete Beiträge, deren Punkt in keinem bekannten Prognoseraum liegt."
        ),
        "rings": gettext(
            "Entfernungsringe: Luftlinie vom Standort zum Punkt (in Metern, ETRS89/UTM 33N); "
            "die Ringe schließen einander aus – „250 m bis unter 500 m“ zählt nur Punkte ab "
            "250 m. Anteil an allen verorteten Beiträgen."
        ),
        "hotspots": gettext(
            "Häufungen: Orte, an denen mindestens %(pins)d Beiträge höchstens %(radius)d m "
            "voneinander entfernt verortet wurden, verkettet zu einer Fläche (DBSCAN; Punkte "
            "vorher auf ein %(grid)d-m-Raster gerundet). Mitte: Durchschnitt der Punkte; "
            "Radius: Abstand des entferntesten Punktes zur Mitte; Themen: die bis zu "
            "%(themes)d häufigsten zugeordneten Themen mit ihrer Zahl an Beiträgen."
        )
        % {
            "pins": HOTSPOT_MIN_PINS,
            "radius": HOTSPOT_RADIUS_M,
            "grid": GRID_M,
            "themes": HOTSPOT_TOP_THEMES,
        },
    }
