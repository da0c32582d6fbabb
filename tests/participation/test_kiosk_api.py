"""The kiosk API as the tablet and residents' phones use it (contract: KIOSK_API.md)."""

import datetime as dt
import json
import re
import threading
import time
from pathlib import Path

import polib
import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from deployments.models import Deployment
from participation.models import Contribution, Device, Poll, PollAnswer
from participation.selectors.kiosk import SUBMISSION_RULES_SECONDS
from participation.services import devices
from participation.throttles import (
    DeviceAddressRateThrottle,
    DeviceRateThrottle,
    PublicSubmitRateThrottle,
)
from tests.factories import (
    BOXHAGENER_PLATZ,
    DeploymentFactory,
    PollOptionFactory,
    ThemeFactory,
    UserFactory,
)
from tests.participation.kiosk_factories import (
    event_today,
    idea_body,
    paired_device,
    poll_body,
    poll_with_options,
    running_deployment,
    theme_of,
    today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PAIR = "/api/kiosk/pair/"
BOOTSTRAP = "/api/kiosk/bootstrap/"
CONTRIBUTIONS = "/api/kiosk/contributions/"
POLL_RESPONSES = "/api/kiosk/poll-responses/"
HEARTBEAT = "/api/kiosk/heartbeat/"
LANGUAGES = {"de", "en", "tr", "ar", "uk"}
MISSING = object()
LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


def public(slug: str, what: str) -> str:
    return f"/api/public/deployments/{slug}/{what}/"


@pytest.fixture
def deployment() -> Deployment:
    return running_deployment(title="Kiezlabor am Boxhagener Platz", slug="boxhagener-platz")


@pytest.fixture
def tablet(deployment) -> tuple[APIClient, Device]:
    device, token = paired_device(deployment, name="Tablet 1")
    client = APIClient(headers={"authorization": f"Device {token}", "accept-language": "de"})
    return client, device


@pytest.fixture
def phone() -> APIClient:
    return APIClient(headers={"accept-language": "de"})


def post(client: APIClient, url: str, body: object, **kwargs):
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


# --- Pairing --------------------------------------------------------------------------------


def test_a_tablet_pairs_with_the_code_from_the_admin(deployment, phone) -> None:
    device = devices.device_pairing_code_create(
        device=Device.objects.create(
            organisation=deployment.organisation, name="Tablet 7", deployment=deployment
        ),
        by=UserFactory(),
    )

    response = post(phone, PAIR, {"code": device.pairing_code.lower()})

    assert response.status_code == 201
    body = response.json()
    assert body["device"] == {"id": device.pk, "name": "Tablet 7"}
    token = body["token"]
    assert len(token) >= 40
    device.refresh_from_db()
    assert device.token_hash == devices.token_hash(token)
    assert token not in device.token_hash
    bootstrap = phone.get(BOOTSTRAP, headers={"authorization": f"Device {token}"})
    assert bootstrap.status_code == 200


@pytest.mark.parametrize("code", ["ZZZZZZ", "ABC", ""])
def test_a_wrong_code_is_refused_with_a_message(phone, code) -> None:
    response = post(phone, PAIR, {"code": code})

    assert response.status_code == 400
    assert set(response.json()) == {"code"}


def test_a_wrong_code_says_what_to_do(phone) -> None:
    response = post(phone, PAIR, {"code": "ZZZZZZ"})

    assert response.json() == {
        "code": [
            "Dieser Code stimmt nicht oder ist abgelaufen. "
            "Bitte lassen Sie sich vom Team einen neuen Code geben."
        ]
    }


def test_an_expired_code_is_refused(deployment, phone) -> None:
    device = Device.objects.create(
        organisation=deployment.organisation, name="Tablet 2", deployment=deployment
    )
    devices.device_pairing_code_create(device=device, by=UserFactory())
    Device.objects.filter(pk=device.pk).update(
        pairing_code_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    response = post(phone, PAIR, {"code": device.pairing_code})

    assert response.status_code == 400
    assert "abgelaufen" in response.json()["code"][0]


def test_pairing_attempts_are_throttled_per_address(phone) -> None:
    for _ in range(10):
        assert post(phone, PAIR, {"code": "ZZZZZZ"}).status_code == 400

    response = post(phone, PAIR, {"code": "ZZZZZZ"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- Authentication -------------------------------------------------------------------------


def assert_asks_for_the_team(response) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Device"
    assert response.json() == {
        "detail": "Dieses Tablet ist nicht mehr angemeldet. Bitte wenden Sie sich an das Team."
    }


@pytest.mark.parametrize(
    "header", [None, "Device", "Device not-a-token", "Device a b", "Token abc", "Device ä"]
)
def test_without_a_valid_token_the_tablet_is_sent_to_the_team(phone, header) -> None:
    headers = {"authorization": header} if header else {}

    assert_asks_for_the_team(phone.get(BOOTSTRAP, headers=headers))


def test_a_revoked_tablet_is_sent_to_the_team(tablet) -> None:
    client, device = tablet
    devices.device_revoke(device=device, by=UserFactory())

    assert_asks_for_the_team(client.get(BOOTSTRAP))
    assert_asks_for_the_team(post(client, CONTRIBUTIONS, idea_body()))
    assert_asks_for_the_team(post(client, HEARTBEAT, {"pending": 1}))


def test_a_tablet_without_a_deployment_is_sent_to_the_team(tablet) -> None:
    client, device = tablet
    devices.device_move(device=device, deployment=None, by=UserFactory())

    assert_asks_for_the_team(client.get(BOOTSTRAP))


def test_a_moved_tablet_carries_on_with_its_new_deployment(tablet, deployment) -> None:
    client, device = tablet
    later = DeploymentFactory(organisation=deployment.organisation, title="Kiezlabor am Markt")

    devices.device_move(device=device, deployment=later, by=UserFactory())

    response = client.get(BOOTSTRAP)
    assert response.status_code == 200
    assert response.json()["deployment"]["title"] == "Kiezlabor am Markt"


def test_a_paired_again_tablet_loses_its_old_token(tablet, deployment) -> None:
    client, device = tablet
    devices.device_pairing_code_create(device=device, by=UserFactory())
    devices.device_pair(code=device.pairing_code)

    assert_asks_for_the_team(client.get(BOOTSTRAP))


# --- Bootstrap ------------------------------------------------------------------------------


def test_the_bootstrap_holds_everything_the_tablet_shows(tablet, deployment) -> None:
    client, _device = tablet
    theme_of(deployment, "Grünflächen")
    ThemeFactory(organisation=deployment.organisation, name="Nicht gewählt")
    theme_of(deployment, "Verkehr", translations={"en": "Traffic"})
    poll = poll_with_options(deployment, type=Poll.Type.DOTS, points=5, options=2)
    poll_with_options(deployment, is_active=False, question="Alte Frage?")
    event = event_today(deployment, title="Fahrrad-Werkstatt")
    event_today(deployment, title="Morgen", day=today() + dt.timedelta(days=1))
    event_today(
        deployment, title="Abgesagt", state="cancelled", cancel_reason="Regen", cancelled_on=today()
    )
    event_today(deployment, title="Teamtreffen", is_public=False)

    response = client.get(BOOTSTRAP)

    assert response.status_code == 200
    body = response.json()
    assert body["device"] == {"name": "Tablet 1", "idle_seconds": 90}
    assert body["deployment"] == {
        "id": deployment.pk,
        "slug": "boxhagener-platz",
        "title": "Kiezlabor am Boxhagener Platz",
        "site_name": deployment.site.name,
        "starts_on": deployment.starts_on.isoformat(),
        "ends_on": deployment.ends_on.isoformat(),
    }
    assert [topic["name"]["de"] for topic in body["topics"]] == ["Grünflächen", "Verkehr"]
    traffic = body["topics"][1]["name"]
    assert traffic == {
        "de": "Verkehr",
        "en": "Traffic",
        "tr": "Verkehr",
        "ar": "Verkehr",
        "uk": "Verkehr",
    }
    assert len(body["polls"]) == 1
    assert body["polls"][0]["id"] == poll.pk
    assert body["polls"][0]["type"] == "dots"
    assert body["polls"][0]["points"] == 5
    assert set(body["polls"][0]["question"]) == LANGUAGES
    assert body["polls"][0]["question"]["tr"] == "Meydan için ne istersiniz?"
    assert [option["label"]["de"] for option in body["polls"][0]["options"]] == [
        "Mehr Grün",
        "Mehr Sitzplätze",
    ]
    assert [item["title"] for item in body["events_today"]] == ["Fahrrad-Werkstatt"]
    assert body["events_today"][0]["id"] == event.pk
    assert body["events_today"][0]["starts_at"].endswith(("+01:00", "+02:00"))
    assert body["limits"]["text_max_length"] == 1000
    assert dt.datetime.fromisoformat(body["server_time"])


def test_the_bootstrap_map_shows_the_area_and_allows_pins_around_it(tablet) -> None:
    client, _device = tablet

    area_map = client.get(BOOTSTRAP).json()["map"]

    assert area_map["site"] == {
        "type": "Point",
        "coordinates": [BOXHAGENER_PLATZ.x, BOXHAGENER_PLATZ.y],
    }
    assert area_map["area"]["type"] == "MultiPolygon"
    (south, west), (north, east) = area_map["bounds"]
    # The area is a square of ±0.01° around the site; the margin adds ~300 m (0.0027° north,
    # 0.0044° east at Berlin's latitude).
    assert south == pytest.approx(BOXHAGENER_PLATZ.y - 0.01 - 0.0027, abs=0.0002)
    assert north == pytest.approx(BOXHAGENER_PLATZ.y + 0.01 + 0.0027, abs=0.0002)
    assert west == pytest.approx(BOXHAGENER_PLATZ.x - 0.01 - 0.0044, abs=0.0002)
    assert east == pytest.approx(BOXHAGENER_PLATZ.x + 0.01 + 0.0044, abs=0.0002)
    assert "tiles_url" in area_map
    assert "attribution" in area_map


def test_without_an_area_the_map_frames_about_a_kilometre_around_the_site(
    tablet, deployment
) -> None:
    client, _device = tablet
    deployment.site.areas.clear()

    area_map = client.get(BOOTSTRAP).json()["map"]

    assert area_map["area"] is None
    (south, _west), (north, _east) = area_map["bounds"]
    assert (north - south) * 111_320 == pytest.approx(2 * 1300, rel=0.01)


def test_the_bootstrap_costs_the_same_queries_for_one_and_for_twenty_topics_and_polls(
    tablet, deployment, django_assert_num_queries
) -> None:
    client, _device = tablet
    theme_of(deployment, "Thema 0")
    poll_with_options(deployment, options=1)
    event_today(deployment)
    # The tablet's device with its deployment, the site, the area, topics, polls + options, events
    with django_assert_num_queries(7):
        assert client.get(BOOTSTRAP).status_code == 200

    for number in range(1, 20):
        theme_of(deployment, f"Thema {number}")
        poll = poll_with_options(deployment, question=f"Frage {number}?", options=4)
        PollOptionFactory(poll=poll, label=f"Eigene Antwort {number}")
        event_today(deployment)
    with django_assert_num_queries(7):
        body = client.get(BOOTSTRAP).json()
    assert len(body["topics"]) == 20
    assert len(body["polls"]) == 20


# --- Submissions ----------------------------------------------------------------------------


def test_an_idea_is_stored_and_answered_with_201(tablet, deployment) -> None:
    client, device = tablet
    theme = theme_of(deployment)
    body = idea_body(theme=theme.pk, location={"lat": 52.512, "lng": 13.458})

    response = post(client, CONTRIBUTIONS, body, REMOTE_ADDR="203.0.113.77")

    assert response.status_code == 201
    answer = response.json()
    assert answer["client_uuid"] == body["client_uuid"]
    contribution = Contribution.objects.get(pk=answer["id"])
    assert (contribution.channel, contribution.device, contribution.theme) == (
        "kiosk",
        device,
        theme,
    )
    assert contribution.location.coords == pytest.approx((13.458, 52.512))
    assert dt.datetime.fromisoformat(answer["received_at"]) == contribution.received_at


def test_no_ip_address_is_stored_anywhere_on_the_row(tablet) -> None:
    client, _device = tablet
    response = post(client, CONTRIBUTIONS, idea_body(), REMOTE_ADDR="203.0.113.77")

    row = Contribution.objects.filter(pk=response.json()["id"]).values().get()

    assert not [name for name, value in row.items() if "203.0.113" in str(value)]
    assert not [name for name in row if "ip" in name.split("_") or "address" in name]


def test_the_same_submission_sent_again_is_answered_with_the_original(tablet) -> None:
    client, _device = tablet
    body = idea_body()
    first = post(client, CONTRIBUTIONS, body)

    again = post(client, CONTRIBUTIONS, body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Contribution.objects.count() == 1


def test_the_same_uuid_with_other_content_is_a_conflict(tablet) -> None:
    client, _device = tablet
    body = idea_body()
    post(client, CONTRIBUTIONS, body)

    response = post(client, CONTRIBUTIONS, {**body, "text": "Etwas ganz anderes."})

    assert response.status_code == 409
    assert "detail" in response.json()
    assert Contribution.objects.count() == 1


def test_a_poll_response_is_stored_with_its_answers(tablet, deployment) -> None:
    client, _device = tablet
    poll = poll_with_options(deployment, type=Poll.Type.MULTIPLE)
    options = list(poll.options.order_by("position"))
    body = poll_body(poll, answers=[{"option": options[0].pk}, {"option": options[2].pk}])

    first = post(client, POLL_RESPONSES, body)
    again = post(client, POLL_RESPONSES, body)
    conflict = post(client, POLL_RESPONSES, {**body, "answers": [{"option": options[1].pk}]})

    assert (first.status_code, again.status_code, conflict.status_code) == (201, 200, 409)
    contribution = Contribution.objects.get()
    assert (contribution.kind, contribution.poll) == ("poll", poll)
    assert sorted(PollAnswer.objects.values_list("option__label", flat=True)) == [
        "Mehr Grün",
        "Mehr Licht",
    ]


def test_a_rating_poll_response(tablet, deployment) -> None:
    client, _device = tablet
    poll = poll_with_options(deployment, type=Poll.Type.RATING, options=0)

    response = post(client, POLL_RESPONSES, poll_body(poll, answers=[], rating=4))

    assert response.status_code == 201
    assert Contribution.objects.get().rating == 4


def test_a_feedback_on_todays_event(tablet, deployment) -> None:
    client, _device = tablet
    event = event_today(deployment)

    response = post(
        client, CONTRIBUTIONS, idea_body(kind="feedback", text="", event=event.pk, rating=5)
    )

    assert response.status_code == 201
    assert Contribution.objects.get().event == event


# --- Validation messages through the API -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "x" * 1001}, "text", "Bitte schreiben Sie höchstens 1000 Zeichen."),
        ({"text": "ok"}, "text", "Bitte schreiben Sie mindestens 3 Zeichen."),
        (
            {"consent": False},
            "consent",
            "Bitte stimmen Sie zu, damit wir Ihren Beitrag speichern dürfen.",
        ),
        (
            {"consent": MISSING},
            "consent",
            "Bitte stimmen Sie zu, damit wir Ihren Beitrag speichern dürfen.",
        ),
        ({"language": "fr"}, "language", "Bitte wählen Sie eine der angebotenen Sprachen."),
        ({"age_band": "40_50"}, "age_band", "Bitte wählen Sie eine der angebotenen Antworten."),
        ({"relation": "owner"}, "relation", "Bitte wählen Sie eine der angebotenen Antworten."),
        ({"heard_via": "tv"}, "heard_via", "Bitte wählen Sie eine der angebotenen Antworten."),
        ({"kind": "poll"}, "kind", "Bitte wählen Sie: Idee oder Rückmeldung."),
        (
            {"kind": "feedback", "event": None, "rating": 9},
            "rating",
            "Bitte wählen Sie eine Bewertung von 1 bis 5.",
        ),
        ({"theme": 999_999}, "theme", "Bitte wählen Sie eines der angebotenen Themen."),
        (
            {"location": {"lat": 52.52, "lng": 13.40}},
            "location",
            "Dieser Ort liegt zu weit vom Labor entfernt. "
            "Bitte setzen Sie die Markierung in der Nähe.",
        ),
        (
            {"created_on_device_at": "2099-01-01T12:00:00+01:00"},
            "created_on_device_at",
            "Die Uhrzeit des Geräts liegt in der Zukunft. "
            "Bitte stellen Sie Datum und Uhrzeit am Gerät richtig ein.",
        ),
    ],
)
def test_each_rule_answers_with_its_message(tablet, changes, field, message) -> None:
    client, _device = tablet
    body = {key: value for key, value in idea_body(**changes).items() if value is not MISSING}

    response = post(client, CONTRIBUTIONS, body)

    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Contribution.objects.exists()


def test_a_feedback_on_an_event_of_another_day_is_refused(tablet, deployment) -> None:
    client, _device = tablet
    tomorrow = event_today(deployment, day=today() + dt.timedelta(days=1))

    response = post(
        client, CONTRIBUTIONS, idea_body(kind="feedback", text="", event=tomorrow.pk, rating=3)
    )

    assert response.status_code == 400
    assert response.json() == {
        "event": [
            "Diese Veranstaltung findet heute nicht statt. "
            "Bitte wählen Sie eine Veranstaltung von heute."
        ]
    }


@pytest.mark.parametrize(
    ("poll_type", "answers", "rating", "field", "message"),
    [
        ("single", [0, 1], None, "answers", "Bitte wählen Sie genau eine Antwort."),
        ("multiple", [], None, "answers", "Bitte wählen Sie eine Antwort."),
        ("multiple", [0, 0], None, "answers", "Bitte wählen Sie jede Antwort nur einmal."),
        (
            "dots",
            [(0, 2), (1, 1)],
            None,
            "answers",
            "Bitte verteilen Sie genau 5 Punkte (jetzt: 3).",
        ),
        (
            "dots",
            [(0, 0), (1, 5)],
            None,
            "answers",
            "Jede gewählte Antwort braucht mindestens einen Punkt.",
        ),
        ("rating", [], None, "rating", "Bitte wählen Sie eine Bewertung von 1 bis 5."),
        ("rating", [], 6, "rating", "Bitte wählen Sie eine Bewertung von 1 bis 5."),
        ("rating", [0], 3, "answers", "Bei dieser Frage gibt es nur eine Bewertung."),
    ],
)
def test_each_poll_shape_answers_with_its_message(
    tablet, deployment, poll_type, answers, rating, field, message
) -> None:
    client, _device = tablet
    poll = poll_with_options(deployment, type=poll_type, points=5 if poll_type == "dots" else None)
    options = list(poll.options.order_by("position", "pk"))
    chosen = [
        {"option": options[item].pk, "points": 1}
        if isinstance(item, int)
        else {"option": options[item[0]].pk, "points": item[1]}
        for item in answers
    ]

    response = post(client, POLL_RESPONSES, poll_body(poll, answers=chosen, rating=rating))

    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    # Rule messages come as a list; type errors of one answer are nested under its index.
    assert message in json.dumps(errors[field], ensure_ascii=False)
    assert not Contribution.objects.exists()


def test_messages_come_in_the_residents_language(tablet) -> None:
    client, _device = tablet

    response = post(client, CONTRIBUTIONS, idea_body(text="ok"), headers={"accept-language": "tr"})

    assert response.status_code == 400
    assert response.json() == {"text": ["Lütfen en az 3 karakter yazın."]}


def test_the_not_paired_message_comes_in_the_residents_language(phone) -> None:
    response = phone.get(
        BOOTSTRAP, headers={"authorization": "Device nope", "accept-language": "uk"}
    )

    assert response.status_code == 401
    assert "Bitte" not in response.json()["detail"]


# --- Malformed requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b'{"text": NaN}',
        b"\xff\xfe\x00",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_malformed_json_is_a_400(tablet, raw) -> None:
    client, _device = tablet

    response = client.post(CONTRIBUTIONS, data=raw, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        [],
        "idea",
        42,
        None,
        {},
        idea_body(client_uuid="123"),
        idea_body(text=["a", "b"]),
        idea_body(text={"de": "Hallo"}),
        idea_body(theme="Grün"),
        idea_body(theme=2**70),
        idea_body(location=[52.5, 13.4]),
        idea_body(location={"lat": "north", "lng": 13.4}),
        idea_body(location={"lat": 1e400, "lng": 13.4}),
        idea_body(created_on_device_at="gestern"),
        idea_body(created_on_device_at="9999-12-31T23:59:59-23:59"),
        idea_body(consent="vielleicht"),
        idea_body(text="Null\x00Zeichen"),
        idea_body(text="Halb\ud800Zeichen"),
    ],
)
def test_wrong_types_are_a_400(tablet, body) -> None:
    client, _device = tablet

    response = post(client, CONTRIBUTIONS, body)

    assert response.status_code == 400
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    "answers",
    [
        "alle",
        [1, 2],
        [{"option": "eins"}],
        [{"option": 1, "points": "viele"}],
        [{"option": 1}] * 51,
    ],
)
def test_wrong_answer_types_are_a_400(tablet, deployment, answers) -> None:
    client, _device = tablet
    poll = poll_with_options(deployment)

    response = post(client, POLL_RESPONSES, poll_body(poll, answers=answers))

    assert response.status_code == 400


def test_an_oversized_body_is_refused_before_parsing(tablet) -> None:
    client, _device = tablet
    body = idea_body(text="x" * 300_000)

    response = post(client, CONTRIBUTIONS, body)

    assert response.status_code == 413
    assert not Contribution.objects.exists()


def test_an_oversized_body_without_a_length_is_refused(tablet) -> None:
    client, _device = tablet
    raw = json.dumps(idea_body(text="x" * 300_000)).encode()

    response = client.generic(
        "POST", CONTRIBUTIONS, raw, content_type="application/json", CONTENT_LENGTH=""
    )

    assert response.status_code in (400, 413)


def test_an_unknown_charset_is_read_as_utf_8(tablet) -> None:
    client, _device = tablet

    response = client.post(
        CONTRIBUTIONS,
        data=json.dumps(idea_body()),
        content_type="application/json; charset=no-such-charset",
    )

    assert response.status_code == 201


def test_a_form_post_is_not_accepted(tablet) -> None:
    client, _device = tablet

    response = client.post(CONTRIBUTIONS, data={"text": "Hallo"})

    assert response.status_code == 415


# --- Heartbeat and throttling ----------------------------------------------------------------


def test_the_heartbeat_records_what_waits_on_the_tablet(tablet) -> None:
    client, device = tablet

    response = post(client, HEARTBEAT, {"pending": 3, "rejected": 1, "app_version": "1"})

    assert response.status_code == 200
    assert response.json()["paired"] is True
    device.refresh_from_db()
    assert (device.pending_on_device, device.rejected_on_device) == (3, 1)
    assert device.last_seen_at is not None


def test_a_flooding_tablet_gets_429_with_retry_after(tablet, settings) -> None:
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": "3/min"}
    client, _device = tablet
    for _ in range(3):
        assert post(client, HEARTBEAT, {"pending": 0}).status_code == 200

    response = post(client, HEARTBEAT, {"pending": 0})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_throttled_tablet_is_heard_again_when_its_minute_is_over(
    tablet, settings, monkeypatch
) -> None:
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": "3/min"}
    client, _device = tablet
    start = 60 * 29_000_000 + 50.0  # ten seconds before a minute ends
    clock = {"now": start}
    monkeypatch.setattr(DeviceRateThrottle, "timer", lambda _self: clock["now"])
    for _ in range(3):
        assert post(client, HEARTBEAT, {"pending": 0}).status_code == 200

    refused = post(client, HEARTBEAT, {"pending": 0})
    clock["now"] = start + 10
    heard = post(client, HEARTBEAT, {"pending": 0})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 10
    assert heard.status_code == 200


def test_inputs_are_taken_while_the_cache_that_counts_the_limits_is_down(
    tablet, settings, caplog
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/2",  # nothing listens there
        }
    }
    client, _device = tablet

    response = post(client, CONTRIBUTIONS, idea_body())

    assert response.status_code == 201, response.content
    assert "kiosk_device not applied: the cache is unreachable" in caplog.text


def test_a_topic_taken_off_the_deployment_is_refused_within_a_minute(
    tablet, deployment, monkeypatch
) -> None:
    client, _device = tablet
    theme = theme_of(deployment)
    assert post(client, CONTRIBUTIONS, idea_body(theme=theme.pk)).status_code == 201

    deployment.themes.remove(theme)
    later = time.time() + SUBMISSION_RULES_SECONDS + 1
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    response = post(client, CONTRIBUTIONS, idea_body(theme=theme.pk))

    assert response.status_code == 400
    assert response.json() == {"theme": ["Bitte wählen Sie eines der angebotenen Themen."]}


def test_an_input_costs_two_queries_once_the_rules_are_cached(
    tablet, deployment, django_assert_num_queries
) -> None:
    client, _device = tablet
    theme = theme_of(deployment)
    body = idea_body(theme=theme.pk, location={"lat": 52.512, "lng": 13.458})
    assert post(client, CONTRIBUTIONS, idea_body(theme=theme.pk)).status_code == 201

    with django_assert_num_queries(2):  # the tablet with its deployment; the insert
        assert post(client, CONTRIBUTIONS, body).status_code == 201


def test_ten_tablets_behind_one_router_do_not_share_a_limit(deployment) -> None:
    clients = [
        APIClient(headers={"authorization": f"Device {paired_device(deployment)[1]}"})
        for _ in range(10)
    ]

    statuses = {
        post(client, HEARTBEAT, {"pending": 0}, REMOTE_ADDR="198.51.100.1").status_code
        for _round in range(6)
        for client in clients
    }

    assert statuses == {200}


def test_the_address_backstop_lets_ten_tablets_use_their_whole_limit() -> None:
    per_device, per_address = DeviceRateThrottle(), DeviceAddressRateThrottle()

    assert per_device.duration == per_address.duration
    assert per_address.num_requests >= 10 * per_device.num_requests


def test_throttle_counters_hold_no_address(rf) -> None:
    request = rf.post(CONTRIBUTIONS, REMOTE_ADDR="203.0.113.77")

    keys = [
        throttle().get_cache_key(request, None)
        for throttle in (DeviceAddressRateThrottle, PublicSubmitRateThrottle)
    ]

    assert all(keys)
    assert not [key for key in keys if "203.0.113" in key]
    assert keys[1] == PublicSubmitRateThrottle().get_cache_key(request, None)


def test_the_address_backstop_stops_a_flood_from_one_address(deployment, settings) -> None:
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_address": "5/min"}
    clients = [
        APIClient(headers={"authorization": f"Device {paired_device(deployment)[1]}"})
        for _ in range(6)
    ]

    statuses = [post(client, HEARTBEAT, {"pending": 0}).status_code for client in clients]

    assert statuses == [200] * 5 + [429]


# --- Residents' phones -----------------------------------------------------------------------


def test_a_phone_gets_the_bootstrap_without_device_settings(deployment, phone) -> None:
    theme_of(deployment)

    response = phone.get(public(deployment.slug, "bootstrap"))

    assert response.status_code == 200
    body = response.json()
    assert "device" not in body
    assert body["deployment"]["slug"] == deployment.slug
    assert len(body["topics"]) == 1


@pytest.mark.parametrize("status", ["draft", "planned", "closed", "reported"])
def test_phones_cannot_take_part_outside_the_deployment(deployment, phone, status) -> None:
    Deployment.objects.filter(pk=deployment.pk).update(status=status)

    assert phone.get(public(deployment.slug, "bootstrap")).status_code == 404
    assert post(phone, public(deployment.slug, "contributions"), idea_body()).status_code == 404
    assert not Contribution.objects.exists()


def test_an_idea_from_a_phone_is_stored_as_online(deployment, phone) -> None:
    response = post(
        phone,
        public(deployment.slug, "contributions"),
        idea_body(website=""),
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 201
    contribution = Contribution.objects.get()
    assert (contribution.channel, contribution.device) == ("online", None)
    assert "203.0.113.9" not in json.dumps(
        Contribution.objects.filter(pk=contribution.pk).values().get(), default=str
    )


def test_a_poll_response_from_a_phone_is_stored_as_online(deployment, phone) -> None:
    poll = poll_with_options(deployment)

    response = post(phone, public(deployment.slug, "poll-responses"), poll_body(poll))

    assert response.status_code == 201
    assert Contribution.objects.get().channel == "online"


@pytest.mark.parametrize("what", ["contributions", "poll-responses"])
def test_a_filled_honeypot_is_refused_and_nothing_saved(deployment, phone, what) -> None:
    poll = poll_with_options(deployment)
    body = idea_body() if what == "contributions" else poll_body(poll)

    response = post(
        phone, public(deployment.slug, what), {**body, "website": "http://spam.example"}
    )

    assert response.status_code == 400
    assert "website" in response.json()
    assert not Contribution.objects.exists()


def test_phones_are_throttled_per_address(deployment, phone) -> None:
    url = public(deployment.slug, "contributions")
    for _ in range(20):
        assert post(phone, url, idea_body()).status_code == 201

    response = post(phone, url, idea_body())

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Contribution.objects.count() == 20


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_replays_end_in_exactly_one_row(settings) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises all writes, there is no race to test")
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": None, "kiosk_address": None}
    deployment = running_deployment()
    _device, token = paired_device(deployment)
    body = json.dumps(idea_body())
    start = threading.Barrier(50)
    statuses: list[int] = []

    def send() -> None:
        try:
            client = APIClient(headers={"authorization": f"Device {token}"})
            start.wait()
            response = client.post(CONTRIBUTIONS, data=body, content_type="application/json")
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] * 49 + [201]
    assert Contribution.objects.filter(client_uuid=json.loads(body)["client_uuid"]).count() == 1


# --- Translations -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "tr", "ar", "uk"])
def test_every_kiosk_message_is_translated_with_its_placeholders(language) -> None:
    catalog = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
    entries = [entry for entry in catalog if entry.msgctxt == "kiosk"]

    assert entries
    assert not [entry.msgid for entry in entries if not entry.msgstr]
    assert not [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    placeholders = re.compile(r"%\(\w+\)d|\{\w+\}")
    assert not [
        entry.msgid
        for entry in entries
        if sorted(placeholders.findall(entry.msgid)) != sorted(placeholders.findall(entry.msgstr))
    ]
