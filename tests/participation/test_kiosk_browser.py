"""The kiosk app in a real browser (Debian's Chromium): pairing, the resident flow in German
and Arabic, the idle reset, working offline, refused inputs, residents' phones, and
accessibility of every screen (axe-core, WCAG 2.1 AA).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from deployments.models import Deployment
from participation.models import Channel, Contribution, Device
from participation.services.devices import device_pair, device_pairing_code_create, device_revoke
from tests.participation.browser import (
    ARABIC,
    KioskSetup,
    choose_language,
    close_quietly,
    kiosk_deployment,
    next_step,
    open_paired_kiosk,
    outbox_items,
    put_outbox_items,
    screen,
    send,
    settle,
    skip_about_you,
    submit_idea,
    tap,
    tour,
    wait_for_service_worker,
)

# Browser tests are slow: on SpatiaLite (the demo's database) the German flow and the offline
# round trip run, the rest on PostgreSQL only.
pytestmark = [pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def setup() -> KioskSetup:
    return kiosk_deployment()


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def tap_map(page: Page) -> None:
    box = page.locator("#pin-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2)
    expect(page.locator(".map-pin")).to_have_count(1)


# ---- The resident flow --------------------------------------------------------------------


@pytest.mark.smoke
def test_whole_idea_flow_in_german(page: Page, setup: KioskSetup) -> None:
    open_paired_kiosk(page, setup)
    choose_language(page, "de")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(heading(page)).to_have_text("Was möchten Sie tun?")

    page.locator('[data-choice="idea"]').click()
    next_step(page)
    expect(page.get_by_role("alert")).to_have_text("Bitte schreiben Sie mindestens 3 Zeichen.")
    page.get_by_label("Ihre Idee oder Ihr Anliegen").fill("Mehr Bänke im Schatten, bitte.")
    expect(page.locator(".counter")).to_have_text("30 von 1000 Zeichen")
    tap(page, "Verkehr")
    next_step(page)

    expect(heading(page)).to_have_text("Wo ist das? (freiwillig)")
    tap_map(page)
    next_step(page)

    expect(page.locator(".eyebrow")).to_have_text("Über Sie – Frage 1 von 3 – freiwillig")
    tap(page, "27 bis 44 Jahre")
    tap(page, "Ich wohne hier.")
    tap(page, "Im Vorbeigehen")
    expect(heading(page)).to_have_text("Fast geschafft!")
    expect(page.get_by_text("Wir speichern keinen Namen und keine Kontaktdaten.")).to_be_visible()
    send(page)
    expect(heading(page)).to_have_text("Vielen Dank!")
    expect(page.get_by_text("Ihr Beitrag ist angekommen.")).to_be_visible()

    contribution = Contribution.objects.get()
    assert contribution.kind == "idea"
    assert contribution.channel == Channel.KIOSK
    assert contribution.text == "Mehr Bänke im Schatten, bitte."
    assert contribution.theme.name == "Verkehr"
    assert setup.deployment.site.areas.get().geometry.buffer(0.01).contains(contribution.location)
    assert contribution.language == "de"
    assert (contribution.age_band, contribution.relation, contribution.heard_via) == (
        "27_44",
        "lives_here",
        "passing_by",
    )
    assert contribution.device == setup.device

    tap(page, "Fertig")
    expect(screen(page, "language")).to_be_visible()
    assert "Mehr Bänke" not in page.content()


def test_polls_and_feedback_in_german(page: Page, setup: KioskSetup) -> None:
    polls = setup.polls
    open_paired_kiosk(page, setup)

    def answer_poll(kind: str, answer) -> None:
        choose_language(page, "de")
        page.locator(f'[data-choice="poll-{polls[kind].pk}"]').click()
        expect(heading(page)).to_have_text(polls[kind].question)
        answer()
        next_step(page)
        skip_about_you(page)
        send(page)
        tap(page, "Fertig")

    answer_poll("single", lambda: tap(page, "Schatten"))

    def several() -> None:
        tap(page, "zu Fuß")
        tap(page, "mit dem Rad")

    answer_poll("multiple", several)
    answer_poll("rating", lambda: tap(page, "4 gut"))

    def dots() -> None:
        more_trees = page.get_by_role("button", name="Ein Punkt mehr für „mehr Bäume“")
        next_step(page)
        expect(page.get_by_role("alert")).to_have_text("Bitte verteilen Sie alle Punkte.")
        for _ in range(3):
            more_trees.click()
        expect(page.locator(".points-left")).to_have_text("Noch 2 Punkte übrig")
        page.get_by_role("button", name="Ein Punkt mehr für „Radwege“").click()
        page.get_by_role("button", name="Ein Punkt mehr für „Radwege“").click()
        expect(page.locator(".points-left")).to_have_text("Noch 0 Punkte übrig")
        expect(page.get_by_role("button", name="Ein Punkt mehr für „Spielplatz“")).to_be_disabled()

    answer_poll("dots", dots)

    choose_language(page, "de")
    page.locator('[data-choice="feedback"]').click()
    expect(page.locator('.choices.events .option[aria-pressed="true"]')).to_contain_text(
        "Reparatur-Café"
    )
    tap(page, "5 sehr gut")
    page.get_by_label("Möchten Sie noch etwas sagen? (freiwillig)").fill("Sehr nette Leute!")
    next_step(page)
    skip_about_you(page)
    send(page)

    answers = {
        contribution.poll.type: sorted(
            (answer.option.label, answer.points) for answer in contribution.poll_answers.all()
        )
        for contribution in Contribution.objects.filter(kind="poll")
    }
    assert answers == {
        "single": [("Schatten", 1)],
        "multiple": [("mit dem Rad", 1), ("zu Fuß", 1)],
        "rating": [],
        "dots": [("Radwege", 2), ("mehr Bäume", 3)],
    }
    assert Contribution.objects.get(poll__type="rating").rating == 4
    feedback = Contribution.objects.get(kind="feedback")
    assert (feedback.event, feedback.rating, feedback.text) == (
        setup.event,
        5,
        "Sehr nette Leute!",
    )


def test_whole_flow_in_arabic_is_right_to_left(page: Page, setup: KioskSetup) -> None:
    open_paired_kiosk(page, setup)
    choose_language(page, "ar")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(heading(page)).to_have_text("ماذا تريد أن تفعل؟")
    width = page.viewport_size["width"]
    back = page.locator(".btn-back").bounding_box()
    language_button = page.locator(".btn-language").bounding_box()
    assert back["x"] > width / 2, "the back button starts the bar on the right"
    assert language_button["x"] + language_button["width"] < width / 2

    page.locator('[data-choice="idea"]').click()
    textarea = page.locator("textarea")
    textarea.fill("نحتاج إلى مزيد من الأشجار والمقاعد")
    assert textarea.bounding_box()["x"] + textarea.bounding_box()["width"] > width / 2
    assert ARABIC.search(page.locator(".counter").inner_text())
    tap(page, "المساحات الخضراء")
    next_step(page)
    tap_map(page)
    next_step(page)
    tap(page, "من 18 إلى 26 سنة")
    tap(page, "أنا في زيارة.")
    tap(page, "ملصق أو منشور")
    expect(heading(page)).to_have_text("أوشكت على الانتهاء!")
    send(page)
    expect(heading(page)).to_have_text("شكراً جزيلاً!")

    contribution = Contribution.objects.get()
    assert contribution.language == "ar"
    assert contribution.text == "نحتاج إلى مزيد من الأشجار والمقاعد"
    assert contribution.theme.name == "Grünflächen"
    assert (contribution.age_band, contribution.relation, contribution.heard_via) == (
        "18_26",
        "visiting",
        "poster",
    )

    page.locator(".btn-done").click()
    expect(screen(page, "language")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_language_can_be_changed_in_the_middle(page: Page, setup: KioskSetup) -> None:
    open_paired_kiosk(page, setup)
    choose_language(page, "de")
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("Ein Trinkbrunnen wäre schön.")

    page.locator(".btn-language").click()
    page.locator('button[data-language="uk"]').click()

    expect(heading(page)).to_have_text("Ваша ідея або проблема")
    expect(page.locator("textarea")).to_have_value("Ein Trinkbrunnen wäre schön.")
    expect(page.locator("html")).to_have_attribute("lang", "uk")


# ---- Pairing --------------------------------------------------------------------------------


def test_unpaired_tablet_asks_for_the_team_and_pairs_with_a_typed_code(
    page: Page, setup: KioskSetup
) -> None:
    page.goto("/kiosk/")
    expect(heading(page)).to_have_text("Bitte wenden Sie sich an das Team.")
    expect(page.locator('.ask-team p[lang="ar"]')).to_have_attribute("dir", "rtl")

    page.get_by_label("Kopplungscode").fill("XXXXXX")
    tap(page, "Koppeln")
    expect(page.get_by_role("alert")).to_contain_text("Dieser Code stimmt nicht")

    page.get_by_label("Kopplungscode").fill(setup.pairing_code().lower())
    tap(page, "Koppeln")
    expect(screen(page, "language")).to_be_visible()
    setup.device.refresh_from_db()
    assert setup.device.paired_at is not None

    page.reload()
    expect(screen(page, "language")).to_be_visible()


def test_revoked_tablet_asks_for_the_team(page: Page, setup: KioskSetup) -> None:
    open_paired_kiosk(page, setup)
    settle(page)
    device_revoke(device=setup.device, by=setup.staff)

    page.reload()

    expect(heading(page)).to_have_text("Bitte wenden Sie sich an das Team.")
    expect(
        page.get_by_text("Dieses Tablet ist nicht oder nicht mehr freigeschaltet.")
    ).to_be_visible()


# ---- Idle reset -----------------------------------------------------------------------------


def test_idle_tablet_counts_down_and_forgets_the_person(page: Page) -> None:
    setup = kiosk_deployment(idle_seconds=20)
    page.clock.install()
    open_paired_kiosk(page, setup)
    choose_language(page, "tr")
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("Daha fazla ağaç lütfen")

    page.clock.fast_forward("00:12")
    dialog = page.locator("#idle-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".idle-count")).to_contain_text("saniye sonra başa dönülecek")
    tap(page, "Devam et")
    expect(dialog).to_be_hidden()
    expect(page.locator("textarea")).to_have_value("Daha fazla ağaç lütfen")

    page.clock.fast_forward("00:12")
    expect(dialog).to_be_visible()
    page.clock.fast_forward("00:10")

    expect(screen(page, "language")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert "Daha fazla" not in page.content()
    assert page.locator("textarea").count() == 0
    choose_language(page, "de")
    page.locator('[data-choice="idea"]').click()
    expect(page.locator("textarea")).to_have_value("")


# ---- Offline first --------------------------------------------------------------------------


@pytest.mark.smoke
def test_offline_inputs_survive_a_reload_and_arrive_exactly_once(
    context: BrowserContext, page: Page, setup: KioskSetup
) -> None:
    open_paired_kiosk(page, setup)
    wait_for_service_worker(page)

    context.set_offline(True)
    for number in range(1, 21):
        submit_idea(page, f"Idee Nummer {number} ohne Netz")
        if number == 1:
            assert Contribution.objects.count() == 0
    expect(page.locator(".staff-badge")).to_have_text("ohne Netz · wartend: 20")
    stored = outbox_items(page)
    assert len(stored) == 20
    assert {item["status"] for item in stored} == {"pending"}

    response = page.reload()
    assert response.from_service_worker
    expect(screen(page, "language")).to_be_visible()
    expect(page.locator(".staff-badge")).to_have_text("ohne Netz · wartend: 20")
    assert Contribution.objects.count() == 0

    context.set_offline(False)
    expect(page.locator(".staff-badge")).to_have_count(0, timeout=30_000)
    assert outbox_items(page) == []
    settle(page)
    assert Contribution.objects.count() == 20
    texts = set(Contribution.objects.values_list("text", flat=True))
    assert texts == {f"Idee Nummer {number} ohne Netz" for number in range(1, 21)}

    put_outbox_items(page, stored)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("kiezlabor-kiosk");
            open.onsuccess = () => {
                const count = open.result.transaction("outbox").objectStore("outbox").count();
                count.onsuccess = () => resolve(count.result === 0);
            };
        })"""
    )
    settle(page)
    assert Contribution.objects.count() == 20


def test_thanks_screen_says_when_an_input_waits_for_the_network(
    context: BrowserContext, page: Page, setup: KioskSetup
) -> None:
    open_paired_kiosk(page, setup)
    context.set_offline(True)
    choose_language(page, "en")
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("More trees please")
    next_step(page)
    next_step(page)
    skip_about_you(page)
    send(page)
    expect(page.get_by_text("Your message has been saved.")).to_be_visible()


# ---- Refused inputs -------------------------------------------------------------------------


def test_refused_input_shows_the_server_message_and_stays_for_the_team(
    page: Page, setup: KioskSetup
) -> None:
    tomorrow = timezone.now() + dt.timedelta(days=1)
    page.clock.install(time=tomorrow)
    open_paired_kiosk(page, setup)
    choose_language(page, "en")
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("A bench near the fountain")
    next_step(page)
    next_step(page)
    skip_about_you(page)
    page.locator(".btn-send").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    settle(page)

    body = outbox_items(page)[0]["body"]
    messages = {language: refusal(setup, body, language) for language in ("de", "en")}
    assert messages["de"] != messages["en"]
    expect(alert).to_contain_text(messages["en"])
    expect(heading(page)).to_have_text("Almost done!")
    assert Contribution.objects.count() == 0

    [held] = outbox_items(page)
    assert held["status"] == "held"
    assert held["error"]["status"] == 400
    badge = page.locator(".staff-badge")
    expect(badge).to_have_text("abgelehnt: 1")
    badge.click()
    expect(page.locator("#staff-dialog")).to_contain_text("Vom Server abgelehnt: 1")
    expect(page.locator("#staff-dialog")).to_contain_text("Fehler 400")
    expect(page.locator("#staff-dialog")).not_to_contain_text("A bench near the fountain")


def refusal(setup: KioskSetup, body: dict, language: str) -> str:
    """The first message the server gives for this body, asked by a second tablet."""
    tablet = Device.objects.create(
        organisation=setup.deployment.organisation, name="Tablet 2", deployment=setup.deployment
    )
    device_pairing_code_create(device=tablet, by=setup.staff)
    _device, token = device_pair(code=tablet.pairing_code)
    response = Client().post(
        "/api/kiosk/contributions/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Device {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    return next(iter(response.json().values()))[0]


# ---- Residents' own phones ------------------------------------------------------------------


def test_online_mode_on_a_phone(browser: Browser, live_server, setup: KioskSetup) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="tr-TR",
    )
    context.route("https://**", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"/mitmachen/{setup.deployment.slug}/")
    choose_language(page, "tr")
    page.locator('[data-choice="idea"]').click()
    page.locator("textarea").fill("Parka daha çok bank lazım")
    next_step(page)
    next_step(page)
    skip_about_you(page)
    expect(page.locator("input[name=website]")).to_have_value("")
    assert axe_violations(page) == []
    send(page)
    expect(page.get_by_text("Bu sayfayı şimdi kapatabilir")).to_be_visible()
    close_quietly(context)

    contribution = Contribution.objects.get()
    assert contribution.channel == Channel.ONLINE
    assert contribution.language == "tr"
    assert contribution.device is None


# ---- Accessibility --------------------------------------------------------------------------


def axe_violations(page: Page) -> list[str]:
    """What axe-core finds at WCAG 2.1 AA on the page as it is now."""
    results = Axe().run(page, options=WCAG_AA)
    assert results.response["passes"], "axe checked nothing"
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
    ]


def test_every_kiosk_screen_passes_axe_at_wcag_21_aa(
    context: BrowserContext, page: Page, setup: KioskSetup
) -> None:
    violations: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found = axe_violations(page)
        if found:
            violations[name] = found

    page.goto("/kiosk/")
    expect(heading(page)).to_be_visible()
    check("pairing")
    page.goto(f"/kiosk/?code={setup.pairing_code()}")
    tour(page, setup, check)

    page.clock.install()
    page.reload()
    choose_language(page, "de")
    page.locator('[data-choice="idea"]').click()
    page.clock.fast_forward("01:20")
    expect(page.locator("#idle-dialog")).to_be_visible()
    check("idle-dialog")
    tap(page, "Weitermachen")

    context.set_offline(True)
    page.locator(".staff-badge").click()
    expect(page.locator("#staff-dialog")).to_be_visible()
    check("staff-dialog")
    page.get_by_role("button", name="Schließen").click()
    context.set_offline(False)

    page.locator(".btn-back").click()
    page.locator(".btn-back").click()
    tour(page, setup, lambda name: check(f"ar-{name}"), language="ar")

    assert violations == {}


# ---- The pages behind the app ---------------------------------------------------------------


def test_catalog_holds_all_five_languages(client: Client) -> None:
    catalogs = client.get("/kiosk/catalog.json").json()

    assert sorted(catalogs) == ["ar", "de", "en", "tr", "uk"]
    assert catalogs["ar"]["catalog"]["Absenden"] == "إرسال"
    assert catalogs["uk"]["catalog"]["%(count)s Punkt"][2] == "%(count)s балів"
    assert catalogs["uk"]["plural"][5] == 2
    assert catalogs["ar"]["plural"][11] == 4


def test_service_worker_is_served_as_javascript_for_the_kiosk_scope(client: Client) -> None:
    response = client.get("/kiosk/sw.js")

    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/kiosk/"
    assert "/static/kiosk/app.js" in response.content.decode()
    assert "/static/leaflet/leaflet.js" in response.content.decode()


def test_kiosk_shell_has_no_inline_script_or_style(client: Client) -> None:
    shell = client.get("/kiosk/").content.decode()

    assert "<style" not in shell
    assert " style=" not in shell
    scripts = re.findall(r"<script([^>]*)>", shell)
    assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts)


def test_online_mode_only_for_public_deployments(client: Client) -> None:
    draft = kiosk_deployment(polls=False).deployment
    Deployment.objects.filter(pk=draft.pk).update(status=Deployment.Status.DRAFT)

    assert client.get(f"/mitmachen/{draft.slug}/").status_code == 404
    assert client.get("/mitmachen/gibt-es-nicht/").status_code == 404
    Deployment.objects.filter(pk=draft.pk).update(status=Deployment.Status.RUNNING)
    assert client.get(f"/mitmachen/{draft.slug}/").status_code == 200
