"""Who may do what, as one table: role × object × action → what the server answers.

The table ``MATRIX`` below is the documentation. Each row is one URL (admin, API, portal or a
file download) on an object of organisation A; each column a role. Outcomes:

- ``OK`` 200; ``LISTED`` / ``UNLISTED`` 200 on a list, with or without the object in it;
- ``LOGIN`` a redirect to the login page (admin or portal);
- ``HIDDEN`` the admin redirects to its start page ("does not exist"): the object is out of
  the user's scope; ``DENIED`` 401/403; ``MISSING`` 404.

Organisation A runs deployment A in district A; organisation B is another lab. The
administration reader has portal access for district A (not a member of any organisation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from analysis.models import Recommendation
from deployments.models import Membership
from participation.models import ImportJob, ImportProfile, ModerationStatus
from reports.models import PortalAccess
from tests.factories import (
    ContributionFactory,
    DeploymentFactory,
    DeviceFactory,
    MembershipFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)
from tests.reports.jobs_support import district, stored_export, stored_report

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

OK, LISTED, UNLISTED = "200", "listed", "unlisted"
LOGIN, HIDDEN, DENIED, MISSING = "login", "hidden", "denied", "404"

ROLES = (
    "anonymous",
    "device",
    "staff_a",
    "staff_b",
    "moderator_a",
    "manager_a",
    "reader",
    "superuser",
)


def row(*outcomes: str) -> dict[str, str]:
    assert len(outcomes) == len(ROLES)
    return dict(zip(ROLES, outcomes, strict=True))


# Columns:        anonymous device  staff_a   staff_b   moderator manager  reader    superuser
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    # Deployments: planning belongs to the organisation's team.
    ("deployment", "admin changelist"): row(
        LOGIN, LOGIN, LISTED, UNLISTED, LISTED, LISTED, LOGIN, LISTED
    ),
    ("deployment", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
    ("deployment", "api list"): row(
        DENIED, DENIED, LISTED, UNLISTED, LISTED, LISTED, DENIED, LISTED
    ),
    ("deployment", "api detail"): row(DENIED, DENIED, OK, MISSING, OK, OK, DENIED, OK),
    # An approved input: the whole team sees it (the contribution admin answers 404, not the
    # admin's usual redirect, for another organisation's input).
    ("contribution approved", "admin change"): row(LOGIN, LOGIN, OK, MISSING, OK, OK, LOGIN, OK),
    ("contribution approved", "api detail"): row(DENIED, DENIED, OK, MISSING, OK, OK, DENIED, OK),
    # A new (unmoderated) input: only moderators see it and may qualify it; for the team it
    # does not exist, and moderation actions are refused before any object is looked up.
    ("contribution new", "admin changelist"): row(
        LOGIN, LOGIN, UNLISTED, UNLISTED, LISTED, LISTED, LOGIN, LISTED
    ),
    ("contribution new", "api list"): row(
        DENIED, DENIED, UNLISTED, UNLISTED, LISTED, LISTED, DENIED, LISTED
    ),
    ("contribution new", "api approve"): row(DENIED, DENIED, DENIED, DENIED, OK, OK, DENIED, OK),
    ("contribution new", "api detail"): row(DENIED, DENIED, MISSING, MISSING, OK, OK, DENIED, OK),
    # A plain CSV export (approved inputs, no per-person answers). The staff API is for
    # organisation members; administration readers download in the portal.
    ("export", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
    ("export", "admin download"): row(LOGIN, LOGIN, OK, MISSING, OK, OK, LOGIN, OK),
    ("export", "api detail"): row(DENIED, DENIED, OK, MISSING, OK, OK, DENIED, OK),
    ("export", "api download"): row(DENIED, DENIED, OK, MISSING, OK, OK, DENIED, OK),
    ("export", "portal download"): row(LOGIN, LOGIN, OK, MISSING, OK, OK, OK, OK),
    # An export for moderators (unapproved inputs, people's answers): not for the team.
    ("export for moderators", "admin download"): row(
        LOGIN, LOGIN, DENIED, MISSING, OK, OK, LOGIN, OK
    ),
    ("export for moderators", "api download"): row(
        DENIED, DENIED, DENIED, MISSING, OK, OK, DENIED, OK
    ),
    ("export for moderators", "portal download"): row(
        LOGIN, LOGIN, DENIED, MISSING, OK, OK, DENIED, OK
    ),
    # A finished site analysis and its PDF: the team, the district's administration.
    ("report", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
    ("report", "admin download"): row(LOGIN, LOGIN, OK, MISSING, OK, OK, LOGIN, OK),
    ("report", "api list"): row(DENIED, DENIED, LISTED, UNLISTED, LISTED, LISTED, LISTED, LISTED),
    ("report", "api detail"): row(DENIED, DENIED, OK, MISSING, OK, OK, OK, OK),
    ("report", "api download"): row(DENIED, DENIED, OK, MISSING, OK, OK, OK, OK),
    ("report", "portal index"): row(LOGIN, LOGIN, OK, OK, OK, OK, OK, OK),
    ("report", "portal download"): row(LOGIN, LOGIN, OK, MISSING, OK, OK, OK, OK),
    # No storage URL serves files: a guessed path is not found, for anyone.
    ("report", "media url"): row(*[MISSING] * len(ROLES)),
    # A tablet of organisation A.
    ("device", "admin changelist"): row(
        LOGIN, LOGIN, LISTED, UNLISTED, LISTED, LISTED, LOGIN, LISTED
    ),
    ("device", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
    ("device", "kiosk bootstrap"): row(DENIED, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    # An import job of organisation A.
    ("import", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
    ("import", "api detail"): row(DENIED, DENIED, OK, MISSING, OK, OK, DENIED, OK),
    # A recommendation of the site analysis of deployment A.
    ("recommendation", "admin changelist"): row(
        LOGIN, LOGIN, LISTED, UNLISTED, LISTED, LISTED, LOGIN, LISTED
    ),
    ("recommendation", "admin change"): row(LOGIN, LOGIN, OK, HIDDEN, OK, OK, LOGIN, OK),
}


# --- The world ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": None, "kiosk_address": None}


NEUKOELLN = Point(13.4395, 52.4811, srid=4326)


@pytest.fixture
def world(settings, tmp_path) -> dict:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return _world()


def _world() -> dict:
    area_a = district(code="08", name="Neukölln", center=NEUKOELLN)
    lab_a = OrganisationFactory(name="Kiezlabor Berlin")
    lab_b = OrganisationFactory(name="Stadtlabor Spandau")
    site = SiteFactory(organisation=lab_a, name="Richardplatz")
    site.areas.set([area_a])
    deployment = DeploymentFactory(organisation=lab_a, site=site, title="Kiezlabor Richardplatz")
    DeploymentFactory(organisation=lab_b, title="Stadtlabor Spandau")

    reader = UserFactory(username="ba-neukoelln", is_staff=False)
    PortalAccess.objects.create(user=reader, note="Bezirksamt Neukölln").districts.set([area_a])
    people = {
        "staff_a": MembershipFactory(organisation=lab_a).user,
        "staff_b": MembershipFactory(organisation=lab_b).user,
        "moderator_a": MembershipFactory(organisation=lab_a, role=Membership.Role.MODERATOR).user,
        "manager_a": MembershipFactory(organisation=lab_a, role=Membership.Role.MANAGER).user,
        "reader": reader,
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    device = DeviceFactory(organisation=lab_a, deployment=deployment)
    from participation.services import devices

    devices.device_pairing_code_create(device=device, by=people["manager_a"])
    device, token = devices.device_pair(code=device.pairing_code)

    profile = ImportProfile.objects.create(
        organisation=lab_a, name="Papierbögen", target="paper_forms", mapping={}, value_maps={}
    )
    import_job = ImportJob(
        deployment=deployment, profile=profile, original_name="boegen.csv", file_hash="0" * 64
    )
    import_job.file.save("boegen.csv", ContentFile(b"Datum;Art\r\n"), save=False)
    import_job.save()
    objects = {
        "deployment": deployment,
        "contribution approved": ContributionFactory(
            deployment=deployment, moderation_status=ModerationStatus.APPROVED
        ),
        "contribution new": ContributionFactory(
            deployment=deployment, moderation_status=ModerationStatus.NEW
        ),
        "export": stored_export(deployment),
        "export for moderators": stored_export(deployment, for_moderators=True),
        "report": stored_report(deployment),
        "device": device,
        "import": import_job,
        "recommendation": Recommendation.objects.create(
            deployment=deployment,
            finding="Ältere kommen selten.",
            action="Sitzbänke aufstellen.",
            addressee="Bezirksamt",
        ),
    }
    return {"people": people, "objects": objects, "device_token": token}


# --- How each action is asked ---------------------------------------------------------------

ADMIN = {
    "deployment": "deployments_deployment",
    "contribution approved": "participation_contribution",
    "contribution new": "participation_contribution",
    "export": "participation_exportjob",
    "export for moderators": "participation_exportjob",
    "report": "reports_report",
    "device": "participation_device",
    "import": "participation_importjob",
    "recommendation": "analysis_recommendation",
}
API = {
    "deployment": "deployment",
    "contribution approved": "moderation-contribution",
    "contribution new": "moderation-contribution",
    "export": "export",
    "export for moderators": "export",
    "report": "report",
    "import": "importjob",
}


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: dict | None = None


def admin_change_url(target: str, obj) -> str:
    return reverse(f"admin:{ADMIN[target]}_change", args=[obj.pk])


ACTIONS: dict[str, Callable[[str, object], Request]] = {
    "admin changelist": lambda t, o: Request("GET", reverse(f"admin:{ADMIN[t]}_changelist")),
    "admin change": lambda t, o: Request("GET", admin_change_url(t, o)),
    "admin download": lambda t, o: Request(
        "GET", reverse(f"admin:{ADMIN[t]}_download", args=[o.pk])
    ),
    "api list": lambda t, o: Request("GET", reverse(f"{API[t]}-list")),
    "api detail": lambda t, o: Request("GET", reverse(f"{API[t]}-detail", args=[o.pk])),
    "api download": lambda t, o: Request("GET", reverse(f"{API[t]}-download", args=[o.pk])),
    "api approve": lambda t, o: Request("POST", reverse(f"{API[t]}-approve", args=[o.pk]), {}),
    "portal index": lambda t, o: Request("GET", reverse("reports:index")),
    "portal download": lambda t, o: Request(
        "GET",
        reverse("reports:download" if t == "report" else "reports:export", args=[o.pk]),
    ),
    "media url": lambda t, o: Request("GET", f"/media/{o.file.name}"),
    "kiosk bootstrap": lambda t, o: Request("GET", reverse("kiosk-bootstrap")),
}


def client_for(role: str, world: dict) -> Client:
    if role == "anonymous":
        return Client()
    if role == "device":
        return Client(HTTP_AUTHORIZATION=f"Device {world['device_token']}")
    client = Client()
    client.force_login(world["people"][role])
    return client


def outcome(response, *, target: str, action: str, obj) -> str:
    status = response.status_code
    if status == 302:
        location = response["Location"]
        return LOGIN if "login" in location or "anmelden" in location else HIDDEN
    if status in (401, 403):
        return DENIED
    if status != 200:
        return str(status)
    if action == "admin changelist":
        return LISTED if admin_change_url(target, obj) in response.content.decode() else UNLISTED
    if action == "api list":
        data = response.json()
        ids = [item["id"] for item in data.get("results", data)]
        return LISTED if obj.pk in ids else UNLISTED
    return OK


def answer_of(world: dict, target: str, action: str, role: str) -> str:
    obj = world["objects"][target]
    request = ACTIONS[action](target, obj)
    client = client_for(role, world)
    if request.method == "GET":
        response = client.get(request.url)
    else:
        response = client.post(request.url, request.body, content_type="application/json")
    if response.streaming:
        # Reading a download to its end lets the test client close the file (and only it:
        # response.close() would also close the database connection, as a server does).
        b"".join(response.streaming_content)
    return outcome(response, target=target, action=action, obj=obj)


# One test per row (the world is built once for all eight roles); every write a role makes
# is undone before the next role asks, so each cell starts from the same state.
@pytest.mark.parametrize(
    ("target", "action"), [pytest.param(*key, id=f"{key[0]}|{key[1]}") for key in MATRIX]
)
def test_permission_matrix(world, target, action) -> None:
    expected = MATRIX[target, action]
    answers = {}
    for role in ROLES:
        with transaction.atomic():
            answers[role] = answer_of(world, target, action, role)
            transaction.set_rollback(True)

    wrong = {
        role: f"{answers[role]} (expected {expected[role]})"
        for role in ROLES
        if answers[role] != expected[role]
    }
    assert not wrong, wrong


def test_the_matrix_covers_every_role_for_every_row() -> None:
    assert all(set(cells) == set(ROLES) for cells in MATRIX.values())
