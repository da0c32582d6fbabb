"""Playwright in Debian's Chromium against pytest-django's live server, for the kiosk app.

Import the fixtures into a test module (``from tests.participation.browser import page_fixture``)
and build a deployment the kiosk can show with :func:`kiosk_deployment`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from deployments.models import Deployment, Event
from participation.models import Device, Poll, PollOption
from participation.services.devices import device_pairing_code_create
from tests.factories import (
    AreaFactory,
    DeploymentFactory,
    EventFactory,
    MembershipFactory,
    ThemeFactory,
    UserFactory,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}
TIMEOUT_MS = 15_000

ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(scope="session", name="playwright")
def playwright_fixture() -> Iterator[Playwright]:
    """One Playwright for the whole session (registered in ``tests/conftest.py``: a second
    one in the same process would find the first one's event loop running)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the tests' own database calls
    # are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as instance:
            yield instance
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session", name="browser")
def browser_fixture(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(name="context")
def context_fixture(browser: Browser, live_server, transactional_db) -> Iterator[BrowserContext]:
    # Asking for the database here closes the browser before the database is emptied, so
    # no request of the app is still running then.
    context = new_context(browser, live_server.url)
    yield context
    close_quietly(context)


@pytest.fixture(name="page")
def page_fixture(context: BrowserContext) -> Page:
    return context.new_page()


def close_quietly(context: BrowserContext) -> None:
    """Close the browser once no request is running: the database is emptied right after."""
    for open_page in context.pages:
        settle(open_page)
    context.close()


def new_context(browser: Browser, base_url: str, viewport: dict | None = None) -> BrowserContext:
    """A fresh tablet: no token, no service worker, no stored inputs; nothing external."""
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport or LANDSCAPE,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        has_touch=True,
        service_workers="allow",
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Map tiles come from outside: the kiosk must work without them, and tests stay offline.
    context.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())
    return context


@dataclass
class KioskSetup:
    """A running deployment with topics, one poll of each type, an event today and a tablet."""

    deployment: Deployment
    device: Device
    staff: object
    polls: dict[str, Poll]
    event: Event

    def pairing_code(self) -> str:
        device = device_pairing_code_create(device=self.device, by=self.staff)
        return device.pairing_code


def kiosk_deployment(*, idle_seconds: int = 90, polls: bool = True) -> KioskSetup:
    today = timezone.localdate()
    deployment = DeploymentFactory(
        title="Kiezlabor am Boxhagener Platz",
        starts_on=today - dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=14),
        status=Deployment.Status.RUNNING,
    )
    deployment.site.areas.add(AreaFactory(name="Frankfurter Allee Süd"))
    staff = UserFactory()
    MembershipFactory(organisation=deployment.organisation, user=staff)
    for name, translations in TOPICS.items():
        theme = ThemeFactory(
            organisation=deployment.organisation, name=name, translations=translations
        )
        deployment.themes.add(theme)
    now = timezone.localtime()
    event = EventFactory(
        deployment=deployment,
        title="Reparatur-Café",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(minutes=90),
    )
    device = Device.objects.create(
        organisation=deployment.organisation,
        name="Tablet 1",
        deployment=deployment,
        idle_seconds=idle_seconds,
    )
    return KioskSetup(
        deployment=deployment,
        device=device,
        staff=staff,
        polls=create_polls(deployment) if polls else {},
        event=event,
    )


TOPICS = {
    "Grünflächen": {
        "en": "Green spaces",
        "tr": "Yeşil alanlar",
        "ar": "المساحات الخضراء",
        "uk": "Зелені зони",
    },
    "Verkehr": {"en": "Traffic", "tr": "Trafik", "ar": "المرور", "uk": "Транспорт"},
    "Spielen und Sport": {
        "en": "Play and sport",
        "tr": "Oyun ve spor",
        "ar": "اللعب والرياضة",
        "uk": "Ігри та спорт",
    },
}


def create_polls(deployment: Deployment) -> dict[str, Poll]:
    polls = {}
    specs = [
        ("single", "Was fehlt am Platz am meisten?", None, ["Bänke", "Schatten", "Trinkbrunnen"]),
        (
            "multiple",
            "Wie kommen Sie hierher?",
            None,
            ["zu Fuß", "mit dem Rad", "mit Bus oder Bahn"],
        ),
        ("rating", "Wie gefällt Ihnen der Platz?", None, []),
        (
            "dots",
            "Was soll zuerst kommen?",
            5,
            ["mehr Bäume", "Spielplatz", "Radwege", "Sitzplätze"],
        ),
    ]
    for position, (kind, question, points, options) in enumerate(specs):
        poll = Poll.objects.create(
            deployment=deployment,
            question=question,
            translations={"ar": f"سؤال {position + 1}", "en": f"Question {position + 1}"},
            type=kind,
            points=points,
            position=position,
        )
        for index, label in enumerate(options):
            PollOption.objects.create(poll=poll, label=label, position=index)
        polls[kind] = poll
    return polls


# ---- Driving the app ------------------------------------------------------------------------


def open_paired_kiosk(page: Page, setup: KioskSetup) -> None:
    """Open the kiosk with a QR-code link; it pairs itself and shows the language screen."""
    page.goto(f"/kiosk/?code={setup.pairing_code()}")
    expect(screen(page, "language")).to_be_visible()


def screen(page: Page, name: str):
    return page.locator(f'[data-screen="{name}"]')


def tap(page: Page, name: str, exact: bool = True) -> None:
    page.get_by_role("button", name=name, exact=exact).click()


def press(locator) -> None:
    """Tap a control in the middle of the screen, away from the sticky bars at the edges."""
    locator.evaluate("element => element.scrollIntoView({block: 'center'})")
    locator.click()


def choose_language(page: Page, code: str) -> None:
    page.locator(f'button[data-language="{code}"]').click()
    expect(screen(page, "choice")).to_be_visible()


def next_step(page: Page) -> None:
    page.locator("[data-screen] .btn-next").click()


def skip_about_you(page: Page) -> None:
    for name in ("about-age", "about-relation", "about-heard"):
        expect(screen(page, name)).to_be_visible()
        page.locator(f'[data-screen="{name}"] .btn-skip').click()
    expect(screen(page, "consent")).to_be_visible()


def send(page: Page) -> None:
    page.locator(".btn-send").click()
    expect(screen(page, "thanks")).to_be_visible()


def submit_idea(page: Page, text: str, *, language: str = "de") -> None:
    """One quick idea without pin or answers about the person, then back to the start."""
    choose_language(page, language)
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill(text)
    next_step(page)
    expect(screen(page, "idea-place")).to_be_visible()
    next_step(page)
    skip_about_you(page)
    send(page)
    page.locator(".btn-done").click()
    expect(screen(page, "language")).to_be_visible()


def outbox_items(page: Page) -> list[dict]:
    """The submissions stored on the tablet (IndexedDB), oldest first."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("kiezlabor-kiosk");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const request = open.result.transaction("outbox").objectStore("outbox").getAll();
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
            };
        })"""
    )


def put_outbox_items(page: Page, items: list[dict]) -> None:
    page.evaluate(
        """(items) => new Promise((resolve, reject) => {
            const open = indexedDB.open("kiezlabor-kiosk");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const transaction = open.result.transaction("outbox", "readwrite");
                for (const item of items) transaction.objectStore("outbox").put(item);
                transaction.oncomplete = () => resolve();
                transaction.onerror = () => reject(transaction.error);
            };
        })""",
        items,
    )


def settle(page: Page) -> None:
    """Until the app has no request running. With SQLite the live server shares the test's
    database connection, so the test must not write while the app is talking to the server."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(100)


def wait_for_service_worker(page: Page) -> None:
    """Until the service worker controls the page (it has cached the app shell by then)."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")


def tour(page: Page, setup: KioskSetup, visit, *, language: str = "de") -> None:
    """Walk through every resident screen from the language screen and call ``visit(name)``
    on each: for accessibility checks and screenshots."""
    expect(screen(page, "language")).to_be_visible()
    visit("language")
    choose_language(page, language)
    visit("choice")

    page.locator('[data-choice="idea"]').click()
    expect(screen(page, "idea-text")).to_be_visible()
    visit("idea-text")
    next_step(page)
    expect(page.locator(".error-box")).to_be_visible()
    visit("idea-text-error")
    page.locator("textarea").fill(
        "Mehr Bänke und Schatten am Spielplatz, damit Eltern bleiben können."
    )
    page.locator(".choices.topics .option").first.click()
    visit("idea-text-filled")
    next_step(page)
    expect(page.locator("#pin-map path").first).to_be_attached()
    visit("idea-place")
    box = page.locator("#pin-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 - 20)
    expect(page.locator(".map-pin")).to_have_count(1)
    visit("idea-place-pin")
    next_step(page)
    for name in ("about-age", "about-relation", "about-heard"):
        expect(screen(page, name)).to_be_visible()
        visit(name)
        page.locator(f'[data-screen="{name}"] .option').nth(1).click()
    expect(screen(page, "consent")).to_be_visible()
    visit("consent")
    send(page)
    visit("thanks")
    page.locator(".btn-done").click()

    choose_language(page, language)
    for kind, poll in setup.polls.items():
        page.locator(f'[data-choice="poll-{poll.pk}"]').click()
        expect(screen(page, "poll")).to_be_visible()
        if kind == "dots":
            plus = page.locator(".dots-row .btn-round-primary")
            for index in (0, 0, 2):
                press(plus.nth(index))
        elif kind == "rating":
            page.locator('.choices.rating .option[data-value="4"]').click()
        else:
            page.locator("[data-screen] .option").first.click()
        visit(f"poll-{kind}")
        page.locator(".btn-back").click()
        expect(screen(page, "choice")).to_be_visible()

    page.locator('[data-choice="feedback"]').click()
    expect(screen(page, "feedback")).to_be_visible()
    page.locator('.choices.rating .option[data-value="5"]').click()
    visit("feedback")
    page.locator(".btn-back").click()
