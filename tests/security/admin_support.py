"""The admin pages with inline code of their own or of a library, with data that fills them.

Shared by the policy's header checks (``test_hardening.py``) and the browser checks
(``test_admin_csp_browser.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from deployments.models import Area, Deployment, Site
from participation.models import Device, ImportJob, ImportProfile, WorkshopResult
from participation.services import records
from participation.services.devices import device_pairing_code_create
from participation.services.imports import import_job_create, import_preview
from participation.services.records import GroupCount
from tests.factories import AreaFactory, DeploymentFactory, EventFactory, UserFactory, berlin_time
from tests.participation.test_imports import FILES, PAPER_MAPPING, PAPER_VALUE_MAPS

SUPERUSER = "chefin"
MAP_PAGES = ("site", "area")


@dataclass
class AdminData:
    """A deployment with events, records, a tablet waiting to pair and a previewed import."""

    deployment: Deployment
    site: Site
    area: Area
    device: Device
    import_job: ImportJob


@pytest.fixture(name="admin_data")
def admin_data_fixture(settings, tmp_path) -> AdminData:
    """Import it into a test module to use it there."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }
    boss = UserFactory(username=SUPERUSER, is_superuser=True)
    today = timezone.localdate()
    deployment = DeploymentFactory(
        title="Kiezlabor am Boxhagener Platz",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )
    area = AreaFactory(name="Frankfurter Allee Süd")
    deployment.site.areas.add(area)
    EventFactory(
        deployment=deployment,
        title="Reparatur-Café",
        starts_at=berlin_time(today, 15),
        ends_at=berlin_time(today, 17),
    )
    EventFactory(
        deployment=deployment,
        title="Kiezspaziergang",
        starts_at=berlin_time(today + dt.timedelta(days=7), 10),
        ends_at=berlin_time(today + dt.timedelta(days=7), 12),
        state="cancelled",
        cancel_reason="Regen",
        cancelled_on=today,
    )
    records.visitor_counts_record(
        deployment=deployment,
        hour_starts_at=berlin_time(today, 15),
        counts=[GroupCount(count=7, age_band="27_44")],
        by=boss,
    )
    records.workshop_result_record(
        deployment=deployment,
        by=boss,
        title="Kiezwerkstatt",
        method=WorkshopResult.Method.WORLD_CAFE,
        participants=9,
        held_on=today,
        statements=["Mehr Schatten", "Zebrastreifen an der Schule"],
    )
    device = Device.objects.create(
        organisation=deployment.organisation, name="Tablet 1", deployment=deployment
    )
    device_pairing_code_create(device=device, by=boss)
    profile = ImportProfile.objects.create(
        organisation=deployment.organisation,
        name="Papierbögen",
        target=ImportProfile.Target.PAPER_FORMS,
        mapping=PAPER_MAPPING,
        value_maps=PAPER_VALUE_MAPS,
    )
    job = import_job_create(
        deployment=deployment,
        profile=profile,
        uploaded_file=SimpleUploadedFile(
            "boegen.csv", (FILES / "paper_broken_row.csv").read_bytes()
        ),
        by=boss,
    )
    import_preview(job=job)
    return AdminData(deployment, deployment.site, area, device, job)


def admin_pages(data: AdminData) -> dict[str, str]:
    """Name -> URL of each admin page to check; the map widget is on ``MAP_PAGES``."""
    deployment = data.deployment.pk
    return {
        "index": reverse("admin:index"),
        "deployments": reverse("admin:deployments_deployment_changelist"),
        "deployment": reverse("admin:deployments_deployment_change", args=[deployment]),
        "timeline": reverse("admin:deployments_deployment_timeline", args=[deployment]),
        "site": reverse("admin:deployments_site_change", args=[data.site.pk]),
        "area": reverse("admin:deployments_area_change", args=[data.area.pk]),
        "site-selection": reverse("admin:deployments_site_selection"),
        "pairing": reverse("admin:participation_device_pairing", args=[data.device.pk]),
        "deployment-data": reverse("admin:participation_deployment_data", args=[deployment]),
        "import": reverse("admin:participation_importjob_change", args=[data.import_job.pk]),
        # Django's own widgets: calendars, related-object links, select2, filters.
        "deployment-add": reverse("admin:deployments_deployment_add"),
        "event-add": reverse("admin:deployments_event_add"),
        "membership-add": reverse("admin:deployments_membership_add"),
        "note": reverse("admin:participation_record_note") + f"?deployment={deployment}",
        "workshop-add": reverse("admin:participation_workshopresult_add"),
        "import-upload": reverse("admin:participation_importjob_add"),
        "export": reverse("admin:participation_exportjob_create", args=[deployment]),
        "report-request": reverse("admin:reports_report_request"),
        "contributions": reverse("admin:participation_contribution_changelist"),
        "routings": reverse("admin:participation_routing_changelist"),
        "sites": reverse("admin:deployments_site_changelist"),
        "recommendations": reverse("admin:analysis_recommendation_changelist"),
    }
