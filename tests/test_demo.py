"""The demo season, seeded once and checked as a whole: realistic planning that passes its own
checks, inputs of every channel, moderated and routed, one finished report — and seeding again
changes nothing. One test seeds for all apps, because seeding is the slowest thing we do."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from deployments.models import Area, Deployment, Event, Partner
from deployments.selectors.planning import planning_check
from participation.models import Channel, Contribution, Device, Kind, Routing
from participation.selectors.contributions import public_contributions, with_support_count
from reports.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

APPS = ("deployments", "participation", "analysis", "reports")


def _state() -> dict:
    counts = {
        model._meta.label: model._default_manager.count()
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }
    counts["moderation"] = sorted(
        Contribution.objects.values_list("pk", "moderation_status", "duplicate_of")
    )
    counts["routings"] = sorted(Routing.objects.values_list("pk", "status", "due_on"))
    return counts


def test_the_demo_season(settings, tmp_path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    call_command("load_berlin_areas", verbosity=0)
    call_command("seed_demo", verbosity=0)
    first = _state()

    _check_planning(first)
    _check_inputs_of_every_channel()
    _check_realistic_inputs()
    _check_qualification()
    _check_report()

    call_command("seed_demo", verbosity=0)
    assert _state() == first


def _check_planning(first: dict) -> None:
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


def _check_inputs_of_every_channel() -> None:
    deployments = list(Deployment.objects.order_by("starts_on"))
    assert len(deployments) == 7
    for deployment in deployments:
        channels = set(deployment.contributions.values_list("channel", flat=True))
        assert channels == set(Channel.values), deployment
        kinds = set(deployment.contributions.values_list("kind", flat=True))
        assert kinds == set(Kind.values), deployment
        assert deployment.polls.count() in (1, 2)
        assert deployment.visitor_counts.exists()
        assert deployment.workshop_results.exists()
        assert deployment.reflections.exists()


def _check_realistic_inputs() -> None:
    running = Deployment.objects.get(status=Deployment.Status.RUNNING)
    [tablet] = Device.objects.filter(deployment=running)
    assert tablet.is_paired

    ideas = Contribution.objects.filter(kind=Kind.IDEA, import_job__isnull=True)
    assert set(ideas.values_list("language", flat=True)) == {"de", "en", "tr", "ar", "uk"}
    assert 0.35 < ideas.exclude(age_band="").count() / ideas.count() < 0.65
    assert ideas.filter(location__isnull=False).exists()
    polls = Contribution.objects.filter(kind=Kind.POLL)
    assert not polls.filter(poll_answers__isnull=True, rating__isnull=True).exists()
    days = (
        Contribution.objects.filter(deployment=running)
        .values("received_at__date")
        .annotate(n=Count("pk"))
    )
    assert days.count() > 3  # spread over the days on site, not all at seeding time


def _check_qualification() -> None:
    statuses = Contribution.objects.filter(kind="idea").values_list("moderation_status", flat=True)
    assert set(statuses) == {"new", "approved", "rejected", "hidden"}
    assert list(statuses).count("hidden") == 1
    reasons = set(
        Contribution.objects.filter(moderation_status="rejected").values_list(
            "rejection_reason", flat=True
        )
    )
    assert reasons == {"spam", "insult", "off_topic", "personal_data", "duplicate"}
    assert Contribution.objects.filter(duplicate_of__isnull=False).exists()
    assert max(c.support_count for c in with_support_count(Contribution.objects.all())) > 1
    assert Contribution.objects.filter(codes__isnull=False).exists()

    today = timezone.localdate()
    open_late = Routing.objects.filter(status__in=["forwarded", "in_progress"], due_on__lt=today)
    assert open_late.count() == 1
    assert Routing.objects.filter(status="answered").exists()
    assert Contribution.objects.filter(public_status="answered").exclude(public_feedback="")
    for routing in Routing.objects.select_related("department", "contribution__deployment__site"):
        districts = routing.contribution.deployment.site.areas.filter(kind="district")
        assert routing.department.district in districts

    for spam in Contribution.objects.filter(rejection_reason="spam"):
        assert spam.text_was_masked
        assert "0176" not in spam.text
    for deployment_id in Contribution.objects.values_list("deployment", flat=True).distinct():
        shown = public_contributions(deployment=deployment_id)
        assert not shown.exclude(moderation_status="approved").exists()


def _check_report() -> None:
    [report] = Report.objects.all()
    assert report.state == Report.State.DONE
    assert report.page_count > 5
    assert report.recommendations
