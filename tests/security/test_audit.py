"""Audit log (issue 9, item 7): permission changes and report builds leave a trail that
managers can read (their organisations only) and nobody can change."""

from __future__ import annotations

import pytest
from django.test import Client

from deployments.models import AuditEntry, Membership
from reports import services as report_services
from reports.models import PortalAccess, Report
from tests.factories import DeploymentFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.reports.jobs_support import district

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def superuser_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def _entry(action: str) -> AuditEntry:
    return AuditEntry.objects.get(action=action)


def test_granting_changing_and_removing_a_membership_is_audited(superuser_client) -> None:
    organisation = OrganisationFactory(name="Stadtlabor Nord")
    murat = UserFactory(username="murat")

    added = superuser_client.post(
        "/admin/deployments/membership/add/",
        {"user": murat.pk, "organisation": organisation.pk, "role": "staff"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    membership = Membership.objects.get(user=murat)
    superuser_client.post(
        f"/admin/deployments/membership/{membership.pk}/change/",
        {"user": murat.pk, "organisation": organisation.pk, "role": "manager"},
    )
    superuser_client.post(f"/admin/deployments/membership/{membership.pk}/delete/", {"post": "yes"})

    assert not Membership.objects.filter(user=murat).exists()
    add, change, delete = (
        _entry("membership.add"),
        _entry("membership.change"),
        _entry("membership.delete"),
    )
    assert add.actor.username == "root"
    assert add.organisation == organisation
    assert add.data == {"user": "murat", "organisation": "Stadtlabor Nord", "role": "staff"}
    assert change.data["role"] == "manager"
    assert change.data["before"] == {"role": "staff"}
    assert delete.data["role"] == "manager"
    assert delete.target_id == str(membership.pk)


def test_giving_the_administration_portal_access_is_audited(superuser_client) -> None:
    kreuzberg = district()
    reader = UserFactory(username="ba-xhain", is_staff=False)

    response = superuser_client.post(
        "/admin/reports/portalaccess/add/",
        {"user": reader.pk, "districts": [kreuzberg.pk], "note": "Bezirksamt"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    access = PortalAccess.objects.get(user=reader)
    superuser_client.post(f"/admin/reports/portalaccess/{access.pk}/delete/", {"post": "yes"})

    granted = _entry("portal_access.add")
    assert granted.data["user"] == "ba-xhain"
    assert granted.data["districts"] == [kreuzberg.code]
    assert granted.actor.username == "root"
    assert _entry("portal_access.delete").data["districts"] == [kreuzberg.code]


def test_a_report_leaves_request_done_and_failed_entries() -> None:
    staff = MembershipFactory().user
    deployment = DeploymentFactory(organisation=staff.memberships.get().organisation)
    report = report_services.report_create(deployment=deployment, language="de", by=staff)
    Report.objects.filter(pk=report.pk).update(state=Report.State.RUNNING)
    report.refresh_from_db()

    report_services._report_store(report, pdf=b"%PDF-1.7\n%%EOF\n", page_count=12)
    report_services.report_fail(report_id=report.pk, message="Kein Speicherplatz mehr.")
    report_services.report_fail(report_id=0, message="gibt es nicht")  # nothing to record

    actions = list(
        AuditEntry.objects.filter(target_id=str(report.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["report.request", "report.done", "report.fail"]
    assert _entry("report.request").actor == staff
    assert _entry("report.done").data == {"pages": 12}
    assert _entry("report.fail").data == {"error": "Kein Speicherplatz mehr."}
    assert _entry("report.fail").organisation == deployment.organisation


@pytest.fixture
def two_organisations():
    north, south = OrganisationFactory(name="Nord"), OrganisationFactory(name="Süd")
    north_report = report_services.report_create(
        deployment=DeploymentFactory(organisation=north), language="de", by=None
    )
    south_report = report_services.report_create(
        deployment=DeploymentFactory(organisation=south), language="de", by=None
    )
    return north, south, north_report, south_report


def test_managers_read_their_organisations_trail_only(two_organisations) -> None:
    north, _south, north_report, south_report = two_organisations
    manager = MembershipFactory(organisation=north, role=Membership.Role.MANAGER).user
    client = Client()
    client.force_login(manager)

    listing = client.get("/admin/deployments/auditentry/")

    assert listing.status_code == 200
    shown = [entry.pk for entry in listing.context["cl"].result_list]
    assert shown == list(
        AuditEntry.objects.filter(target_id=str(north_report.pk)).values_list("pk", flat=True)
    )
    south_entry = AuditEntry.objects.get(target_id=str(south_report.pk))
    assert client.get(f"/admin/deployments/auditentry/{south_entry.pk}/change/").status_code == 302
    filtered = client.get("/admin/deployments/auditentry/", {"action": "report.request"})
    assert filtered.status_code == 200


def test_staff_who_are_not_managers_do_not_see_the_trail(two_organisations) -> None:
    north, *_ = two_organisations
    staff = MembershipFactory(organisation=north, role=Membership.Role.STAFF).user
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/deployments/auditentry/").status_code == 403


def test_nobody_can_write_or_delete_the_trail(superuser_client, two_organisations) -> None:
    entry = AuditEntry.objects.first()

    assert superuser_client.get("/admin/deployments/auditentry/").status_code == 200
    assert superuser_client.get("/admin/deployments/auditentry/add/").status_code == 403
    assert (
        superuser_client.post(
            f"/admin/deployments/auditentry/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    detail = superuser_client.get(f"/admin/deployments/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
