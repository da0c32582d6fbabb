"""Audit log (issue 9, item 7): permission changes and report builds leave a trail that
managers can read (their organisations only) and nobody can change."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.test import Client

from deployments.models import AuditEntry, Membership
from reports import services as report_services
from reports.models import PortalAccess, Report
from tests.deployments.test_deployment_admin import form_data
from tests.factories import DeploymentFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.reports.jobs_support import district

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

User = get_user_model()


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


# --- Users and groups: Django's own admin pages, audited (deployments/admin_users.py) --------


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _user_change(client: Client, user, **changes) -> HttpResponse:
    """Send the user's change page back as a browser would, with ``changes`` made."""
    page = client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    return client.post(f"/admin/auth/user/{user.pk}/change/", {**form_data(page), **changes})


def _no_password_in(entry: AuditEntry, *secrets: str) -> None:
    stored = json.dumps(entry.data)
    assert "password1" not in stored
    assert "pbkdf2" not in stored
    for secret in secrets:
        assert secret not in stored


def test_flags_groups_and_permissions_of_a_user_are_audited(superuser_client) -> None:
    planning, moderation = (
        Group.objects.create(name="Planung"),
        Group.objects.create(name="Moderation"),
    )
    murat = UserFactory(username="murat", is_staff=False)
    murat.groups.add(planning)

    response = _user_change(
        superuser_client,
        murat,
        is_staff=True,
        is_superuser=True,
        groups=[moderation.pk],
        user_permissions=[_permission("deployments.view_auditentry").pk],
        email="murat@kiezlabor.example",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _entry("user.change")
    assert entry.actor.username == "root"
    assert entry.target_repr == "murat"
    assert entry.target_id == str(murat.pk)
    assert entry.data == {
        "user": "murat",
        "is_staff": {"from": False, "to": True},
        "is_superuser": {"from": False, "to": True},
        "groups": {"added": ["Moderation"], "removed": ["Planung"]},
        "user_permissions": {"added": ["deployments.view_auditentry"], "removed": []},
        "fields": ["email"],
    }
    _no_password_in(entry, murat.password)

    _user_change(superuser_client, murat, is_active=False, is_superuser=False, groups=[])

    withdrawn = AuditEntry.objects.filter(action="user.change").first()  # newest first
    assert withdrawn.data == {
        "user": "murat",
        "is_active": {"from": True, "to": False},
        "is_superuser": {"from": True, "to": False},
        "groups": {"added": [], "removed": ["Moderation"]},
    }
    assert AuditEntry.objects.filter(action="user.change").count() == 2


def test_a_new_account_is_audited_without_its_password(superuser_client) -> None:
    response = superuser_client.post(
        "/admin/auth/user/add/",
        {
            "username": "neu-im-team",
            "usable_password": "true",
            "password1": "Kiez-Labor-2026!",
            "password2": "Kiez-Labor-2026!",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _entry("user.add")
    assert entry.actor.username == "root"
    assert entry.data == {
        "user": "neu-im-team",
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "groups": [],
        "user_permissions": [],
        "usable_password": True,
    }
    _no_password_in(entry, "Kiez-Labor-2026!", User.objects.get(username="neu-im-team").password)


def test_a_password_change_is_audited_as_such_without_the_value(superuser_client) -> None:
    erika = UserFactory(username="erika")
    old_hash = erika.password
    url = f"/admin/auth/user/{erika.pk}/password/"

    refused = superuser_client.post(url, {"password1": "Neu-2026-Kiez!", "password2": "anders"})
    assert refused.status_code == 200
    assert not AuditEntry.objects.exists()

    response = superuser_client.post(
        url, {"password1": "Neu-2026-Kiez!", "password2": "Neu-2026-Kiez!"}
    )

    assert response.status_code == 302
    erika.refresh_from_db()
    assert erika.check_password("Neu-2026-Kiez!")
    entry = _entry("user.password_change")
    assert entry.actor.username == "root"
    assert entry.data == {"user": "erika", "usable_password": True}
    _no_password_in(entry, "Neu-2026-Kiez!", old_hash, erika.password)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["user.password_change"]


def test_deleting_users_is_audited_one_by_one(superuser_client) -> None:
    moderation = Group.objects.create(name="Moderation")
    leaving, also_leaving = UserFactory(username="geht"), UserFactory(username="geht-auch")
    leaving.groups.add(moderation)

    superuser_client.post(f"/admin/auth/user/{leaving.pk}/delete/", {"post": "yes"})
    superuser_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [also_leaving.pk], "post": "yes"},
    )

    assert not User.objects.filter(username__startswith="geht").exists()
    deleted = {
        entry.target_repr: entry for entry in AuditEntry.objects.filter(action="user.delete")
    }
    assert set(deleted) == {"geht", "geht-auch"}
    assert deleted["geht"].data == {
        "user": "geht",
        "is_active": True,
        "is_staff": True,
        "is_superuser": False,
        "groups": ["Moderation"],
        "user_permissions": [],
    }
    assert deleted["geht"].target_id == str(leaving.pk)
    assert deleted["geht-auch"].actor.username == "root"


def test_a_groups_permissions_are_audited(superuser_client) -> None:
    view, change = _permission("deployments.view_site"), _permission("deployments.change_site")
    superuser_client.post("/admin/auth/group/add/", {"name": "Standorte", "permissions": [view.pk]})
    group = Group.objects.get(name="Standorte")
    UserFactory(username="tina").groups.add(group)

    superuser_client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Standorte (Pflege)", "permissions": [change.pk]},
    )
    superuser_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})

    assert _entry("group.add").data == {
        "group": "Standorte",
        "permissions": ["deployments.view_site"],
    }
    assert _entry("group.change").data == {
        "group": "Standorte (Pflege)",
        "name": {"from": "Standorte", "to": "Standorte (Pflege)"},
        "permissions": {
            "added": ["deployments.change_site"],
            "removed": ["deployments.view_site"],
        },
    }
    assert _entry("group.delete").data == {
        "group": "Standorte (Pflege)",
        "permissions": ["deployments.change_site"],
        "users": ["tina"],
    }
    assert _entry("group.delete").actor.username == "root"


def test_staff_cannot_open_the_user_admin_to_promote_themselves() -> None:
    staff = MembershipFactory(role=Membership.Role.MANAGER).user
    client = Client()
    client.force_login(staff)

    assert client.get("/admin/auth/user/").status_code == 403
    promote = client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {"username": staff.username, "is_staff": "on", "is_superuser": "on"},
    )

    assert promote.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert client.get("/admin/auth/group/").status_code == 403


@pytest.fixture
def user_manager() -> tuple[Client, object]:
    """Staff who were given Django's "change user" and "change group" permissions."""
    manager = UserFactory(username="personal")
    manager.user_permissions.add(
        *(
            _permission(label)
            for label in (
                "auth.view_user",
                "auth.add_user",
                "auth.change_user",
                "auth.view_group",
                "auth.change_group",
            )
        )
    )
    client = Client()
    client.force_login(manager)
    return client, manager


def test_change_user_permission_is_no_way_to_become_superuser(user_manager) -> None:
    client, manager = user_manager
    admins = Group.objects.create(name="Alles")
    admins.permissions.add(_permission("auth.change_permission"))
    colleague = UserFactory(username="kollegin", is_staff=False)
    root = UserFactory(username="root", is_superuser=True)

    own = _user_change(
        client,
        manager,
        is_superuser=True,
        groups=[admins.pk],
        user_permissions=[_permission("deployments.delete_organisation").pk],
    )
    other = _user_change(client, colleague, is_staff=True, is_superuser=True)

    assert own.status_code == other.status_code == 302
    manager.refresh_from_db()
    colleague.refresh_from_db()
    assert not manager.is_superuser
    assert list(manager.groups.all()) == []
    assert not manager.has_perm("deployments.delete_organisation")
    assert (colleague.is_staff, colleague.is_superuser) == (True, False)
    trail = {
        entry.target_repr: entry.data for entry in AuditEntry.objects.filter(action="user.change")
    }
    assert trail == {
        "personal": {"user": "personal"},  # the attempt is on record, and changed nothing
        "kollegin": {"user": "kollegin", "is_staff": {"from": False, "to": True}},
    }
    # A superuser's account, password included, is out of reach.
    assert client.post(f"/admin/auth/user/{root.pk}/change/", {"username": "x"}).status_code == 403
    password = {"password1": "Uebernahme-2026!", "password2": "Uebernahme-2026!"}
    assert client.post(f"/admin/auth/user/{root.pk}/password/", password).status_code == 403
    assert client.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    root.refresh_from_db()
    assert root.check_password("correct-horse-battery")
    # Nor can a group be given more permissions.
    client.post(
        f"/admin/auth/group/{admins.pk}/change/",
        {"name": "Alles", "permissions": [_permission("auth.add_permission").pk]},
    )
    assert _codenames_of(admins) == ["change_permission"]


def _codenames_of(group: Group) -> list[str]:
    return sorted(group.permissions.values_list("codename", flat=True))
