"""The participation demo: every demo deployment has inputs of every channel, the texts carry
no personal data, and seeding again adds nothing."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Count

from deployments.models import AuditEntry, Deployment
from participation import demo_texts
from participation.models import Channel, Contribution, Device, Kind
from participation.services.masking import mask_personal_data

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _counts() -> dict[str, int]:
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("participation").get_models()
    }
    counts["audit entries"] = AuditEntry.objects.count()
    return counts


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


def test_demo_texts_carry_no_personal_data() -> None:
    texts = [
        *(text for pool in demo_texts.IDEAS.values() for _theme, text in pool),
        *(note[-1] for note in demo_texts.NOTES),
        *demo_texts.WORKSHOP_STATEMENTS,
        *demo_texts.STORY_STATEMENTS,
        *demo_texts.FEEDBACK_TEXTS,
        *(text for entry in demo_texts.REFLECTIONS for text in entry),
    ]
    for text in texts:
        assert mask_personal_data(text) == (text, False)


def test_demo_has_every_channel_everywhere_and_seeding_twice_adds_nothing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_berlin_areas", verbosity=0)
    call_command("seed_demo", verbosity=0)
    first = _counts()

    _check_inputs_of_every_channel()
    _check_realistic_inputs()

    call_command("seed_demo", verbosity=0)
    assert _counts() == first
