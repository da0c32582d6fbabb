"""This deployment against the organisation's other deployments, figure by figure (medians)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext

from analysis.figures import Figures, figure_definitions

# A median of one deployment is that deployment: compare only with at least two others.
MIN_OTHERS = 2

HEADLINE_FIGURES: tuple[str, ...] = (
    "visitors",
    "inputs",
    "participation_rate",
    "events_held",
    "attendance",
    "own_share",
    "series_share",
    "start_phase_density",
)

Value = int | float | None


@dataclass(frozen=True)
class FigureComparison:
    """One headline figure of this deployment next to the median of the others."""

    key: str
    value: Value
    median: float | None
    others: int
    ratio: float | None


@dataclass(frozen=True)
class Comparison:
    """Headline figures against the organisation's other deployments; see ``definitions``."""

    deployments_compared: int
    figures: list[FigureComparison]
    definitions: dict[str, str]


def headline_figures(figures: Figures) -> dict[str, Value]:
    """The figures of a deployment that are compared across deployments."""
    return {key: getattr(figures, key) for key in HEADLINE_FIGURES}


def deployment_comparison(
    *,
    current: Mapping[str, Value],
    others: Sequence[Mapping[str, Value]],
    keys: Sequence[str] = HEADLINE_FIGURES,
) -> Comparison:
    """Compare ``current`` with the medians of ``others`` (one dict per other deployment).

    A figure another deployment does not have (missing or None) leaves that deployment out of
    that figure's median; with fewer than two deployments left, median and ratio are None.
    """
    table = pd.DataFrame.from_records(list(others), columns=list(keys)).apply(
        pd.to_numeric, errors="raise"
    )
    medians = table.median()
    counts = table.count()
    compared = [
        _compare(key, _plain(current.get(key)), float(medians[key]), int(counts[key]))
        for key in keys
    ]
    return Comparison(
        deployments_compared=len(others),
        figures=compared,
        definitions=comparison_definitions(keys),
    )


def comparison_definitions(keys: Sequence[str] = HEADLINE_FIGURES) -> dict[str, str]:
    """What the comparison means, in German, and what each compared figure counts."""
    figures = figure_definitions()
    return {
        "median": gettext(
            "Median: der mittlere Wert der anderen Einsätze derselben Organisation (die Hälfte "
            "liegt darüber, die Hälfte darunter); Einsätze ohne diesen Wert zählen nicht mit. "
            "Leer bei weniger als %(min)s Einsätzen mit Wert."
        )
        % {"min": MIN_OTHERS},
        "others": gettext("Zahl der anderen Einsätze, die den Wert haben."),
        "ratio": gettext(
            "Verhältnis: Wert dieses Einsatzes geteilt durch den Median; 1 heißt wie üblich, "
            "2 doppelt so hoch. Leer, wenn der Median fehlt oder 0 ist."
        ),
        **{key: figures[key] for key in keys if key in figures},
    }


def _compare(key: str, value: Value, median: float, others: int) -> FigureComparison:
    if others < MIN_OTHERS or math.isnan(median):
        return FigureComparison(key=key, value=value, median=None, others=others, ratio=None)
    ratio = value / median if value is not None and median else None
    return FigureComparison(key=key, value=value, median=median, others=others, ratio=ratio)


def _plain(value: object) -> Value:
    """A JSON-friendly number: numpy scalars become int or float, NaN becomes None."""
    if value is None or pd.isna(value):
        return None
    return int(value) if isinstance(value, numbers.Integral) else float(value)
