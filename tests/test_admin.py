"""The admin speaks German by default."""

import pytest
from django.test import Client

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
