"""This deployment against the medians of the organisation's other deployments."""

import dataclasses
import json

import numpy as np
import pytest

from analysis.comparison import HEADLINE_FIGURES, deployment_comparison, headline_figures
from analysis.figures import deployment_figures
from tests.analysis import test_figures as hand_made

pytestmark = pytest.mark.smoke

CURRENT = {"visitors": 250, "inputs": 50, "participation_rate": 0.2, "own_share": 0.5}
OTHERS = [
    {"visitors": 100, "inputs": 10, "participation_rate": 0.1, "own_share": 0.0},
    {"visitors": 300, "inputs": 20, "participation_rate": None, "own_share": 0.0},
    {"visitors": 200, "inputs": 30, "own_share": 0.5},
    {"visitors": None, "inputs": 40},
]


def by_key(comparison):
    return {row.key: row for row in comparison.figures}


def test_each_figure_against_the_median_of_the_others_that_have_it():
    comparison = deployment_comparison(
        current=CURRENT, others=OTHERS, keys=["visitors", "inputs", "own_share"]
    )

    rows = by_key(comparison)
    assert comparison.deployments_compared == 4
    # Visitors: 100, 300, 200 (the fourth has none) → median 200; 250 / 200 = 1.25.
    assert (rows["visitors"].value, rows["visitors"].median, rows["visitors"].others) == (
        250,
        200,
        3,
    )
    assert rows["visitors"].ratio == pytest.approx(1.25)
    # Inputs: 10, 20, 30, 40 → median (20 + 30) / 2 = 25; 50 / 25 = 2.
    assert (rows["inputs"].median, rows["inputs"].others) == (25, 4)
    assert rows["inputs"].ratio == pytest.approx(2.0)
    # Own share: 0.0, 0.0, 0.5 → median 0.0; no ratio to a median of 0.
    assert (rows["own_share"].median, rows["own_share"].others) == (0.0, 3)
    assert rows["own_share"].ratio is None


def test_no_median_from_fewer_than_two_other_deployments():
    by_figure = by_key(deployment_comparison(current=CURRENT, others=OTHERS))
    alone = by_key(deployment_comparison(current=CURRENT, others=OTHERS[:1]))
    nobody = by_key(deployment_comparison(current=CURRENT, others=[]))

    # Participation rate: only the first other deployment has one (0.1).
    assert by_figure["participation_rate"].others == 1
    assert by_figure["participation_rate"].median is None
    assert by_figure["participation_rate"].ratio is None
    assert (alone["visitors"].others, alone["visitors"].median, alone["visitors"].ratio) == (
        1,
        None,
        None,
    )
    assert nobody["inputs"].others == 0
    assert nobody["inputs"].median is None


def test_a_figure_this_deployment_lacks_has_a_median_but_no_ratio():
    rows = by_key(deployment_comparison(current={}, others=OTHERS, keys=["inputs"]))

    assert rows["inputs"].value is None
    assert rows["inputs"].median == 25
    assert rows["inputs"].ratio is None


def test_numpy_numbers_are_reported_as_plain_numbers():
    rows = by_key(
        deployment_comparison(
            current={"inputs": np.int64(50), "own_share": np.float64(0.5)}, others=OTHERS
        )
    )

    assert type(rows["inputs"].value) is int
    assert type(rows["own_share"].value) is float


def test_headline_figures_of_a_deployment_compare_with_others():
    figures = deployment_figures(
        contributions=hand_made.contributions(hand_made.CONTRIBUTIONS),
        visitor_counts=hand_made.visitor_counts(hand_made.VISITOR_COUNTS),
        events=hand_made.events(hand_made.EVENTS),
        starts_on=hand_made.STARTS_ON,
        ends_on=hand_made.ENDS_ON,
    )
    current = headline_figures(figures)
    other = {"visitors": 78, "inputs": 20, "events_held": 6}

    comparison = deployment_comparison(current=current, others=[other, other])

    rows = by_key(comparison)
    assert list(current) == list(HEADLINE_FIGURES)
    # The hand-made deployment of test_figures: 39 visitors, 10 inputs, 6 held events.
    assert rows["visitors"].ratio == pytest.approx(39 / 78)
    assert rows["inputs"].ratio == pytest.approx(10 / 20)
    assert rows["events_held"].ratio == pytest.approx(1.0)
    assert rows["attendance"].others == 0
    assert set(HEADLINE_FIGURES) <= set(comparison.definitions)
    plain = dataclasses.asdict(comparison)
    assert json.loads(json.dumps(plain)) == plain
