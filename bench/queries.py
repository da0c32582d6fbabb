"""Query counts (issue 8, item 4): the same pages and endpoints at 10 and at 10,000 rows.

Rows are added in bulk between the two measurements: contributions (moderation list, kiosk,
analysis tables), devices (device list) and deployments (deployment list). A count that
grows with the rows is an N+1 query and fails the target.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

SMALL, LARGE = 10, 10_000


def _setup():
    from bench import data
    from participation.services import devices

    today = timezone.localdate()
    deployment = data.make_deployment(
        label="queries", inputs=0, starts_on=today - dt.timedelta(days=3)
    )
    admin = get_user_model().objects.create_superuser("bench-admin", "bench@example.org", "x")
    from participation.models import Device

    device = Device.objects.create(
        organisation=deployment.organisation, name="Tablet Q", deployment=deployment
    )
    devices.device_pairing_code_create(device=device, by=admin)
    device.refresh_from_db()
    _, token = devices.device_pair(code=device.pairing_code)
    return deployment, admin, token


def _grow(deployment, *, to: int) -> None:
    """Bring contributions, devices and deployments of the organisation to ``to`` rows each."""
    from bench import data
    from deployments.models import Deployment
    from participation.models import Contribution, Device

    with transaction.atomic():
        themes = list(deployment.themes.values_list("pk", flat=True))
        event = deployment.events.first()
        have = Contribution.objects.filter(deployment=deployment, device__isnull=True).count()
        if to > have:
            data.insert_contributions(
                deployment_id=deployment.pk,
                count=to - have,
                theme_ids=themes,
                event_id=event.pk,
                starts_on=deployment.starts_on,
                days=3,
                centre=(deployment.site.location.x, deployment.site.location.y),
                first=have + 1,
            )
        have = Device.objects.filter(organisation=deployment.organisation).count()
        Device.objects.bulk_create(
            Device(organisation=deployment.organisation, name=f"Tablet {n}")
            for n in range(have, to)
        )
        have = Deployment.objects.filter(organisation=deployment.organisation).count()
        Deployment.objects.bulk_create(
            Deployment(
                organisation=deployment.organisation,
                site=deployment.site,
                title=f"Einsatz {n}",
                slug=f"bench-queries-{n}",
                starts_on=dt.date(2020, 1, 1) + dt.timedelta(days=n),
                ends_on=dt.date(2020, 1, 1) + dt.timedelta(days=n),
            )
            for n in range(have, to)
        )


def _count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    if getattr(response, "status_code", 200) >= 400:
        raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
    return len(queries)


def _measure(deployment, admin, token) -> dict[str, int]:
    from analysis.selectors import deployment_tables

    staff = Client()
    staff.force_login(admin)
    device = Client(HTTP_AUTHORIZATION=f"Device {token}", HTTP_ACCEPT_LANGUAGE="de")
    submission = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "idea",
        "text": "Mehr Bänke im Schatten auf dem Platz.",
        "theme": deployment.themes.first().pk,
        "location": None,
        "language": "de",
        "age_band": "27_44",
        "relation": "lives_here",
        "heard_via": "passing_by",
        "created_on_device_at": timezone.now().isoformat(),
        "consent": True,
    }
    return {
        "admin: deployment list": _count(lambda: staff.get("/admin/deployments/deployment/")),
        "admin: contribution moderation list": _count(
            lambda: staff.get(
                f"/admin/participation/contribution/?deployment__id__exact={deployment.pk}"
            )
        ),
        "admin: device list": _count(lambda: staff.get("/admin/participation/device/")),
        "kiosk: bootstrap": _count(lambda: device.get("/api/kiosk/bootstrap/")),
        "kiosk: submit": _count(
            lambda: device.post(
                "/api/kiosk/contributions/",
                data=json.dumps(submission),
                content_type="application/json",
            )
        ),
        "report data loading (deployment_tables)": _count(
            lambda: deployment_tables(deployment=deployment)
        ),
    }


def query_counts() -> dict[str, dict[str, int]]:
    """Queries per page or call at SMALL and at LARGE rows: {name: {"10": n, "10000": m}}."""
    deployment, admin, token = _setup()
    counts: dict[str, dict[str, int]] = {}
    for rows in (SMALL, LARGE):
        _grow(deployment, to=rows)
        # Each size counts the same path: the kiosk's rules read afresh, not kept from before.
        caches["local"].clear()
        for name, number in _measure(deployment, admin, token).items():
            counts.setdefault(name, {})[str(rows)] = number
    return counts
