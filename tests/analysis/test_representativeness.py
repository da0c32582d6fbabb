"""Who was reached: ages and newcomers against the residents of the site's forecast area."""

import dataclasses
import json

import pandas as pd
import pytest
from scipy.stats import chi2

from analysis.representativeness import (
    AGE_BANDS,
    age_comparison,
    deployment_representativeness,
    expected_shares,
    goodness_of_fit,
    newcomer_share,
)
from deployments.services.areas import DATA_DIR, _figures_by_forecast_area

pytestmark = pytest.mark.smoke

# A made-up area of 1,000 residents.
POPULATION = {
    "0_5": 60,
    "6_14": 90,
    "15_17": 30,
    "18_26": 120,
    "27_44": 300,
    "45_54": 150,
    "55_64": 100,
    "65_plus": 150,
}


def answers(counts: dict[str, int], *, estimated: bool = False, relation: str = "") -> list[dict]:
    return [
        {"age_band": band, "relation": relation, "demographics_estimated": estimated}
        for band, n in counts.items()
        for _ in range(n)
    ]


def contributions(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        rows, columns=["age_band", "relation", "demographics_estimated"]
    )


def visitor_counts(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        rows, columns=["hour_starts_at", "age_band", "gender", "count", "source"]
    )


def by_band(comparison):
    return {row.band: row for row in comparison.bands}


def test_gropiusstadt_expected_shares_are_those_of_the_population_register():
    """Prognoseraum 0830 Gropiusstadt, read by hand from einwohner_plr_2022-06.csv.

    Its four PLRs (lor_2021.csv) and their residents by age band on 30 June 2022:

    PLR       Gesamt unter6 6-15 15-18 18-27 27-45 45-55 55-65 65undmehr
    08300934  12544    875 1104   331  1222  2777  1364  1529      3342
    08300935   7344    394  449   165   584  1594   780  1008      2370
    08301036   7169    483  598   235   666  1601   784   920      1882
    08301037  10990    813 1051   307  1153  2694  1275  1453      2244
    sum       38047   2565 3202  1038  3625  8666  4203  4910      9838
    """
    population = _figures_by_forecast_area(DATA_DIR)["0830"].population_by_age

    shares = expected_shares(population)

    assert sum(population.values()) == 38047
    assert shares == pytest.approx(
        {
            "0_5": 2565 / 38047,  # 6.74 %
            "6_14": 3202 / 38047,  # 8.42 %
            "15_17": 1038 / 38047,  # 2.73 %
            "18_26": 3625 / 38047,  # 9.53 %
            "27_44": 8666 / 38047,  # 22.78 %
            "45_54": 4203 / 38047,  # 11.05 %
            "55_64": 4910 / 38047,  # 12.90 %
            "65_plus": 9838 / 38047,  # 25.86 %
        }
    )
    # 10 seniors among 100 participants: 10 % against 25.86 % → ratio 0.387, under-reached.
    reached = {"0_5": 5, "6_14": 10, "15_17": 5, "18_26": 15, "27_44": 30, "45_54": 15,
               "55_64": 10, "65_plus": 10}  # fmt: skip
    seniors = by_band(age_comparison(reached, population))["65_plus"]
    assert seniors.ratio == pytest.approx(0.10 / (9838 / 38047))
    assert seniors.under_reached


def test_shares_ratios_and_under_reached_bands_per_age_band():
    # 40 self-reported ages; shares = count / 40, expected = residents / 1,000.
    reached = {"0_5": 0, "6_14": 2, "15_17": 1, "18_26": 6, "27_44": 20, "45_54": 6,
               "55_64": 4, "65_plus": 1}  # fmt: skip

    comparison = age_comparison(reached, POPULATION)

    rows = by_band(comparison)
    assert comparison.n == 40
    assert [row.band for row in comparison.bands] == list(AGE_BANDS)
    assert rows["27_44"].count == 20
    assert rows["27_44"].share == pytest.approx(0.5)  # 20 / 40
    assert rows["27_44"].expected_share == pytest.approx(0.3)  # 300 / 1000
    assert rows["27_44"].ratio == pytest.approx(5 / 3)  # 0.5 / 0.3
    assert rows["6_14"].ratio == pytest.approx(0.05 / 0.09)  # 0.556: not under 0.5
    assert rows["65_plus"].ratio == pytest.approx(0.025 / 0.15)  # 0.167
    # 65+: ratio 0.167 < 0.5, 15 % of residents, 40 × 0.15 = 6 expected ≥ 5 → under-reached.
    # 0–5: ratio 0, 6 % of residents, but only 40 × 0.06 = 2.4 expected → not (may be chance).
    # 15–17: ratio 0.833, and only 3 % of residents.
    assert comparison.under_reached == ["65_plus"]
    assert rows["65_plus"].label == "65 Jahre und älter"


def test_chi_square_with_expected_counts_under_five_is_not_reliable():
    reached = [0, 2, 1, 6, 20, 6, 4, 1]  # n = 40, bands in AGE_BANDS order
    shares = [0.06, 0.09, 0.03, 0.12, 0.30, 0.15, 0.10, 0.15]

    test = goodness_of_fit(reached, shares)

    # Expected counts 40 × share: 2.4, 3.6, 1.2, 4.8, 12, 6, 4, 6; (o − e)² / e:
    # 2.4 + 0.711 + 0.033 + 0.3 + 5.333 + 0 + 0 + 4.167 = 1165/90 = 12.944
    assert test.statistic == pytest.approx(1165 / 90)
    assert test.degrees_of_freedom == 7
    # Below 14.07, the 5 % critical value for 7 degrees of freedom.
    assert test.p_value == pytest.approx(chi2.sf(1165 / 90, 7))
    assert test.p_value > 0.05
    # n = 40 is enough, but five expected counts are below 5.
    assert not test.reliable
    assert test.significant is None
    assert "nicht belastbar" in test.caveat
    assert "weniger als 5 erwartete" in test.caveat
    assert "Angaben (mindestens" not in test.caveat


def test_chi_square_on_a_tiny_sample_claims_no_significance_even_with_a_small_p():
    # Five answers, all 65+; expected 5 × share: 0.3, 0.45, 0.15, 0.6, 1.5, 0.75, 0.5, 0.75.
    comparison = age_comparison({"65_plus": 5}, POPULATION)

    test = comparison.test
    # Empty bands add their expected count: 0.3 + 0.45 + 0.15 + 0.6 + 1.5 + 0.75 + 0.5 = 4.25;
    # 65+: (5 − 0.75)² / 0.75 = 24.083; sum 28.333 → p ≈ 0.0002.
    assert test.statistic == pytest.approx(4.25 + 4.25**2 / 0.75)
    assert test.p_value < 0.001
    assert not test.reliable
    assert test.significant is None
    assert "nur 5 Angaben (mindestens 30 nötig)" in test.caveat
    # 5 × 0.3 = 1.5 expected even in the biggest band: no band can be called under-reached.
    assert comparison.under_reached == []


def test_chi_square_on_a_large_enough_sample_tells_a_real_difference():
    # n = 200; expected counts 12, 18, 6, 24, 60, 30, 20, 30 are all at least 5.
    skewed = {"0_5": 12, "6_14": 18, "15_17": 6, "18_26": 24, "27_44": 90, "45_54": 30,
              "55_64": 20, "65_plus": 0}  # fmt: skip
    fitting = {"0_5": 12, "6_14": 18, "15_17": 6, "18_26": 24, "27_44": 60, "45_54": 30,
               "55_64": 20, "65_plus": 30}  # fmt: skip

    differs = age_comparison(skewed, POPULATION).test
    same = age_comparison(fitting, POPULATION).test

    # (90 − 60)² / 60 + (0 − 30)² / 30 = 15 + 30 = 45, far above 24.32 (0.1 % for 7 df).
    assert differs.statistic == pytest.approx(45)
    assert (differs.reliable, differs.significant, differs.caveat) == (True, True, "")
    # Exactly the residents' distribution: statistic 0, p = 1.
    assert same.statistic == pytest.approx(0)
    assert same.p_value == pytest.approx(1)
    assert (same.reliable, same.significant) == (True, False)


def test_no_answers_or_no_residents_mean_no_test():
    nobody = age_comparison({}, POPULATION)
    no_residents = age_comparison({"27_44": 40}, {})

    assert nobody.n == 0
    assert nobody.test.statistic is None
    assert nobody.bands[0].share is None
    assert no_residents.bands[0].expected_share is None
    assert no_residents.test.statistic is None
    assert no_residents.test.significant is None
    assert no_residents.under_reached == []


def test_estimated_ages_and_visitor_counts_are_separate_views():
    rows = [
        *answers({"27_44": 3, "65_plus": 1}),
        *answers({"": 2}),  # no age given: not counted
        *answers({"65_plus": 4, "45_54": 2}, estimated=True),
    ]
    counts = visitor_counts(
        [
            (None, "", "", 50, "counter"),  # the counter knows no ages
            (None, "", "female", 7, "manual"),  # no age band: not counted
            (None, "6_14", "female", 3, "manual"),
            (None, "6_14", "male", 2, "manual"),
            (None, "65_plus", "", 4, "manual"),
        ]
    )

    result = deployment_representativeness(
        contributions=contributions(rows), visitor_counts=counts, population=POPULATION
    )

    # Self-reported: 27–44: 3, 65+: 1 → n = 4; the 6 estimated ones are not in it.
    assert result.participants.n == 4
    assert by_band(result.participants)["65_plus"].count == 1
    # Estimated: 65+: 4, 45–54: 2 → n = 6.
    assert result.participants_estimated.n == 6
    assert by_band(result.participants_estimated)["65_plus"].share == pytest.approx(4 / 6)
    # Visitors by hand with an age band: 6–14: 3 + 2 = 5; 65+: 4 → n = 9.
    assert result.visitors.n == 9
    assert by_band(result.visitors)["6_14"].count == 5
    assert result.population_total == 1000
    assert {"participants", "participants_estimated", "visitors", "under_reached", "test"} <= set(
        result.definitions
    )


def test_newcomer_share_among_those_who_answered():
    relations = pd.Series(
        ["newcomer", "newcomer", "lives_here", "lives_here", "lives_here", "works_here",
         "visiting", "", ""]
    )  # fmt: skip

    share = newcomer_share(relations)
    compared = newcomer_share(relations, expected_share=0.2)

    # 7 answered, 2 of them newcomers: 2/7; residents (lives here or newcomer): 5 → 2/5.
    assert (share.answered, share.newcomers, share.residents_answered) == (7, 2, 5)
    assert share.share == pytest.approx(2 / 7)
    assert share.share_of_residents == pytest.approx(0.4)
    # Without an expected share there is nothing to compare with.
    assert (share.expected_share, share.ratio, share.under_reached) == (None, None, None)
    # 0.4 / 0.2 = 2: twice as many newcomers as among residents.
    assert compared.ratio == pytest.approx(2.0)
    assert compared.under_reached is False


def test_newcomers_are_under_reached_by_the_same_rule_as_age_bands():
    relations = pd.Series(["newcomer"] + ["lives_here"] * 29)

    share = newcomer_share(relations, expected_share=0.2)

    # 1/30 = 0.033 against 0.2 → ratio 0.167 < 0.5; 30 × 0.2 = 6 expected ≥ 5.
    assert share.ratio == pytest.approx((1 / 30) / 0.2)
    assert share.under_reached is True


def test_estimated_relations_are_reported_apart_from_the_answers():
    rows = [
        *answers({"": 2}, relation="newcomer"),
        *answers({"": 1}, relation="lives_here"),
        *answers({"": 3}, relation="newcomer", estimated=True),
    ]

    result = deployment_representativeness(
        contributions=contributions(rows),
        visitor_counts=visitor_counts([]),
        population=POPULATION,
        expected_newcomer_share=0.1,
    )

    # Said themselves: 2 newcomers of 3 answers; estimated by the team: 3 of 3.
    assert (result.newcomers.newcomers, result.newcomers.answered) == (2, 3)
    assert (result.newcomers_estimated.newcomers, result.newcomers_estimated.answered) == (3, 3)
    assert result.newcomers.expected_share == 0.1


def test_representativeness_round_trips_through_json():
    result = deployment_representativeness(
        contributions=contributions(answers({"27_44": 3, "65_plus": 1}, relation="newcomer")),
        visitor_counts=visitor_counts([]),
        population=POPULATION,
    )
    plain = dataclasses.asdict(result)

    assert json.loads(json.dumps(plain)) == plain
