"""Screenshots of every kiosk screen, to look at: 1280×800 and 800×1280, German and Arabic,
and a phone in online mode. Written to ``var/screenshots/kiosk/``.

Not part of the normal test run (the file name does not start with ``test_``); run it with

    KIEZLABOR_SCREENSHOTS=1 .venv/bin/python -m pytest tests/participation/screenshot_kiosk.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from tests.participation.browser import (
    LANDSCAPE,
    PORTRAIT,
    KioskSetup,
    choose_language,
    close_quietly,
    kiosk_deployment,
    new_context,
    screen,
    tour,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("KIEZLABOR_SCREENSHOTS") != "1", reason="set KIEZLABOR_SCREENSHOTS=1"
    ),
]

OUTPUT = Path(settings.BASE_DIR) / "var" / "screenshots" / "kiosk"
PHONE = {"width": 390, "height": 844}


class Camera:
    def __init__(self, page: Page, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.number = 0
        OUTPUT.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.number += 1
        # Let Leaflet finish drawing and focus rings settle before taking the picture.
        self.page.wait_for_timeout(150)
        path = OUTPUT / f"{self.prefix}-{self.number:02d}-{name}.png"
        self.page.screenshot(path=str(path))


@pytest.mark.parametrize(
    ("viewport", "orientation", "language"),
    [
        (LANDSCAPE, "landscape", "de"),
        (PORTRAIT, "portrait", "de"),
        (LANDSCAPE, "landscape", "ar"),
        (PORTRAIT, "portrait", "ar"),
    ],
)
def test_screenshots_of_every_screen(
    browser: Browser, live_server, viewport: dict, orientation: str, language: str
) -> None:
    setup = kiosk_deployment()
    context = new_context(browser, live_server.url, viewport)
    page = context.new_page()
    camera = Camera(page, f"{orientation}-{language}")

    page.goto("/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    camera("pairing")
    page.goto(f"/kiosk/?code={setup.pairing_code()}")
    tour(page, setup, camera, language=language)

    page.clock.install()
    page.reload()
    choose_language(page, language)
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("Noch nicht fertig …")
    page.clock.fast_forward("01:20")
    expect(page.locator("#idle-dialog")).to_be_visible()
    camera("idle-countdown")
    page.locator("#idle-dialog .btn-primary").click()

    context.set_offline(True)
    page.locator("textarea").fill("Ohne Netz geschrieben")
    page.locator(".btn-next").click()
    page.locator(".btn-next").click()
    for name in ("about-age", "about-relation", "about-heard"):
        page.locator(f'[data-screen="{name}"] .btn-skip').click()
    page.locator(".btn-send").click()
    expect(screen(page, "thanks")).to_be_visible()
    camera("thanks-offline")
    page.locator(".staff-badge").click()
    camera("staff-dialog")
    close_quietly(context)


def test_screenshots_on_a_phone(browser: Browser, live_server) -> None:
    setup: KioskSetup = kiosk_deployment()
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.route("https://**", lambda route: route.abort())
    page = context.new_page()
    camera = Camera(page, "phone-online-de")
    page.goto(f"/mitmachen/{setup.deployment.slug}/")
    tour(page, setup, camera)
    close_quietly(context)
