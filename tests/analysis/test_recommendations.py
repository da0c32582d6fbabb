"""Every recommendation rule fires on the finding it is about, stays quiet otherwise, and
every recommendation carries its evidence."""

from types import SimpleNamespace

import pytest

from analysis import recommendations as rules
from analysis.recommendations import Findings, propose

pytestmark = pytest.mark.smoke


def band(code: str, share: float, expected: float, count: int = 10) -> SimpleNamespace:
    return SimpleNamespace(
        band=code, count=count, share=share, expected_share=expected, ratio=share / expected
    )


def findings(**changes) -> Findings:
    """A deployment about which no rule has anything to say; ``changes`` plant one finding."""
    figures = SimpleNamespace(
        visitors=400,
        inputs=120,
        participation_rate=0.3,
        own_share=0.25,
        own_events=5,
        start_phase_density=1.2,
        start_phase_events_per_week=6.0,
        events_per_week=5.0,
        events_held=18,
        events_cancelled=1,
        events_planned=1,
    )
    representativeness = SimpleNamespace(
        participants=SimpleNamespace(n=80, bands=[band("65_plus", 0.15, 0.16)], under_reached=[]),
        newcomers=SimpleNamespace(under_reached=False, share_of_residents=0.1, expected_share=0.12),
    )
    base = {
        "figures": figures,
        "representativeness": representativeness,
        "topics": SimpleNamespace(clusters=[]),
        "space": SimpleNamespace(hotspots=[]),
        "goals": [("information", 1), ("social", 2)],
        "event_formats": ["exhibition", "festival"],
        "district": "Friedrichshain-Kreuzberg",
    }
    for path, value in changes.items():
        target, _, attribute = path.rpartition("__")
        if target:
            obj = base[target.split("__")[0]]
            for part in target.split("__")[1:]:
                obj = getattr(obj, part)
            setattr(obj, attribute, value)
        else:
            base[attribute] = value
    return Findings(**base)


def fired(rule, **changes) -> list[rules.Proposal]:
    return list(rule(findings(**changes)))


def test_a_deployment_without_findings_gets_no_recommendation() -> None:
    assert propose(findings()) == []


def test_under_reached_older_people_get_formats_that_reach_them() -> None:
    older = band("65_plus", 0.03, 0.2)  # 3 % among participants, 20 % among residents
    proposals = fired(
        rules.under_reached_age_groups,
        representativeness__participants__bands=[older],
        representativeness__participants__under_reached=["65_plus"],
    )

    [proposal] = proposals
    assert "65 Jahre und älter" in proposal.finding
    assert "Vormittagstermine" in proposal.action
    assert proposal.priority == "high"  # ratio 0.15 < 0.25
    assert "3 % unter den Beteiligten, 20 % im Gebiet" in [e.value for e in proposal.evidence]


def test_a_group_of_fewer_than_five_people_is_not_quoted_with_its_share() -> None:
    older = band("65_plus", 0.03, 0.2, count=2)
    [proposal] = fired(
        rules.under_reached_age_groups,
        representativeness__participants__bands=[older],
        representativeness__participants__under_reached=["65_plus"],
    )
    assert "weniger als 5 Personen unter den Beteiligten, 20 % im Gebiet" in [
        e.value for e in proposal.evidence
    ]
    assert not any("3 %" in e.value for e in proposal.evidence)


def test_age_groups_reached_as_expected_get_no_recommendation() -> None:
    assert fired(rules.under_reached_age_groups) == []


def test_under_reached_newcomers() -> None:
    [proposal] = fired(
        rules.under_reached_newcomers, representativeness__newcomers__under_reached=True
    )
    assert "Willkommensinitiativen" in proposal.action
    assert fired(rules.under_reached_newcomers) == []


def test_low_participation_rate_asks_for_lower_thresholds() -> None:
    [proposal] = fired(rules.low_participation, figures__participation_rate=0.05)
    assert "5 Beiträge je 100 Besucher:innen" in proposal.finding
    assert {"Besucher:innen": "400", "Beiträge": "120"}.items() <= {
        e.label: e.value for e in proposal.evidence
    }.items()


@pytest.mark.parametrize(
    ("rate", "visitors"), [(0.2, 400), (None, 0), (0.05, 30)], ids=["enough", "uncounted", "few"]
)
def test_participation_rate_rule_stays_quiet(rate, visitors) -> None:
    assert (
        fired(rules.low_participation, figures__participation_rate=rate, figures__visitors=visitors)
        == []
    )


def cluster(inputs: int, share: float) -> SimpleNamespace:
    return SimpleNamespace(
        label="Radweg, Kreuzung, Ampel",
        inputs=inputs,
        share=share,
        keywords=[SimpleNamespace(term=term) for term in ("radweg", "kreuzung", "ampel")],
        quote=SimpleNamespace(text="Die Kreuzung braucht eine Ampel."),
        contribution_ids=list(range(1, inputs + 1)),
    )


def test_a_large_topic_cluster_goes_to_the_department_with_its_inputs() -> None:
    [proposal] = fired(rules.large_topic_clusters, topics__clusters=[cluster(30, 0.4)])
    assert proposal.addressee == "Zuständiges Fachamt im Bezirk Friedrichshain-Kreuzberg"
    assert proposal.contribution_ids == list(range(1, 31))
    assert "„Die Kreuzung braucht eine Ampel.“" in [e.value for e in proposal.evidence]


def test_small_topic_clusters_are_not_escalated() -> None:
    clusters = [cluster(30, 0.2), cluster(8, 0.5)]  # too small a share; too few inputs
    assert fired(rules.large_topic_clusters, topics__clusters=clusters) == []


def hotspot(inputs: int) -> SimpleNamespace:
    return SimpleNamespace(
        inputs=inputs,
        themes=[SimpleNamespace(theme="Verkehr", inputs=inputs)],
        distance_m=180.4,
        contribution_ids=[7] * inputs,
    )


def test_a_hotspot_of_pins_asks_for_a_site_visit() -> None:
    [proposal] = fired(rules.hotspots, space__hotspots=[hotspot(12)])
    assert "12 Beiträge zum Thema „Verkehr“" in proposal.finding
    assert "180 m" in proposal.finding
    assert proposal.priority == "high"
    assert fired(rules.hotspots, space__hotspots=[hotspot(4)]) == []


def test_two_hotspots_about_the_same_theme_get_their_own_keys() -> None:
    proposals = propose(findings(space__hotspots=[hotspot(12), hotspot(7)]))
    assert [p.key for p in proposals if p.rule == "hotspot"] == [
        "hotspot:Verkehr",
        "hotspot:Verkehr:2",
    ]


def test_a_top_goal_without_fitting_events_is_a_programme_gap() -> None:
    [proposal] = fired(rules.programme_gaps, goals=[("maker_education", 1), ("social", 5)])
    assert "„Handwerkliche Bildung“ steht auf Rang 1" in proposal.finding
    assert "Werkstatt" in proposal.action
    assert proposal.priority == "high"


def test_goals_served_by_an_event_or_ranked_low_are_no_gap() -> None:
    assert fired(rules.programme_gaps, goals=[("information", 1), ("economy", 4)]) == []


def test_a_high_own_share_asks_for_more_partners() -> None:
    [proposal] = fired(rules.own_share_high, figures__own_share=0.6)
    assert proposal.finding.startswith("60 %")
    assert fired(rules.own_share_high, figures__own_share=0.4) == []


def test_a_thin_start() -> None:
    assert fired(rules.thin_start, figures__start_phase_density=0.5)
    assert fired(rules.thin_start, figures__start_phase_density=None) == []


def test_many_cancellations() -> None:
    [proposal] = fired(rules.many_cancellations, figures__events_cancelled=5)
    assert proposal.finding == "5 von 24 Veranstaltungen fielen aus."
    assert fired(rules.many_cancellations, figures__events_cancelled=2) == []


def test_every_recommendation_carries_evidence_and_high_priority_comes_first() -> None:
    proposals = propose(
        findings(
            figures__participation_rate=0.05,
            figures__own_share=0.6,
            goals=[("maker_education", 1)],
        )
    )
    assert [p.rule for p in proposals] == ["programme_gap", "low_participation", "own_share_high"]
    assert all(p.evidence and p.finding and p.action and p.addressee for p in proposals)
    assert len({p.key for p in proposals}) == len(proposals)
