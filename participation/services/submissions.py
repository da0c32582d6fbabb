"""Residents' inputs from the tablet and their phones: checked, masked, stored exactly once.

A tablet stores every input with a random client UUID and sends it until the server has
answered, so the same input may arrive many times, even at the same moment. The UUID is the
idempotency key and the database's unique constraint has the last word:

- same UUID, same content → the stored input is returned (``created`` False), no new row;
- same UUID, other content → ``SubmissionConflict`` (the API answers 409);
- concurrent replays race for the insert; the losers read the winner's row.

A new input, the common case, costs one ``INSERT … ON CONFLICT DO NOTHING`` and no lookup:
the stored input is read only when that insert did nothing (a replay or a conflict) or when
the rules refuse the input (it may be a replay of one they accepted back then, see below).

"Content" is what the resident entered, normalised (see ``_content_hash``). A replay is
recognised before the rules are checked again, so an input the server accepted yesterday is
not refused today because, say, its event is no longer "today".

Messages are for residents (context "kiosk"): plain language, in the language of the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import pgettext

from deployments.models import Deployment
from participation.models import Channel, Contribution, Device, Kind, Poll, PollAnswer
from participation.models.contributions import TEXT_MAX_LENGTH
from participation.selectors.kiosk import events_on_day, local_day, submission_rules
from participation.services.masking import mask_personal_data

TEXT_MIN_LENGTH = 3
# Tablet clocks drift; a few minutes ahead of the server is still "now".
CLOCK_TOLERANCE = dt.timedelta(minutes=5)
LOCAL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Berlin")
RESIDENT_KINDS = (Kind.IDEA, Kind.FEEDBACK)


class SubmissionConflict(Exception):
    """The client UUID is already taken by an input with different content."""


@dataclass(frozen=True)
class AboutYouInput:
    """The optional "about you" answers; empty strings where the resident skipped."""

    age_band: str = ""
    relation: str = ""
    heard_via: str = ""


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float


@dataclass(frozen=True)
class ContributionInput:
    """An idea or a feedback on an event as the tablet sends it (types already checked)."""

    client_uuid: uuid.UUID
    kind: str
    language: str
    created_on_device_at: dt.datetime
    text: str = ""
    theme: int | None = None
    location: Location | None = None
    event: int | None = None
    rating: int | None = None
    about: AboutYouInput = field(default_factory=AboutYouInput)


@dataclass(frozen=True)
class AnswerInput:
    option: int
    points: int = 1


@dataclass(frozen=True)
class PollResponseInput:
    """Answers to one poll as the tablet sends them (types already checked)."""

    client_uuid: uuid.UUID
    poll: int
    language: str
    created_on_device_at: dt.datetime
    answers: Sequence[AnswerInput] = ()
    rating: int | None = None
    about: AboutYouInput = field(default_factory=AboutYouInput)


# --- Ideas and feedback -------------------------------------------------------------------


def contribution_submit(
    *,
    deployment: Deployment,
    device: Device | None,
    channel: Channel | str,
    data: ContributionInput,
) -> tuple[Contribution, bool]:
    """Store an idea or a feedback once; returns it and whether this call created it.

    Raises ``ValidationError`` (by field) when a rule is broken and ``SubmissionConflict``
    when the UUID belongs to different content.

    Not wrapped in a transaction: the only write is one INSERT, atomic by itself, and
    BEGIN/COMMIT would be two more round trips on the kiosk's hottest path.
    """
    data = _only_fields_of_kind(data)
    content_hash = _content_hash(_contribution_content(data))
    try:
        contribution = _checked_contribution(
            deployment=deployment,
            device=device,
            channel=channel,
            data=data,
            content_hash=content_hash,
        )
    except ValidationError as refusal:
        return _replay_or_raise(refusal, client_uuid=data.client_uuid, content_hash=content_hash)
    return _insert_once(contribution)


def _checked_contribution(
    *,
    deployment: Deployment,
    device: Device | None,
    channel: Channel | str,
    data: ContributionInput,
    content_hash: str,
) -> Contribution:
    """The unsaved contribution; ``ValidationError`` (by field) when a rule is broken."""
    errors = _contribution_errors(deployment=deployment, data=data)
    errors.update(_common_errors(deployment=deployment, language=data.language, data=data))
    if errors:
        raise ValidationError(errors)

    text, was_masked = _masked(data.text)
    return _new_contribution(
        deployment=deployment,
        device=device,
        channel=channel,
        kind=data.kind,
        language=data.language,
        about=data.about,
        created_on_device_at=data.created_on_device_at,
        client_uuid=data.client_uuid,
        content_hash=content_hash,
        text=text,
        text_was_masked=was_masked,
        theme_id=data.theme,
        event_id=data.event,
        rating=data.rating,
        location=Point(data.location.lng, data.location.lat, srid=4326) if data.location else None,
    )


def _only_fields_of_kind(data: ContributionInput) -> ContributionInput:
    """Ideas carry topic and place, feedback an event and a rating; the rest is dropped."""
    if data.kind == Kind.IDEA:
        return replace(data, event=None, rating=None)
    if data.kind == Kind.FEEDBACK:
        return replace(data, theme=None, location=None)
    return data


def _contribution_errors(*, deployment: Deployment, data: ContributionInput) -> dict:
    if data.kind not in RESIDENT_KINDS:
        return {"kind": [pgettext("kiosk", "Bitte wählen Sie: Idee oder Rückmeldung.")]}
    errors: dict[str, list[str]] = {}
    text_error = _text_error(data.text, required=data.kind == Kind.IDEA)
    if text_error:
        errors["text"] = [text_error]
    if data.kind == Kind.IDEA:
        errors.update(_idea_errors(deployment=deployment, data=data))
    else:
        errors.update(_feedback_errors(deployment=deployment, data=data))
    return errors


def _idea_errors(*, deployment: Deployment, data: ContributionInput) -> dict:
    errors: dict[str, list[str]] = {}
    if data.theme is None and data.location is None:
        return errors
    rules = submission_rules(deployment=deployment)
    if data.theme is not None and data.theme not in rules.theme_ids:
        errors["theme"] = [pgettext("kiosk", "Bitte wählen Sie eines der angebotenen Themen.")]
    location = data.location
    if location and not rules.bounds.contains(lat=location.lat, lng=location.lng):
        errors["location"] = [
            pgettext(
                "kiosk",
                "Dieser Ort liegt zu weit vom Labor entfernt. "
                "Bitte setzen Sie die Markierung in der Nähe.",
            )
        ]
    return errors


def _text_error(text: str, *, required: bool) -> str | None:
    if len(text) > TEXT_MAX_LENGTH:
        return pgettext("kiosk", "Bitte schreiben Sie höchstens %(max)d Zeichen.") % {
            "max": TEXT_MAX_LENGTH
        }
    if (required or text) and len(text) < TEXT_MIN_LENGTH:
        return pgettext("kiosk", "Bitte schreiben Sie mindestens %(min)d Zeichen.") % {
            "min": TEXT_MIN_LENGTH
        }
    return None


def _feedback_errors(*, deployment: Deployment, data: ContributionInput) -> dict:
    errors: dict[str, list[str]] = {}
    if data.event is None:
        errors["event"] = [pgettext("kiosk", "Bitte wählen Sie eine Veranstaltung von heute.")]
    else:
        # "Today" is the day the resident gave the feedback: a tablet that was offline
        # overnight still delivers yesterday evening's feedback.
        day = local_day(data.created_on_device_at)
        if not events_on_day(deployment=deployment, day=day).filter(pk=data.event).exists():
            errors["event"] = [
                pgettext(
                    "kiosk",
                    "Diese Veranstaltung findet heute nicht statt. "
                    "Bitte wählen Sie eine Veranstaltung von heute.",
                )
            ]
    if data.rating is None and not data.text:
        errors["rating"] = [
            pgettext(
                "kiosk", "Bitte geben Sie eine Bewertung oder schreiben Sie uns ein paar Worte."
            )
        ]
    return errors


def _contribution_content(data: ContributionInput) -> dict:
    return {
        **_common_content(data),
        "kind": data.kind,
        "text": data.text,
        "theme": data.theme,
        "location": [data.location.lat, data.location.lng] if data.location else None,
        "event": data.event,
        "rating": data.rating,
    }


# --- Poll responses -----------------------------------------------------------------------


@transaction.atomic
def poll_response_submit(
    *,
    deployment: Deployment,
    device: Device | None,
    channel: Channel | str,
    data: PollResponseInput,
) -> tuple[Contribution, bool]:
    """Store the answers to a poll once, as a contribution of kind "poll" with its answers.

    Same rules for replays and conflicts as ``contribution_submit``.
    """
    content_hash = _content_hash(_poll_content(data))
    try:
        contribution, answers = _checked_poll_response(
            deployment=deployment,
            device=device,
            channel=channel,
            data=data,
            content_hash=content_hash,
        )
    except ValidationError as refusal:
        return _replay_or_raise(refusal, client_uuid=data.client_uuid, content_hash=content_hash)
    contribution, created = _insert_once(contribution)
    if created:
        for answer in answers:
            answer.contribution = contribution
            answer.full_clean(exclude=["contribution", "option"], validate_constraints=False)
        PollAnswer.objects.bulk_create(answers)
    return contribution, created


def _checked_poll_response(
    *,
    deployment: Deployment,
    device: Device | None,
    channel: Channel | str,
    data: PollResponseInput,
    content_hash: str,
) -> tuple[Contribution, list[PollAnswer]]:
    """The unsaved contribution and its answers; ``ValidationError`` when a rule is broken."""
    poll = (
        Poll.objects.filter(pk=data.poll, deployment=deployment, is_active=True)
        .prefetch_related("options")
        .first()
    )
    errors = _common_errors(deployment=deployment, language=data.language, data=data)
    if poll is None:
        errors["poll"] = [
            pgettext("kiosk", "Diese Umfrage gibt es nicht mehr. Vielen Dank trotzdem!")
        ]
    else:
        errors.update(_answer_errors(poll=poll, data=data))
    if errors:
        raise ValidationError(errors)

    contribution = _new_contribution(
        deployment=deployment,
        device=device,
        channel=channel,
        kind=Kind.POLL,
        language=data.language,
        about=data.about,
        created_on_device_at=data.created_on_device_at,
        client_uuid=data.client_uuid,
        content_hash=content_hash,
        poll=poll,
        rating=data.rating,
    )
    answers = [PollAnswer(option_id=answer.option, points=answer.points) for answer in data.answers]
    return contribution, answers


def _answer_errors(*, poll: Poll, data: PollResponseInput) -> dict:
    """The shape the poll's type asks for: the first rule broken, by field."""
    if poll.type == Poll.Type.RATING:
        if data.answers:
            return {"answers": [pgettext("kiosk", "Bei dieser Frage gibt es nur eine Bewertung.")]}
        if data.rating is None:
            return {"rating": [pgettext("kiosk", "Bitte wählen Sie eine Bewertung von 1 bis 5.")]}
        return {}
    if data.rating is not None:
        return {"rating": [pgettext("kiosk", "Bei dieser Frage gibt es keine Bewertung.")]}
    message = _options_error(poll=poll, answers=data.answers)
    return {"answers": [message]} if message else {}


def _options_error(*, poll: Poll, answers: Sequence[AnswerInput]) -> str | None:
    option_ids = {option.pk for option in poll.options.all()}
    chosen = Counter(answer.option for answer in answers)
    if not answers:
        return pgettext("kiosk", "Bitte wählen Sie eine Antwort.")
    if any(option not in option_ids for option in chosen):
        return pgettext("kiosk", "Diese Antwort gehört nicht zu der Frage.")
    if any(count > 1 for count in chosen.values()):
        return pgettext("kiosk", "Bitte wählen Sie jede Antwort nur einmal.")
    if poll.type == Poll.Type.SINGLE and len(answers) != 1:
        return pgettext("kiosk", "Bitte wählen Sie genau eine Antwort.")
    if poll.type == Poll.Type.DOTS:
        spent = sum(answer.points for answer in answers)
        if spent != poll.points:
            return pgettext(
                "kiosk", "Bitte verteilen Sie genau %(points)d Punkte (jetzt: %(spent)d)."
            ) % {"points": poll.points, "spent": spent}
        return None
    if any(answer.points != 1 for answer in answers):
        return pgettext("kiosk", "Bei dieser Frage zählt jede Antwort genau einen Punkt.")
    return None


def _poll_content(data: PollResponseInput) -> dict:
    return {
        **_common_content(data),
        "kind": Kind.POLL.value,
        "poll": data.poll,
        "answers": sorted([answer.option, answer.points] for answer in data.answers),
        "rating": data.rating,
    }


# --- Shared ---------------------------------------------------------------------------------


def _common_errors(
    *, deployment: Deployment, language: str, data: ContributionInput | PollResponseInput
) -> dict:
    errors: dict[str, list[str]] = {}
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [pgettext("kiosk", "Bitte wählen Sie eine der angebotenen Sprachen.")]
    created = data.created_on_device_at
    if created > timezone.now() + CLOCK_TOLERANCE:
        errors["created_on_device_at"] = [
            pgettext(
                "kiosk",
                "Die Uhrzeit des Geräts liegt in der Zukunft. "
                "Bitte stellen Sie Datum und Uhrzeit am Gerät richtig ein.",
            )
        ]
    elif created < _earliest(deployment):
        errors["created_on_device_at"] = [
            pgettext(
                "kiosk",
                "Dieser Beitrag ist älter als der Einsatz des Labors. "
                "Bitte prüfen Sie Datum und Uhrzeit am Gerät.",
            )
        ]
    return errors


def _earliest(deployment: Deployment) -> dt.datetime:
    """Tablets are set up the day before the lab opens; nothing older can belong to it."""
    first_day = dt.datetime.combine(deployment.starts_on, dt.time.min, tzinfo=LOCAL_TIMEZONE)
    return first_day - dt.timedelta(days=1)


def _common_content(data: ContributionInput | PollResponseInput) -> dict:
    return {
        "language": data.language,
        "age_band": data.about.age_band,
        "relation": data.about.relation,
        "heard_via": data.about.heard_via,
        "created_on_device_at": data.created_on_device_at.astimezone(dt.UTC).isoformat(),
    }


def _content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(*, client_uuid: uuid.UUID, content_hash: str) -> Contribution | None:
    existing = Contribution.objects.filter(client_uuid=client_uuid).first()
    if existing is not None and existing.content_hash != content_hash:
        raise SubmissionConflict
    return existing


def _masked(text: str) -> tuple[str, bool]:
    masked, was_masked = mask_personal_data(text)
    # A placeholder can be longer than what it replaces; the stored text keeps to the limit.
    return masked[:TEXT_MAX_LENGTH], was_masked


def _new_contribution(
    *,
    deployment: Deployment,
    device: Device | None,
    channel: Channel | str,
    about: AboutYouInput,
    **values: object,
) -> Contribution:
    contribution = Contribution(
        deployment=deployment,
        device=device,
        channel=channel,
        age_band=about.age_band,
        relation=about.relation,
        heard_via=about.heard_via,
        received_at=timezone.now(),
        **values,
    )
    # The unique client UUID is left to the database: concurrent replays must end in one row,
    # not in a validation error for all but the first. The related rows were loaded and checked
    # above, and the check constraints hold in the database: validating them again here would
    # cost a query (and a savepoint) each on the kiosk's hottest path.
    contribution.full_clean(
        exclude=["client_uuid", "deployment", "device", "theme", "event", "poll"],
        validate_constraints=False,
    )
    return contribution


def _replay_or_raise(
    refusal: ValidationError, *, client_uuid: uuid.UUID, content_hash: str
) -> tuple[Contribution, bool]:
    """A refused input may replay one accepted back then, when the rules still held: answer
    with the stored one (not created now). Otherwise the refusal stands."""
    existing = _existing(client_uuid=client_uuid, content_hash=content_hash)
    if existing is None:
        raise refusal
    return existing, False


def _insert_once(contribution: Contribution) -> tuple[Contribution, bool]:
    """Insert unless the client UUID is taken; else the stored input (or a conflict).

    ``INSERT … ON CONFLICT DO NOTHING``: a concurrent replay waits for the winner's insert
    and then does nothing instead of failing, so no savepoint is needed to read the winner.
    The only other unique constraint (import rows) does not apply to kiosk inputs.
    """
    meta = Contribution._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    # Model.save() has no "ignore conflicts"; this is the insert it makes, plus the clause.
    rows = Contribution._base_manager._insert(
        [contribution],
        fields=fields,
        returning_fields=meta.db_returning_fields,
        using=router.db_for_write(Contribution),
        on_conflict=OnConflict.IGNORE,
    )
    if rows and rows[0] is not None:
        for value, field in zip(rows[0], meta.db_returning_fields, strict=True):
            setattr(contribution, field.attname, value)
        contribution._state.adding = False
        contribution._state.db = router.db_for_write(Contribution)
        return contribution, True
    winner = _existing(client_uuid=contribution.client_uuid, content_hash=contribution.content_hash)
    if winner is None:
        raise IntegrityError(f"input {contribution.client_uuid} was neither stored nor found")
    return winner, False
