"""Hardening (issue 9, item 5): headers, login throttling, files only through checked views.

The admin's pages in a real browser under the policy: ``test_admin_csp_browser.py``.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from deployments.models import Deployment
from participation.admin.contributions import overdue_label
from reports.models import PortalAccess
from tests.factories import DeploymentFactory, UserFactory
from tests.reports.jobs_support import drain, stored_export
from tests.security.admin_support import (
    MAP_PAGES,
    SUPERUSER,
    AdminData,
    admin_data_fixture,  # noqa: F401 (the fixture)
    admin_pages,
)

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


def _inline_code(html: str, nonce: str | None) -> list[str]:
    """What the strict policy refuses in a page: ``<style>`` elements, ``style`` attributes
    and scripts that neither load a file, hold JSON nor carry the request's nonce."""
    refused = re.findall(r"<style[^>]*>|<[^>]+\sstyle=[^>]*>", html)
    for attributes in re.findall(r"<script([^>]*)>", html):
        allowed = "src=" in attributes or 'type="application/json"' in attributes
        if not allowed and (nonce is None or f'nonce="{nonce}"' not in attributes):
            refused.append(f"<script{attributes}>")
    return refused


def test_the_admin_runs_without_inline_code(client: Client, admin_data: AdminData) -> None:
    client.force_login(get_user_model().objects.get(username=SUPERUSER))

    for name, url in admin_pages(admin_data).items():
        response = client.get(url)

        assert response.status_code == 200, name
        header = response["Content-Security-Policy"]
        policy = _policy(response)
        assert "'unsafe-inline'" not in header, name
        assert "'unsafe-eval'" not in header, name
        assert policy["style-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        assert response["X-Frame-Options"] == "DENY", name
        nonce = next(
            (source[7:-1] for source in policy["script-src"] if source.startswith("'nonce-")),
            None,
        )
        # A nonce only where a script needs one: django-leaflet's map widget.
        if name in MAP_PAGES:
            assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"], name
            assert f'<script nonce="{nonce}">' in response.content.decode(), name
        else:
            assert policy["script-src"] == ["'self'"], name
        assert _inline_code(response.content.decode(), nonce) == [], name


def test_each_request_gets_its_own_nonce(client: Client, admin_data: AdminData) -> None:
    client.force_login(get_user_model().objects.get(username=SUPERUSER))
    url = admin_pages(admin_data)["site"]

    first, second = (_policy(client.get(url))["script-src"] for _request in range(2))

    assert first != second


def test_the_api_docs_load_swagger_ui_from_its_cdn_only(client: Client) -> None:
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    assert page.status_code == 200
    header = page["Content-Security-Policy"]
    policy = _policy(page)
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'", "https://cdn.jsdelivr.net"], directive
    assert _inline_code(page.content.decode(), None) == []
    # The init script comes from the page's own URL instead of inline.
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    # The CDN is the docs page's exception only.
    assert "cdn.jsdelivr.net" not in client.get("/admin/login/")["Content-Security-Policy"]


def test_the_overdue_label_of_the_moderation_lists_carries_no_style() -> None:
    label = overdue_label(3)

    assert _inline_code(label, None) == []
    assert "kiezlabor-overdue" in label


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
