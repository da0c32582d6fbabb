"""The portal in a real browser: the progress bar follows the build without a reload, the
download appears when the report is done, and the page passes axe at WCAG 2.1 AA."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from reports.models import PortalAccess, Report
from tests.factories import DeploymentFactory, SiteFactory, UserFactory
from tests.reports.jobs_support import district, stored_export, stored_report

pytestmark = [pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }


@pytest.fixture
def deployment():
    site = SiteFactory(name="Boxhagener Platz")
    site.areas.set([district()])
    return DeploymentFactory(title="Kiezlabor am Boxi", site=site, organisation=site.organisation)


@pytest.fixture
def official_page(context: BrowserContext, page: Page, live_server, deployment) -> Page:
    """The portal's browser tab of an official of the deployment's district, logged in."""
    user = UserFactory(username="ba-xhain", is_staff=False)
    access = PortalAccess.objects.create(user=user, note="Bezirksamt Friedrichshain-Kreuzberg")
    access.districts.set(deployment.site.areas.all())
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_the_progress_bar_follows_the_build_and_the_download_appears(
    official_page: Page, deployment
) -> None:
    page = official_page
    report = stored_report(deployment, state="running")
    page.goto("/portal/")
    row = page.locator(f'[data-report="{report.pk}"]')
    expect(row.locator("progress")).to_have_attribute("value", "45")
    expect(row.locator(".state-label")).to_have_text("wird erstellt – Karten")

    Report.objects.filter(pk=report.pk).update(progress=65, step="PDF")
    expect(row.locator(".state-label")).to_have_text("wird erstellt – PDF")
    expect(row.locator("progress")).to_have_js_property("value", 65)

    done = stored_report(deployment)
    Report.objects.filter(pk=report.pk).update(
        state="done",
        progress=100,
        step="",
        file=done.file.name,
        file_hash=done.file_hash,
        page_count=14,
    )
    link = row.get_by_role("link", name="PDF herunterladen")
    expect(link).to_have_attribute("href", f"/portal/berichte/{report.pk}/pdf/")
    expect(row.locator(".report-pages")).to_have_text("14")
    expect(row.locator("progress")).to_have_count(0)


def test_the_portal_passes_axe_at_wcag_21_aa(
    official_page: Page, context: BrowserContext, deployment
) -> None:
    page = official_page
    stored_report(deployment)
    stored_report(deployment, state="running")
    stored_report(deployment, state="failed")
    stored_export(deployment)

    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ortsanalysen und Daten")
    results = Axe().run(page, options=WCAG_AA)
    violations = [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
    ]
    assert results.response["passes"]
    assert violations == []

    context.clear_cookies()
    page.goto("/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    assert Axe().run(page, options=WCAG_AA).response["violations"] == []
