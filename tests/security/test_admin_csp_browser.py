"""The admin and the API's documentation work in Chromium under the strict policy (issue 9).

The whole site is served without ``'unsafe-inline'``; a page that still carried an inline
script, a ``<style>`` element or a ``style`` attribute would lose it silently. Chromium reports
each blocked piece as a ``securitypolicyviolation`` event, which these tests collect.
"""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from tests.participation.browser import settle
from tests.security.admin_support import (
    MAP_PAGES,
    SUPERUSER,
    AdminData,
    admin_data_fixture,  # noqa: F401 (the fixture)
    admin_pages,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"

# Registered before any of the page's own code runs, so nothing blocked escapes it.
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile + ":" + event.lineNumber,
  });
});
"""


def log_in(page: Page) -> None:
    page.goto(reverse("admin:login"))
    page.fill("#id_username", SUPERUSER)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    settle(page)  # the index's icons, before the next page cancels them


def blank_tile() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (256, 256), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def watch(page: Page) -> list[str]:
    """Collect the page's console errors; violations are read from ``window.__csp``.

    Map tiles are answered with a blank one: the tests stay offline, and a failed tile would
    be a console error of its own.
    """
    tile = blank_tile()
    tile_origin = re.match(r"https?://[^/]+", settings.LEAFLET_CONFIG["TILES"][0][1]).group(0)
    page.route(
        f"{tile_origin}/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=tile),
    )
    errors: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_every_admin_page_runs_without_inline_code(page: Page, admin_data: AdminData) -> None:
    errors = watch(page)
    log_in(page)

    for name, url in admin_pages(admin_data).items():
        errors.clear()
        page.goto(url)
        settle(page)

        assert page.evaluate("window.__csp") == [], name
        assert errors == [], name


def test_the_map_widget_draws_under_the_strict_policy(page: Page, admin_data: AdminData) -> None:
    errors = watch(page)
    log_in(page)

    for name in MAP_PAGES:
        page.goto(admin_pages(admin_data)[name])
        settle(page)

        expect(page.locator(".leaflet-container")).to_have_count(1)
        # The widget's own script drew the stored geometry: a marker or a polygon's path.
        expect(
            page.locator(".leaflet-marker-icon, .leaflet-overlay-pane path").first
        ).to_be_attached()
        assert page.evaluate("window.__csp") == [], name
        assert errors == [], name


def test_the_api_documentation_page_has_no_inline_code(page: Page, admin_data: AdminData) -> None:
    """Swagger UI itself comes from the CDN, which the tests cannot reach: the page's own
    markup and its init script (served from the page's URL) must pass the policy."""
    errors = watch(page)
    log_in(page)

    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))

    page.goto(reverse("api-docs"))
    settle(page)

    assert page.evaluate("window.__csp") == []
    assert failed
    assert all(url.startswith("https://cdn.jsdelivr.net/") for url in failed), failed
    # What remains is the init script missing Swagger UI, not anything the policy refused.
    assert [e for e in errors if "ERR_FAILED" not in e] == ["SwaggerUIBundle is not defined"]
