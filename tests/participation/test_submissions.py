"""Residents' inputs through the services: every rule with its message, masking, idempotency."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from participation.models import Channel, Contribution, Poll, PollAnswer
from participation.services.submissions import (
    AboutYouInput,
    AnswerInput,
    ContributionInput,
    Location,
    PollResponseInput,
    SubmissionConflict,
    contribution_submit,
    poll_response_submit,
)
from tests.factories import BOXHAGENER_PLATZ, DeploymentFactory, EventFactory, ThemeFactory
from tests.participation.kiosk_factories import (
    event_today,
    local_time,
    paired_device,
    poll_with_options,
    running_deployment,
    theme_of,
    today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


@pytest.fixture
def deployment():
    return running_deployment(title="Kiezlabor am Boxhagener Platz")


@pytest.fixture
def device(deployment):
    return paired_device(deployment)[0]


def idea(**changes) -> ContributionInput:
    values = {
        "client_uuid": uuid.uuid4(),
        "kind": "idea",
        "language": "de",
        "created_on_device_at": timezone.now(),
        "text": "Ein Trinkbrunnen für heiße Sommertage wäre toll.",
        **changes,
    }
    return ContributionInput(**values)


def feedback(**changes) -> ContributionInput:
    return idea(**{"kind": "feedback", "text": "", "rating": 4, **changes})


def answers(poll: Poll, *points: int) -> tuple[AnswerInput, ...]:
    options = list(poll.options.order_by("position", "pk"))
    return tuple(AnswerInput(option=options[i].pk, points=p) for i, p in enumerate(points) if p)


def response(poll: Poll, **changes) -> PollResponseInput:
    values = {
        "client_uuid": uuid.uuid4(),
        "poll": poll.pk,
        "language": "de",
        "created_on_device_at": timezone.now(),
        **changes,
    }
    return PollResponseInput(**values)


def submit(deployment, data, device=None, channel=Channel.KIOSK):
    service = contribution_submit if isinstance(data, ContributionInput) else poll_response_submit
    return service(deployment=deployment, device=device, channel=channel, data=data)


def refusal(deployment, data) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        submit(deployment, data)
    assert not Contribution.objects.exists()
    return excinfo.value.message_dict


# --- Storing ---------------------------------------------------------------------------------


def test_an_idea_is_stored_with_everything_the_tablet_sent(deployment, device) -> None:
    theme = theme_of(deployment)
    created_on_device_at = timezone.now() - dt.timedelta(minutes=3)
    data = idea(
        theme=theme.pk,
        location=Location(lat=52.511, lng=13.461),
        language="tr",
        created_on_device_at=created_on_device_at,
        about=AboutYouInput(age_band="27_44", relation="newcomer", heard_via="poster"),
    )

    contribution, created = submit(deployment, data, device=device)

    assert created
    contribution.refresh_from_db()
    assert contribution.kind == "idea"
    assert contribution.channel == "kiosk"
    assert contribution.text == "Ein Trinkbrunnen für heiße Sommertage wäre toll."
    assert not contribution.text_was_masked
    assert contribution.theme == theme
    assert contribution.location.srid == 4326
    assert (contribution.location.x, contribution.location.y) == pytest.approx((13.461, 52.511))
    assert contribution.language == "tr"
    assert (contribution.age_band, contribution.relation, contribution.heard_via) == (
        "27_44",
        "newcomer",
        "poster",
    )
    assert contribution.device == device
    assert contribution.deployment == deployment
    assert contribution.created_on_device_at == created_on_device_at
    assert contribution.received_at >= created_on_device_at
    assert contribution.client_uuid == data.client_uuid
    assert len(contribution.content_hash) == 64
    assert contribution.moderation_status == "new"


def test_personal_data_in_the_text_is_masked_before_storing(deployment) -> None:
    data = idea(text="Schreibt mir: lena.meyer@example.org oder ruft an: 030 1234 5678")

    contribution, _created = submit(deployment, data)

    contribution.refresh_from_db()
    assert "lena.meyer" not in contribution.text
    assert "1234 5678" not in contribution.text
    assert "[E-Mail entfernt]" in contribution.text
    assert contribution.text_was_masked


def test_a_feedback_is_stored_with_its_event_and_rating(deployment) -> None:
    event = event_today(deployment)

    contribution, _created = submit(deployment, feedback(event=event.pk, rating=5))

    assert (contribution.kind, contribution.event, contribution.rating) == ("feedback", event, 5)


def test_fields_of_the_other_kind_are_not_stored(deployment) -> None:
    event = event_today(deployment)
    theme = theme_of(deployment)

    contribution, _ = submit(
        deployment,
        feedback(event=event.pk, theme=theme.pk, location=Location(lat=52.51, lng=13.46)),
    )

    assert contribution.theme is None
    assert contribution.location is None


def test_a_single_choice_answer_is_stored_as_a_poll_contribution(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.SINGLE)

    contribution, created = submit(deployment, response(poll, answers=answers(poll, 0, 1)))

    assert created
    assert (contribution.kind, contribution.poll) == ("poll", poll)
    assert [(a.option.label, a.points) for a in contribution.poll_answers.all()] == [
        ("Mehr Sitzplätze", 1)
    ]


def test_dots_are_stored_per_option(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.DOTS, points=5)

    contribution, _ = submit(deployment, response(poll, answers=answers(poll, 3, 0, 2)))

    stored = {a.option.label: a.points for a in contribution.poll_answers.all()}
    assert stored == {"Mehr Grün": 3, "Mehr Licht": 2}


def test_a_rating_poll_stores_the_rating_on_the_contribution(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.RATING, options=0)

    contribution, _ = submit(deployment, response(poll, rating=2))

    assert contribution.rating == 2
    assert not contribution.poll_answers.exists()


# --- Idempotency ----------------------------------------------------------------------------


def test_the_same_input_sent_again_returns_the_original(deployment) -> None:
    data = idea()
    first, created = submit(deployment, data)

    again, created_again = submit(deployment, data)

    assert created
    assert not created_again
    assert again.pk == first.pk
    assert Contribution.objects.count() == 1


def test_the_same_moment_in_another_time_zone_is_the_same_content(deployment) -> None:
    moment = timezone.now().replace(microsecond=0)
    data = idea(created_on_device_at=moment.astimezone(dt.UTC))
    first, _ = submit(deployment, data)

    again, created = submit(
        deployment, idea(client_uuid=data.client_uuid, created_on_device_at=moment.astimezone())
    )

    assert not created
    assert again.pk == first.pk


def test_the_same_uuid_with_other_content_is_a_conflict(deployment) -> None:
    data = idea()
    submit(deployment, data)

    with pytest.raises(SubmissionConflict):
        submit(deployment, idea(client_uuid=data.client_uuid, text="Ganz etwas anderes."))
    assert Contribution.objects.count() == 1


def test_a_replay_is_recognised_before_the_rules_are_checked_again(deployment) -> None:
    """An input accepted yesterday is not refused today because its event is over."""
    theme = theme_of(deployment)
    data = idea(theme=theme.pk)
    first, _ = submit(deployment, data)
    deployment.themes.remove(theme)

    again, created = submit(deployment, data)

    assert not created
    assert again.pk == first.pk


def test_a_poll_response_sent_again_adds_no_answers(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.MULTIPLE)
    data = response(poll, answers=answers(poll, 1, 1))
    submit(deployment, data)

    _again, created = submit(
        deployment,
        response(
            poll,
            client_uuid=data.client_uuid,
            created_on_device_at=data.created_on_device_at,
            answers=data.answers[::-1],
        ),
    )

    assert not created
    assert PollAnswer.objects.count() == 2


def test_a_poll_response_with_other_answers_is_a_conflict(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.SINGLE)
    data = response(poll, answers=answers(poll, 1))
    submit(deployment, data)

    with pytest.raises(SubmissionConflict):
        submit(
            deployment, response(poll, client_uuid=data.client_uuid, answers=answers(poll, 0, 1))
        )


# --- Rules and their messages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Bitte schreiben Sie mindestens 3 Zeichen."),
        ("Ja", "Bitte schreiben Sie mindestens 3 Zeichen."),
        ("x" * 1001, "Bitte schreiben Sie höchstens 1000 Zeichen."),
    ],
)
def test_an_idea_needs_a_text_of_fitting_length(deployment, text, message) -> None:
    assert refusal(deployment, idea(text=text)) == {"text": [message]}


def test_an_idea_of_exactly_the_limits_is_accepted(deployment) -> None:
    submit(deployment, idea(text="Bus"))
    submit(deployment, idea(text="x" * 1000))

    assert Contribution.objects.count() == 2


def test_a_topic_must_be_one_of_the_deployment(deployment) -> None:
    other = ThemeFactory(organisation=deployment.organisation, name="Verkehr")

    errors = refusal(deployment, idea(theme=other.pk))

    assert errors == {"theme": ["Bitte wählen Sie eines der angebotenen Themen."]}


def test_a_topic_of_another_deployment_is_refused(deployment) -> None:
    elsewhere = DeploymentFactory(organisation=deployment.organisation)
    theme = ThemeFactory(organisation=deployment.organisation, name="Spielplätze")
    elsewhere.themes.add(theme)

    assert "theme" in refusal(deployment, idea(theme=theme.pk))


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (52.5105, 13.4594 + 0.016),  # east of the area (half side 0.01°) and its margin
        (52.5105 - 0.016, 13.4594),  # south
        (52.520, 13.40),  # Alexanderplatz: far away
        (0.0, 0.0),
    ],
)
def test_a_pin_far_from_the_area_is_refused(deployment, lat, lng) -> None:
    errors = refusal(deployment, idea(location=Location(lat=lat, lng=lng)))

    assert errors == {
        "location": [
            "Dieser Ort liegt zu weit vom Labor entfernt. "
            "Bitte setzen Sie die Markierung in der Nähe."
        ]
    }


def test_a_pin_just_outside_the_area_is_accepted(deployment) -> None:
    # 0.012° east of the site: outside the area (0.01°) but inside its 300 m margin.
    contribution, _ = submit(
        deployment, idea(location=Location(lat=BOXHAGENER_PLATZ.y, lng=BOXHAGENER_PLATZ.x + 0.012))
    )

    assert contribution.location is not None


def test_without_an_area_pins_are_allowed_about_a_kilometre_around_the_site(deployment) -> None:
    deployment.site.areas.clear()
    near = Location(lat=BOXHAGENER_PLATZ.y + 0.009, lng=BOXHAGENER_PLATZ.x)  # ~1 km north
    far = Location(lat=BOXHAGENER_PLATZ.y + 0.02, lng=BOXHAGENER_PLATZ.x)  # ~2.2 km north

    submit(deployment, idea(location=near))

    assert "location" in refusal_after_one(deployment, idea(location=far))


def refusal_after_one(deployment, data) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        submit(deployment, data)
    return excinfo.value.message_dict


def test_a_feedback_needs_an_event(deployment) -> None:
    errors = refusal(deployment, feedback())

    assert errors == {"event": ["Bitte wählen Sie eine Veranstaltung von heute."]}


@pytest.mark.parametrize("when", ["tomorrow", "yesterday", "cancelled", "internal", "elsewhere"])
def test_a_feedback_must_be_on_one_of_todays_events(deployment, when) -> None:
    if when == "tomorrow":
        event = event_today(deployment, day=today() + dt.timedelta(days=1))
    elif when == "yesterday":
        event = event_today(deployment, day=today() - dt.timedelta(days=1))
    elif when == "cancelled":
        event = event_today(
            deployment, state="cancelled", cancel_reason="Regen", cancelled_on=today()
        )
    elif when == "internal":
        event = event_today(deployment, is_public=False)
    else:
        event = event_today(running_deployment())

    errors = refusal(deployment, feedback(event=event.pk))

    assert errors == {
        "event": [
            "Diese Veranstaltung findet heute nicht statt. "
            "Bitte wählen Sie eine Veranstaltung von heute."
        ]
    }


def test_feedback_given_late_last_night_arrives_the_next_morning(deployment) -> None:
    """An offline tablet delivers yesterday evening's feedback on yesterday's event."""
    yesterday = today() - dt.timedelta(days=1)
    event = EventFactory(
        deployment=deployment,
        starts_at=local_time(yesterday, 18),
        ends_at=local_time(yesterday, 21),
    )

    contribution, _ = submit(
        deployment, feedback(event=event.pk, created_on_device_at=local_time(yesterday, 21, 30))
    )

    assert contribution.event == event


def test_a_feedback_needs_a_rating_or_a_text(deployment) -> None:
    event = event_today(deployment)

    errors = refusal(deployment, feedback(event=event.pk, rating=None))

    assert errors == {
        "rating": ["Bitte geben Sie eine Bewertung oder schreiben Sie uns ein paar Worte."]
    }


def test_a_feedback_with_text_only_is_accepted(deployment) -> None:
    event = event_today(deployment)

    contribution, _ = submit(
        deployment, feedback(event=event.pk, rating=None, text="Sehr schöne Werkstatt!")
    )

    assert contribution.rating is None


def test_a_time_stamp_in_the_future_is_refused(deployment) -> None:
    errors = refusal(
        deployment, idea(created_on_device_at=timezone.now() + dt.timedelta(minutes=10))
    )

    assert errors == {
        "created_on_device_at": [
            "Die Uhrzeit des Geräts liegt in der Zukunft. "
            "Bitte stellen Sie Datum und Uhrzeit am Gerät richtig ein."
        ]
    }


def test_a_tablet_clock_a_little_ahead_is_tolerated(deployment) -> None:
    submit(deployment, idea(created_on_device_at=timezone.now() + dt.timedelta(minutes=4)))

    assert Contribution.objects.count() == 1


def test_a_time_stamp_from_before_the_deployment_is_refused(deployment) -> None:
    too_early = local_time(deployment.starts_on - dt.timedelta(days=2), 12)

    errors = refusal(deployment, idea(created_on_device_at=too_early))

    assert errors == {
        "created_on_device_at": [
            "Dieser Beitrag ist älter als der Einsatz des Labors. "
            "Bitte prüfen Sie Datum und Uhrzeit am Gerät."
        ]
    }


def test_the_day_before_the_start_is_accepted(deployment) -> None:
    setup_day = local_time(deployment.starts_on - dt.timedelta(days=1), 17)

    submit(deployment, idea(created_on_device_at=setup_day))

    assert Contribution.objects.count() == 1


def test_an_unknown_language_is_refused(deployment) -> None:
    errors = refusal(deployment, idea(language="fr"))

    assert errors == {"language": ["Bitte wählen Sie eine der angebotenen Sprachen."]}


def test_several_broken_rules_are_reported_together(deployment) -> None:
    errors = refusal(deployment, idea(text="", theme=999_999, language="xx"))

    assert set(errors) == {"text", "theme", "language"}


# --- Poll shapes ----------------------------------------------------------------------------


def poll_refusal(deployment, poll, **changes) -> dict[str, list[str]]:
    return refusal(deployment, response(poll, **changes))


def test_a_single_choice_needs_exactly_one_answer(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.SINGLE)

    assert poll_refusal(deployment, poll, answers=answers(poll, 1, 1)) == {
        "answers": ["Bitte wählen Sie genau eine Antwort."]
    }
    assert poll_refusal(deployment, poll, answers=()) == {
        "answers": ["Bitte wählen Sie eine Antwort."]
    }


def test_a_single_choice_answer_counts_one_point(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.SINGLE)

    assert poll_refusal(deployment, poll, answers=answers(poll, 2)) == {
        "answers": ["Bei dieser Frage zählt jede Antwort genau einen Punkt."]
    }


def test_multiple_choice_takes_each_answer_once(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.MULTIPLE)
    first = answers(poll, 1)[0]

    assert poll_refusal(deployment, poll, answers=(first, first)) == {
        "answers": ["Bitte wählen Sie jede Antwort nur einmal."]
    }
    assert poll_refusal(deployment, poll, answers=()) == {
        "answers": ["Bitte wählen Sie eine Antwort."]
    }


def test_multiple_choice_answers_count_one_point_each(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.MULTIPLE)

    assert poll_refusal(deployment, poll, answers=answers(poll, 1, 3)) == {
        "answers": ["Bei dieser Frage zählt jede Antwort genau einen Punkt."]
    }


def test_an_answer_of_another_poll_is_refused(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.MULTIPLE)
    other = poll_with_options(deployment, type=Poll.Type.MULTIPLE, question="Noch eine Frage?")

    assert poll_refusal(deployment, poll, answers=answers(other, 1)) == {
        "answers": ["Diese Antwort gehört nicht zu der Frage."]
    }


@pytest.mark.parametrize(("points", "spent"), [((3, 1, 0), 4), ((3, 2, 1), 6)])
def test_dots_must_add_up_to_the_polls_points(deployment, points, spent) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.DOTS, points=5)

    assert poll_refusal(deployment, poll, answers=answers(poll, *points)) == {
        "answers": [f"Bitte verteilen Sie genau 5 Punkte (jetzt: {spent})."]
    }


def test_dots_go_to_distinct_options(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.DOTS, points=4)
    first = answers(poll, 2)[0]

    assert poll_refusal(deployment, poll, answers=(first, first)) == {
        "answers": ["Bitte wählen Sie jede Antwort nur einmal."]
    }


def test_a_rating_poll_needs_a_rating(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.RATING, options=0)

    assert poll_refusal(deployment, poll) == {
        "rating": ["Bitte wählen Sie eine Bewertung von 1 bis 5."]
    }


def test_a_rating_poll_takes_no_answers(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.RATING, options=1)

    assert poll_refusal(deployment, poll, rating=3, answers=answers(poll, 1)) == {
        "answers": ["Bei dieser Frage gibt es nur eine Bewertung."]
    }


def test_a_choice_poll_takes_no_rating(deployment) -> None:
    poll = poll_with_options(deployment, type=Poll.Type.SINGLE)

    assert poll_refusal(deployment, poll, rating=3, answers=answers(poll, 1)) == {
        "rating": ["Bei dieser Frage gibt es keine Bewertung."]
    }


@pytest.mark.parametrize("which", ["inactive", "elsewhere", "unknown"])
def test_only_active_polls_of_the_deployment_are_answered(deployment, which) -> None:
    if which == "inactive":
        poll = poll_with_options(deployment, is_active=False)
    elif which == "elsewhere":
        poll = poll_with_options(running_deployment())
    else:
        poll = poll_with_options(deployment)
        poll.pk = 999_999

    errors = refusal(deployment, response(poll, answers=(AnswerInput(option=1),)))

    assert errors == {"poll": ["Diese Umfrage gibt es nicht mehr. Vielen Dank trotzdem!"]}


def test_messages_follow_the_active_language(deployment) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        submit(deployment, idea(text="a"))

    assert excinfo.value.message_dict == {"text": ["Please write at least 3 characters."]}
