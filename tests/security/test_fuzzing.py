"""Schemathesis against our own OpenAPI schema, in-process through the WSGI application.

Every operation is called with generated data once as a paired tablet and once as staff (DRF
token): no answer may be a server error, and every answer must match the schema. Then every
POST endpoint is fed an oversized and a malformed body and must answer 4xx.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks

from deployments.models import AuditEntry, Membership
from participation.models import Contribution, Device
from tests.factories import MembershipFactory, UserFactory
from tests.participation.kiosk_factories import (
    event_today,
    paired_device,
    poll_with_options,
    running_deployment,
    theme_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

OPENAPI = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.app = get_wsgi_application()
# The coverage phase sends hundreds of boundary cases per operation regardless of
# max_examples; generated examples and fuzzing keep the run within minutes.
schema.config.phases.coverage.enabled = False

NO_LIMITS = dict.fromkeys(
    ("kiosk_device", "kiosk_address", "kiosk_pairing", "kiosk_public_read", "kiosk_public_submit")
)
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance]


@pytest.fixture(scope="module")
def callers(django_db_setup, django_db_blocker, tmp_path_factory):
    """A running deployment with content; a paired tablet and a manager of its organisation.

    Made once for the module (committed, removed at the end): building it per operation
    would take longer than the fuzzing itself.
    """
    media = tmp_path_factory.mktemp("media")
    overrides = override_settings(
        KIEZLABOR_KIOSK_THROTTLE_RATES=NO_LIMITS,
        STORAGES={
            **django_settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": media, "base_url": None},
            },
        },
    )
    overrides.enable()
    # Schemathesis calls the real WSGI handler, which closes the database connection after
    # each request as a server would; inside a test's transaction that would end the test.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        users_before = set(get_user_model().objects.values_list("pk", flat=True))
        deployment = running_deployment()
        theme_of(deployment)
        event_today(deployment)
        poll_with_options(deployment)
        _device, device_token = paired_device(deployment)
        manager = MembershipFactory(
            organisation=deployment.organisation,
            role=Membership.Role.MANAGER,
            user=UserFactory(username="fuzz-leitung"),
        ).user
        staff_token = Token.objects.create(user=manager).key
    yield {
        "device": {"Authorization": f"Device {device_token}"},
        "staff": {"Authorization": f"Token {staff_token}"},
    }
    with django_db_blocker.unblock():
        organisation, site = deployment.organisation, deployment.site
        areas = list(site.areas.all())
        Contribution.objects.filter(deployment=deployment).delete()
        Device.objects.filter(organisation=organisation).delete()
        deployment.delete()
        site.delete()
        for area in areas:
            area.delete()
        organisation.delete()
        AuditEntry.objects.exclude(actor__isnull=True).exclude(actor__in=users_before).delete()
        get_user_model().objects.exclude(pk__in=users_before).delete()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    overrides.disable()


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("caller", ["device", "staff"])
def test_no_server_errors_and_answers_match_the_schema(case, caller, callers) -> None:
    case.call_and_validate(headers=callers[caller], checks=CHECKS)


# --- Oversized and malformed bodies ---------------------------------------------------------


def post_paths() -> list[str]:
    """Every POST operation with its path parameters filled with a plausible value."""
    paths = []
    for path, operations in OPENAPI["paths"].items():
        if "post" in operations:
            paths.append(path.replace("{id}", "1").replace("{slug}", "irgendwo"))
    return sorted(paths)


MALFORMED = [
    b'{"client_uuid": ',
    b"[1, 2,",
    b'{"text": NaN}',
    b"\xff\xfe\x00{",
    b"[" * 100_000 + b"]" * 100_000,
]


@pytest.mark.parametrize("path", post_paths())
@pytest.mark.parametrize("caller", ["device", "staff"])
def test_oversized_and_malformed_bodies_are_refused_with_4xx(callers, caller, path) -> None:
    client = Client(headers=callers[caller], raise_request_exception=False)
    oversized = json.dumps({"text": "x" * (1024 * 1024 + 10)}).encode()

    for body in [oversized, *MALFORMED]:
        response = client.generic("POST", path, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (path, body[:20], response.status_code)
