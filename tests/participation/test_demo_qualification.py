"""The qualification demo: moderated, coded and routed inputs, the same after a second run."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from deployments.models import AuditEntry, Deployment
from participation import demo_qualification
from participation.models import Code, Contribution, Department, Routing
from participation.selectors.contributions import public_contributions, with_support_count

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def _state() -> dict:
    return {
        "statuses": sorted(
            Contribution.objects.values_list("pk", "moderation_status", "duplicate_of")
        ),
        "codes": Code.objects.count(),
        "departments": Department.objects.count(),
        "routings": sorted(Routing.objects.values_list("pk", "status", "due_on")),
        "audit": AuditEntry.objects.count(),
        "coded": Contribution.codes.through.objects.count(),
    }


def test_demo_moderates_codes_and_routes_once():
    call_command("load_berlin_areas", verbosity=0)
    call_command("seed_demo", verbosity=0)
    first = _state()
    deployments = Deployment.objects.filter(contributions__isnull=False).distinct()
    demo_qualification.seed(deployments)
    assert _state() == first

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
