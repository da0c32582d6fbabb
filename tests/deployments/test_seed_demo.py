"""The demo season: realistic, consistent with the planning checks, and idempotent."""

import pytest
from django.apps import apps
from django.core.management import call_command

from deployments.models import Area, Deployment, Event, Partner
from deployments.selectors.planning import planning_check

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("deployments").get_models()
    }


def test_seed_demo_twice_leaves_the_same_counts() -> None:
    call_command("load_berlin_areas", verbosity=0)
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first

    assert first["deployments.Deployment"] == 7
    assert first["deployments.Event"] >= 100
    assert set(Partner.objects.values_list("kind", flat=True)) == set(Partner.Kind.values)
    for deployment in Deployment.objects.select_related("site"):
        kinds = set(deployment.site.areas.values_list("kind", flat=True))
        assert kinds == {Area.Kind.DISTRICT, Area.Kind.FORECAST_AREA}, deployment.site
        check = planning_check(deployment=deployment)
        assert check.errors == []
        assert check.warnings == [], [finding.message for finding in check.warnings]
    assert Event.objects.filter(state=Event.State.HELD, attendance__gt=0).exists()
    assert Event.objects.filter(state=Event.State.CANCELLED).exists()
