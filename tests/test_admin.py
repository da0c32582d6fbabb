"""The admin speaks German by default and shows the team the apps it works in."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]


def test_admin_login_page_renders_in_german(client: Client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "Benutzername" in page
    assert "Anmelden" in page
    assert "Kiezlabor – Verwaltung" in page


def test_admin_follows_the_browser_language(client: Client) -> None:
    response = client.get("/admin/login/", headers={"accept-language": "en"})
    assert "Username" in response.content.decode()


def test_the_team_sees_its_apps_on_the_admin_index(client: Client) -> None:
    member = MembershipFactory(user=UserFactory(username="tina")).user
    client.force_login(member)

    page = client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:deployments_deployment_changelist") in page
    assert reverse("admin:participation_contribution_changelist") in page
    assert reverse("admin:analysis_recommendation_changelist") in page
    assert reverse("admin:deployments_area_changelist") in page  # reference data: view only


def test_staff_without_an_organisation_see_no_apps(client: Client) -> None:
    client.force_login(UserFactory(username="ohne"))

    page = client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:deployments_deployment_changelist") not in page
