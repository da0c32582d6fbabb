"""Hardening (issue 9, item 5): headers, login throttling, files only through checked views."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from deployments.models import Deployment
from reports.models import PortalAccess
from tests.factories import DeploymentFactory, MembershipFactory, UserFactory
from tests.reports.jobs_support import drain, stored_export

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PASSWORD = "correct-horse-battery"
LOCKED = "Zu viele fehlgeschlagene Anmeldungen"


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
def official():
    deployment = DeploymentFactory(title="Kiezlabor am Boxi")
    user = UserFactory(username="ba-xhain", is_staff=False)
    access = PortalAccess.objects.create(user=user, note="Bezirksamt")
    access.organisations.set([deployment.organisation])
    return user


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


def _assert_strict(response) -> None:
    policy = _policy(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == ["'self'"], (directive, policy[directive])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_the_kiosk_sends_a_policy_without_inline_code(client: Client) -> None:
    response = client.get("/kiosk/")

    assert response.status_code == 200
    _assert_strict(response)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_online_flow_sends_the_same_policy(client: Client) -> None:
    deployment = DeploymentFactory(status=Deployment.Status.RUNNING)

    response = client.get(f"/mitmachen/{deployment.slug}/")

    assert response.status_code == 200
    _assert_strict(response)
    assert response["X-Frame-Options"] == "DENY"


def test_the_portal_sends_a_policy_without_inline_code(official) -> None:
    client = Client()
    client.force_login(official)

    page = client.get("/portal/")
    login = Client().get("/portal/anmelden/")

    assert page.status_code == 200
    _assert_strict(page)
    _assert_strict(login)
    assert page["X-Frame-Options"] == "DENY"
    html = page.content.decode()
    assert "<style" not in html
    assert " style=" not in html
    assert all(
        "src=" in tag or "application/json" in tag for tag in re.findall(r"<script([^>]*)>", html)
    )


def test_the_map_tiles_are_the_only_foreign_source(client: Client, settings) -> None:
    policy = _policy(client.get("/kiosk/"))
    tile_url = settings.LEAFLET_CONFIG["TILES"][0][1]

    foreign = {
        source for sources in policy.values() for source in sources if source.startswith("http")
    }
    assert foreign == {re.match(r"https?://[^/]+", tile_url).group(0)}


def test_only_the_admin_may_run_inline_code(client: Client) -> None:
    staff = MembershipFactory(user=UserFactory(username="murat")).user
    client.force_login(staff)

    admin = client.get("/admin/")

    assert admin.status_code == 200
    assert "'unsafe-inline'" in _policy(admin)["script-src"]
    assert _policy(admin)["frame-ancestors"] == ["'none'"]
    assert admin["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("login_url", ["/admin/login/", "/portal/anmelden/"])
def test_five_wrong_passwords_lock_out_even_the_right_one(login_url: str) -> None:
    UserFactory(username="erika", is_staff=True)
    client = Client()
    for _attempt in range(4):
        wrong = client.post(login_url, {"username": "erika", "password": "falsch-geraten"})
        assert wrong.status_code == 200  # the form again, with its error
        assert LOCKED not in wrong.content.decode()
    fifth = client.post(login_url, {"username": "erika", "password": "falsch-geraten"})
    assert fifth.status_code == 429

    right = client.post(login_url, {"username": "erika", "password": PASSWORD})

    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "15 Minuten" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_one_username_from_one_address_only() -> None:
    UserFactory(username="erika", is_staff=True)
    UserFactory(username="murat", is_staff=True)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _attempt in range(5):
        attacker.post("/admin/login/", {"username": "erika", "password": "falsch-geraten"})

    colleague = Client(REMOTE_ADDR="198.51.100.4")
    from_elsewhere = colleague.post("/admin/login/", {"username": "erika", "password": PASSWORD})
    other_user = attacker.post("/admin/login/", {"username": "murat", "password": PASSWORD})

    assert from_elsewhere.status_code == 302
    assert other_user.status_code == 302


def test_a_successful_login_resets_the_count() -> None:
    UserFactory(username="erika", is_staff=True)
    client = Client()
    for _attempt in range(4):
        client.post("/admin/login/", {"username": "erika", "password": "falsch-geraten"})
    assert (
        client.post("/admin/login/", {"username": "erika", "password": PASSWORD}).status_code == 302
    )
    client.logout()

    for _attempt in range(4):
        client.post("/admin/login/", {"username": "erika", "password": "falsch-geraten"})
    assert (
        client.post("/admin/login/", {"username": "erika", "password": PASSWORD}).status_code == 302
    )


def test_forwarded_addresses_are_not_trusted_without_a_proxy() -> None:
    UserFactory(username="erika", is_staff=True)
    for attempt in range(5):
        Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}").post(
            "/admin/login/", {"username": "erika", "password": "falsch-geraten"}
        )

    rotated = Client(HTTP_X_FORWARDED_FOR="192.0.2.99").post(
        "/admin/login/", {"username": "erika", "password": PASSWORD}
    )

    assert rotated.status_code == 429


def test_downloads_are_attachments_that_browsers_do_not_sniff(official) -> None:
    access = official.portal_access
    export = stored_export(access.organisations.get().deployments.get())
    client = Client()
    client.force_login(official)

    response = client.get(f"/portal/exporte/{export.pk}/datei/")

    assert response.status_code == 200
    drain(response)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_stored_files_have_no_public_url(client: Client, official, media) -> None:
    export = stored_export(official.portal_access.organisations.get().deployments.get())
    assert (media / export.file.name).exists()

    assert client.get(f"/media/{export.file.name}").status_code == 404
    assert client.get(f"/{export.file.name}").status_code == 404


def test_forms_refuse_posts_without_the_csrf_token(official) -> None:
    UserFactory(username="erika", is_staff=True)
    browser = Client(enforce_csrf_checks=True)

    login = browser.post("/admin/login/", {"username": "erika", "password": PASSWORD})
    browser.force_login(official)
    deployment = official.portal_access.organisations.get().deployments.get()
    report = browser.post(f"/portal/einsaetze/{deployment.pk}/ortsanalyse/", {"language": "de"})

    assert login.status_code == 403
    assert report.status_code == 403


def test_titles_written_by_staff_are_escaped_in_the_portal(official) -> None:
    deployment = official.portal_access.organisations.get().deployments.get()
    deployment.title = '<script>alert("x")</script> Kiezlabor'
    deployment.save(update_fields=["title"])
    stored_export(deployment)
    client = Client()
    client.force_login(official)

    html = client.get("/portal/").content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html
