"""Who sees which site analyses: staff of the organisation, administration users of a district
or an organisation, superusers — and nobody else, whichever way they ask (portal, API, admin,
a guessed file URL)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import Client

from deployments.models import Membership
from reports.models import PortalAccess, Report
from reports.selectors import deployments_for_portal, reports_for_user
from tests.factories import (
    DeploymentFactory,
    MembershipFactory,
    OrganisationFactory,
    SiteFactory,
    UserFactory,
)
from tests.reports.jobs_support import district, drain, stored_export, stored_report

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NEUKOELLN = Point(13.4395, 52.4811, srid=4326)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def world():
    """One lab with a deployment in Neukölln (district A) and one in Friedrichshain-Kreuzberg
    (district B); another lab's deployment in district A; people of every role."""
    neukoelln = district(code="08", name="Neukölln", center=NEUKOELLN)
    kreuzberg = district(code="02", name="Friedrichshain-Kreuzberg")
    lab = OrganisationFactory(name="Kiezlabor Berlin")
    other_lab = OrganisationFactory(name="Stadtlabor Spandau")

    def deployment(organisation, area, title):
        site = SiteFactory(organisation=organisation, name=f"Platz in {area.name}")
        site.areas.set([area])
        return DeploymentFactory(organisation=organisation, site=site, title=title)

    in_a = deployment(lab, neukoelln, "Kiezlabor am Richardplatz")
    in_b = deployment(lab, kreuzberg, "Kiezlabor am Boxi")
    other_in_a = deployment(other_lab, neukoelln, "Stadtlabor am Hermannplatz")
    people = {
        "staff": MembershipFactory(organisation=lab).user,
        "manager": MembershipFactory(organisation=lab, role=Membership.Role.MANAGER).user,
        "other_staff": MembershipFactory(organisation=other_lab).user,
        "district_a": _portal_user("ba-neukoelln", districts=[neukoelln]),
        "district_b": _portal_user("ba-xhain", districts=[kreuzberg]),
        "senate": _portal_user("senatskanzlei", organisations=[lab]),
        "nobody": UserFactory(username="niemand", is_staff=False),
        "superuser": UserFactory(username="root", is_superuser=True),
    }
    reports = {
        "a": stored_report(in_a),
        "b": stored_report(in_b),
        "other_a": stored_report(other_in_a),
    }
    return {"people": people, "reports": reports, "deployments": (in_a, in_b, other_in_a)}


def _portal_user(username, *, districts=(), organisations=()):
    user = UserFactory(username=username, is_staff=False)
    access = PortalAccess.objects.create(user=user, note="Bezirksamt")
    access.districts.set(districts)
    access.organisations.set(organisations)
    return user


VISIBLE = {
    "staff": {"a", "b"},
    "manager": {"a", "b"},
    "other_staff": {"other_a"},
    "district_a": {"a", "other_a"},
    "district_b": {"b"},
    "senate": {"a", "b"},
    "nobody": set(),
    "superuser": {"a", "b", "other_a"},
}


@pytest.mark.parametrize("who", VISIBLE)
def test_each_role_sees_exactly_its_reports(world, who) -> None:
    user = world["people"][who]
    reports = world["reports"]

    listed = set(reports_for_user(user=user).values_list("pk", flat=True))
    by_rule = {
        name for name, report in reports.items() if user.has_perm("reports.view_report", report)
    }

    assert listed == {reports[name].pk for name in VISIBLE[who]}
    assert by_rule == VISIBLE[who]


@pytest.mark.parametrize(
    ("who", "add", "delete"),
    [
        ("staff", True, False),
        ("manager", True, True),
        ("other_staff", False, False),
        ("district_a", False, False),
        ("senate", False, False),
        ("superuser", True, True),
    ],
)
def test_staff_start_reports_managers_delete_them(world, who, add, delete) -> None:
    user = world["people"][who]
    report = world["reports"]["a"]

    assert user.has_perm("reports.add_report", report.deployment) is add
    assert user.has_perm("reports.delete_report", report) is delete


def test_portal_accesses_are_for_superusers_only(world) -> None:
    people = world["people"]
    assert people["superuser"].has_perm("reports.change_portalaccess")
    for who in ("manager", "senate", "district_a"):
        assert not people[who].has_perm("reports.view_portalaccess")


def test_an_inactive_administration_user_sees_nothing(world) -> None:
    user = world["people"]["district_a"]
    user.is_active = False
    user.save()

    assert not reports_for_user(user=user).exists()
    assert not user.has_perm("reports.view_report", world["reports"]["a"])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_district_a_gets_404_for_district_bs_report_however_it_asks(world) -> None:
    report_b = world["reports"]["b"]
    client = _client(world["people"]["district_a"])

    assert client.get(f"/portal/berichte/{report_b.pk}/pdf/").status_code == 404
    assert client.get(f"/api/reports/{report_b.pk}/").status_code == 404
    assert client.get(f"/api/reports/{report_b.pk}/download/").status_code == 404
    status = client.get(f"/portal/berichte/stand/?ids={report_b.pk}").json()
    assert status == {"reports": []}
    # Not staff: the admin's download is behind the admin login.
    admin_download = client.get(f"/admin/reports/report/{report_b.pk}/herunterladen/")
    assert admin_download.status_code == 302
    assert "/admin/login/" in admin_download["Location"]


def test_district_a_downloads_its_own_report(world) -> None:
    report_a = world["reports"]["a"]
    client = _client(world["people"]["district_a"])

    response = client.get(f"/portal/berichte/{report_a.pk}/pdf/")

    assert response.status_code == 200
    assert drain(response).startswith(b"%PDF")
    api = client.get(f"/api/reports/{report_a.pk}/download/")
    assert api.status_code == 200
    drain(api)


def test_report_files_have_no_public_url(world) -> None:
    report_b = world["reports"]["b"]
    assert report_b.file.name.startswith("reports/")
    for user in (None, world["people"]["district_a"], world["people"]["staff"]):
        client = _client(user) if user else Client()
        for url in (
            f"/{settings.MEDIA_URL.strip('/')}/{report_b.file.name}",
            f"/{report_b.file.name}",
        ):
            assert client.get(url).status_code == 404, url


def test_staff_of_another_organisation_get_404_in_the_api_and_the_admin(world) -> None:
    report_a = world["reports"]["a"]
    client = _client(world["people"]["other_staff"])

    assert client.get(f"/api/reports/{report_a.pk}/download/").status_code == 404
    assert client.get(f"/admin/reports/report/{report_a.pk}/herunterladen/").status_code == 404
    assert client.get(f"/admin/reports/report/{report_a.pk}/change/").status_code == 302


def test_administration_users_may_not_start_reports_through_the_api(world) -> None:
    in_a = world["deployments"][0]
    client = _client(world["people"]["district_a"])

    response = client.post(
        "/api/reports/", {"deployment": in_a.pk, "language": "de"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Report.objects.filter(deployment=in_a).count() == 1


def test_exports_in_the_portal_plain_ones_for_the_administration_only(world) -> None:
    in_a = world["deployments"][0]
    plain = stored_export(in_a)
    moderated = stored_export(in_a, for_moderators=True)
    district_a = _client(world["people"]["district_a"])
    district_b = _client(world["people"]["district_b"])

    response = district_a.get(f"/portal/exporte/{plain.pk}/datei/")
    assert response.status_code == 200
    drain(response)
    assert district_a.get(f"/portal/exporte/{moderated.pk}/datei/").status_code == 403
    assert district_b.get(f"/portal/exporte/{plain.pk}/datei/").status_code == 404


def test_the_scoped_lists_cost_the_same_queries_for_many_reports(
    world, django_assert_num_queries
) -> None:
    user = world["people"]["district_a"]
    with django_assert_num_queries(1):
        few = list(reports_for_user(user=user))
    for _ in range(5):
        stored_report(world["deployments"][0])
        stored_report(world["deployments"][2])
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        many = list(reports_for_user(user=user))
    assert len(many) == len(few) + 10
    with django_assert_num_queries(4):  # deployments, their districts, reports, exports
        deployments = list(deployments_for_portal(user=user))
    assert [d.title for d in deployments] == [
        "Kiezlabor am Richardplatz",
        "Stadtlabor am Hermannplatz",
    ]


def test_only_superusers_manage_portal_accesses_in_the_admin(world) -> None:
    superuser = _client(world["people"]["superuser"])
    manager = _client(world["people"]["manager"])

    assert superuser.get("/admin/reports/portalaccess/").status_code == 200
    page = superuser.get("/admin/reports/portalaccess/add/")
    assert page.status_code == 200
    assert 'name="districts"' in page.content.decode()
    assert manager.get("/admin/reports/portalaccess/").status_code == 403
