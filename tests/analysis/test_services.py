"""The analysis of a stored deployment: tables read in SQL, one JSON snapshot, curated
recommendations that survive a new run."""

import datetime as dt
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from analysis.models import Recommendation
from analysis.services import (
    analysis_compute,
    recommendation_add,
    recommendation_edit,
    recommendations_for_report,
    recommendations_refresh,
)
from analysis.snapshot import Snapshot, SnapshotVersionError
from deployments.models import Area
from participation.models import Contribution, VisitorCount
from tests.factories import (
    BOXHAGENER_PLATZ,
    AreaFactory,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    ThemeFactory,
    UserFactory,
    berlin_time,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

POPULATION = {
    "0_5": 50,
    "6_14": 80,
    "15_17": 30,
    "18_26": 120,
    "27_44": 350,
    "45_54": 130,
    "55_64": 110,
    "65_plus": 130,
}


@pytest.fixture
def deployment():
    area = AreaFactory(name="Boxhagener Platz", population_by_age=POPULATION)
    district = AreaFactory(kind=Area.Kind.DISTRICT, code="02", name="Friedrichshain-Kreuzberg")
    deployment = DeploymentFactory(title="Boxi im Mai", status="running")
    deployment.site.areas.set([area, district])
    theme = ThemeFactory(organisation=deployment.organisation, name="Verkehr")
    first_day = deployment.starts_on
    EventFactory(
        deployment=deployment,
        title="Fahrradwerkstatt",
        format="workshop",
        state="held",
        attendance=12,
        starts_at=berlin_time(first_day, 15),
        ends_at=berlin_time(first_day, 17),
    )
    VisitorCount.objects.create(
        deployment=deployment,
        hour_starts_at=berlin_time(first_day, 15),
        count=40,
        source="counter",
    )
    # 12 pins within a few metres of each other, north-east of the site: a hotspot.
    for index in range(12):
        ContributionFactory(
            deployment=deployment,
            theme=theme,
            text=f"Die Kreuzung ist gefährlich, bitte eine Ampel ({index}).",
            location=Point(BOXHAGENER_PLATZ.x + 0.002, BOXHAGENER_PLATZ.y + 0.001 + index * 1e-5),
            received_at=berlin_time(first_day, 16),
            age_band="27_44",
            moderation_status="approved",
        )
    ContributionFactory(
        deployment=deployment, text="Werbung", moderation_status="rejected", rejection_reason="spam"
    )
    return deployment


def test_the_snapshot_counts_what_was_collected(deployment) -> None:
    snapshot = analysis_compute(deployment=deployment)

    assert snapshot.deployment.title == "Boxi im Mai"
    assert snapshot.deployment.district == "Friedrichshain-Kreuzberg"
    assert snapshot.figures.inputs == 12  # the rejected one does not count
    assert snapshot.figures.visitors == 40
    assert snapshot.figures.participation_rate == pytest.approx(12 / 40)
    assert snapshot.space.pinned == 12
    [hotspot] = snapshot.space.hotspots
    assert hotspot.inputs == 12
    assert hotspot.themes[0].theme == "Verkehr"
    # 2 × 10⁻³ ° east and 10⁻³ ° north at 52.5° N is roughly 136 m and 111 m: ~175 m away.
    assert 150 < hotspot.distance_m < 200
    assert "hotspot:Verkehr" in {proposal.key for proposal in snapshot.proposals}
    assert sum(inputs for _x, _y, inputs in snapshot.space.pin_grid) == 12
    [outline] = snapshot.map.outlines
    assert outline.name == "Boxhagener Platz"
    assert len(outline.rings[0]) == 5  # the square, closed


def test_the_snapshot_round_trips_through_json_unchanged(deployment) -> None:
    snapshot = analysis_compute(deployment=deployment)

    stored = json.loads(json.dumps(snapshot.to_dict()))

    assert Snapshot.from_dict(stored) == snapshot


def test_a_snapshot_of_another_version_is_refused(deployment) -> None:
    stored = analysis_compute(deployment=deployment).to_dict() | {"version": 0}
    with pytest.raises(SnapshotVersionError):
        Snapshot.from_dict(stored)


def test_staff_edits_survive_a_new_analysis(deployment) -> None:
    staff = UserFactory()
    snapshot = analysis_compute(deployment=deployment)
    recommendations_refresh(deployment=deployment, proposals=snapshot.proposals)
    hotspot = Recommendation.objects.get(deployment=deployment, key="hotspot:Verkehr")
    recommendation_edit(
        recommendation=hotspot, by=staff, action="Ampel an der Kreuzung prüfen.", position=0
    )
    own = recommendation_add(
        deployment=deployment,
        by=staff,
        finding="Der Platz ist abends dunkel.",
        action="Beleuchtung prüfen.",
        addressee="Straßen- und Grünflächenamt",
        priority="medium",
        position=1,
    )
    dropped = Recommendation.objects.filter(deployment=deployment).exclude(
        pk__in=[hotspot.pk, own.pk]
    )
    for recommendation in dropped:
        recommendation_edit(recommendation=recommendation, by=staff, is_dropped=True)

    ContributionFactory(deployment=deployment, text="Noch ein Beitrag", moderation_status="new")
    recommendations_refresh(
        deployment=deployment, proposals=analysis_compute(deployment=deployment).proposals
    )

    shown = recommendations_for_report(deployment=deployment)
    assert [r.pk for r in shown] == [hotspot.pk, own.pk]
    assert shown[0].action == "Ampel an der Kreuzung prüfen."
    assert shown[0].evidence["contribution_ids"]  # evidence refreshed, text kept
    assert Recommendation.objects.filter(deployment=deployment, is_dropped=True).count() == len(
        dropped
    )


def test_unedited_recommendations_whose_rule_no_longer_fires_are_removed(deployment) -> None:
    recommendations_refresh(
        deployment=deployment, proposals=analysis_compute(deployment=deployment).proposals
    )
    assert Recommendation.objects.filter(key="hotspot:Verkehr").exists()
    Contribution.objects.filter(deployment=deployment).update(location=None)

    recommendations_refresh(
        deployment=deployment, proposals=analysis_compute(deployment=deployment).proposals
    )

    assert not Recommendation.objects.filter(key="hotspot:Verkehr").exists()


def test_the_command_prints_figures_and_recommendations(deployment, capsys) -> None:
    call_command("analyse_deployment", deployment.pk)

    output = capsys.readouterr().out
    assert "Boxi im Mai" in output
    assert "12 Beiträge zum Thema „Verkehr“" in output
    assert Recommendation.objects.filter(deployment=deployment).exists()


def test_the_period_of_the_deployment_is_kept_as_iso_dates(deployment) -> None:
    snapshot = analysis_compute(deployment=deployment)
    assert dt.date.fromisoformat(snapshot.deployment.starts_on) == deployment.starts_on
