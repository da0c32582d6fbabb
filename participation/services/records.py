"""What the team records on site: visitor counts, conversation notes, workshop results, event
feedback and the team's own reflection.

Every write is tied to one deployment (and optionally one of its events), validated with a
message that says what to do, masked where it carries free text and audited. Residents' words
recorded by staff (notes, workshop statements, paper feedback) become contributions like the
tablet's, so moderation, coding, exports and the report treat them alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from deployments.models import AgeBand, Deployment, Event, Membership, Theme
from deployments.services.audit import audit_record
from participation.models import (
    Channel,
    Contribution,
    Kind,
    ReflectionEntry,
    VisitorCount,
    WorkshopPhoto,
    WorkshopResult,
)
from participation.models.contributions import TEXT_MAX_LENGTH
from participation.services.masking import mask_personal_data

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

# Photos of workshop boards: what phones produce, nothing a browser cannot show.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024

# Staff type in feedback from paper cards or from what people said; the tablet's own
# "Wie war's?" arrives through the kiosk.
FEEDBACK_CHANNELS = (Channel.PAPER, Channel.CONVERSATION)


@dataclass(frozen=True)
class GroupCount:
    """How many people of one group came by in an hour (empty age band or gender: everyone)."""

    count: int
    age_band: str = ""
    gender: str = ""


# --- Visitor counts -----------------------------------------------------------------------


@transaction.atomic
def visitor_counts_record(
    *,
    deployment: Deployment,
    hour_starts_at: dt.datetime,
    counts: Iterable[GroupCount | Mapping],
    event: Event | None = None,
    by: AbstractBaseUser,
) -> list[VisitorCount]:
    """Record one hour's visitor counts per age band (and optionally gender).

    The hour must be a full hour (Berlin time) within the deployment's period and not in the
    future. Recording a group of an hour again replaces its count instead of adding a row.
    """
    hour = _full_hour_in_period(hour_starts_at, deployment)
    groups = _groups(counts)
    _check_event(event, deployment)
    existing = {
        (row.age_band, row.gender): row
        for row in VisitorCount.objects.select_for_update().filter(
            deployment=deployment, hour_starts_at=hour, source=VisitorCount.Source.MANUAL
        )
    }
    rows = []
    for group in groups:
        row = existing.get((group.age_band, group.gender))
        before = row.count if row else None
        if row is None:
            row = VisitorCount(
                deployment=deployment,
                hour_starts_at=hour,
                age_band=group.age_band,
                gender=group.gender,
                source=VisitorCount.Source.MANUAL,
                count=group.count,
            )
        row.count = group.count
        row.event = event
        row.recorded_by = by
        row.full_clean()
        row.save()
        audit_record(
            actor=by,
            action="visitor_counts_record" if before is None else "visitor_count_replace",
            target=row,
            data={"count": row.count, **({"before": before} if before is not None else {})},
        )
        rows.append(row)
    return rows


def _full_hour_in_period(value: dt.datetime, deployment: Deployment) -> dt.datetime:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=BERLIN)
    local = value.astimezone(BERLIN)
    if (local.minute, local.second, local.microsecond) != (0, 0, 0):
        raise ValidationError(
            {
                "hour_starts_at": gettext(
                    "Bitte den Beginn einer vollen Stunde angeben (z. B. 15:00 Uhr), "
                    "nicht %(time)s Uhr."
                )
                % {"time": local.strftime("%H:%M")}
            },
            code="not_full_hour",
        )
    if not deployment.starts_on <= local.date() <= deployment.ends_on:
        raise ValidationError(
            {
                "hour_starts_at": gettext(
                    "Der %(day)s liegt nicht im Zeitraum des Einsatzes (%(start)s bis %(end)s)."
                )
                % {
                    "day": _day(local.date()),
                    "start": _day(deployment.starts_on),
                    "end": _day(deployment.ends_on),
                }
            },
            code="outside_period",
        )
    if value > timezone.now():
        raise ValidationError(
            {
                "hour_starts_at": gettext(
                    "Diese Stunde hat noch nicht begonnen; gezählt wird erst danach."
                )
            },
            code="future_hour",
        )
    return local


def _groups(counts: Iterable[GroupCount | Mapping]) -> list[GroupCount]:
    groups = [item if isinstance(item, GroupCount) else GroupCount(**item) for item in counts]
    if not groups:
        raise ValidationError(
            {"counts": gettext("Bitte mindestens eine Anzahl eintragen.")}, code="no_counts"
        )
    seen: set[tuple[str, str]] = set()
    for group in groups:
        if isinstance(group.count, bool) or not isinstance(group.count, int) or group.count < 0:
            raise ValidationError(
                {"counts": gettext("Eine Anzahl ist eine ganze Zahl ab 0.")},
                code="negative_count",
            )
        if group.age_band and group.age_band not in AgeBand.values:
            raise ValidationError(
                {
                    "counts": gettext("„%(value)s“ ist keine Altersgruppe der Statistik.")
                    % {"value": group.age_band}
                },
                code="unknown_age_band",
            )
        if group.gender and group.gender not in VisitorCount.Gender.values:
            raise ValidationError(
                {
                    "counts": gettext(
                        "„%(value)s“ ist keine Angabe zum Geschlecht; möglich sind "
                        "weiblich, männlich, divers oder leer."
                    )
                    % {"value": group.gender}
                },
                code="unknown_gender",
            )
        key = (group.age_band, group.gender)
        if key in seen:
            raise ValidationError(
                {"counts": gettext("Jede Gruppe darf je Stunde nur einmal vorkommen.")},
                code="duplicate_group",
            )
        seen.add(key)
    return groups


# --- Contributions recorded by staff ----------------------------------------------------------


@transaction.atomic
def conversation_note_record(
    *,
    deployment: Deployment,
    by: AbstractBaseUser,
    text: str,
    theme: Theme | None = None,
    language: str,
    age_band: str = "",
    relation: str = "",
    event: Event | None = None,
) -> Contribution:
    """Record a short interview (Gesprächsnotiz) as a contribution of the conversation channel.

    Age band and relation are what the team estimated, and are marked as estimates.
    """
    _check_event(event, deployment)
    _check_theme(theme, deployment)
    note = Contribution(
        deployment=deployment,
        event=event,
        kind=Kind.NOTE,
        channel=Channel.CONVERSATION,
        theme=theme,
        language=language,
        age_band=age_band,
        relation=relation,
        demographics_estimated=bool(age_band or relation),
        recorded_by=by,
    )
    _set_text(note, text, required_message=gettext("Bitte eintragen, was gesagt wurde."))
    note.full_clean()
    note.save()
    audit_record(
        actor=by,
        action="conversation_note_record",
        target=note,
        data={"masked": note.text_was_masked},
    )
    return note


@transaction.atomic
def feedback_record(
    *,
    deployment: Deployment,
    event: Event,
    by: AbstractBaseUser,
    rating: int | None = None,
    text: str = "",
    channel: str = Channel.PAPER,
) -> Contribution:
    """Record feedback on an event that took place (e.g. from a paper card): rating 1–5, text."""
    if event is None:
        raise ValidationError(
            {"event": gettext("Bitte die Veranstaltung wählen, zu der die Rückmeldung gehört.")},
            code="event_required",
        )
    _check_event(event, deployment)
    _check_event_took_place(event)
    if channel not in FEEDBACK_CHANNELS:
        raise ValidationError(
            {"channel": gettext("Rückmeldungen erfasst das Team von Papier oder aus Gesprächen.")},
            code="channel",
        )
    if rating is not None and (isinstance(rating, bool) or rating not in range(1, 6)):
        raise ValidationError(
            {"rating": gettext("Die Bewertung ist eine ganze Zahl von 1 bis 5.")}, code="rating"
        )
    if rating is None and not (text or "").strip():
        raise ValidationError(
            gettext("Bitte eine Bewertung (1 bis 5) oder einen Text eintragen."), code="empty"
        )
    feedback = Contribution(
        deployment=deployment,
        event=event,
        kind=Kind.FEEDBACK,
        channel=channel,
        rating=rating,
        recorded_by=by,
    )
    _set_text(feedback, text)
    feedback.full_clean()
    feedback.save()
    audit_record(
        actor=by,
        action="feedback_record",
        target=feedback,
        data={"rating": rating, "masked": feedback.text_was_masked},
    )
    return feedback


def _set_text(contribution: Contribution, text: str, *, required_message: str = "") -> None:
    text = (text or "").strip()
    if required_message and not text:
        raise ValidationError({"text": required_message}, code="required")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": gettext(
                    "Der Text ist %(length)s Zeichen lang; bitte auf höchstens %(limit)s kürzen."
                )
                % {"length": len(text), "limit": TEXT_MAX_LENGTH}
            },
            code="too_long",
        )
    masked, was_masked = mask_personal_data(text)
    # A placeholder can be longer than what it replaced; the original must not be kept anyway.
    contribution.text = masked[:TEXT_MAX_LENGTH]
    contribution.text_was_masked = was_masked


# --- Workshops ----------------------------------------------------------------------------


@transaction.atomic
def workshop_result_record(
    *,
    deployment: Deployment,
    by: AbstractBaseUser,
    title: str,
    method: str,
    participants: int,
    held_on: dt.date,
    statements: Sequence[str],
    event: Event | None = None,
    photos: Iterable[File | tuple[File, str]] = (),
) -> WorkshopResult:
    """Record what a workshop produced: one contribution per outcome statement, and photos.

    Empty statements are skipped; at least one must remain. Photos must be JPEG, PNG or WebP
    images of at most 10 MB.
    """
    _check_event(event, deployment)
    if held_on < deployment.starts_on or held_on > timezone.localdate(timezone=BERLIN):
        raise ValidationError(
            {
                "held_on": gettext(
                    "Die Werkstatt muss zwischen dem Beginn des Einsatzes (%(start)s) und "
                    "heute stattgefunden haben."
                )
                % {"start": _day(deployment.starts_on)}
            },
            code="held_on",
        )
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        raise ValidationError(
            {
                "participants": gettext(
                    "Bitte eintragen, wie viele Personen mitgemacht haben (ab 1)."
                )
            },
            code="participants",
        )
    lines = [line.strip() for line in statements if line and line.strip()]
    if not lines:
        raise ValidationError(
            {"statements": gettext("Bitte mindestens ein Ergebnis eintragen (eines je Zeile).")},
            code="no_statements",
        )
    photo_items = [item if isinstance(item, tuple) else (item, "") for item in photos]
    for image, _caption in photo_items:
        workshop_photo_check(image)

    result = WorkshopResult(
        deployment=deployment,
        event=event,
        title=(title or "").strip(),
        method=method,
        participants=participants,
        held_on=held_on,
        recorded_by=by,
    )
    result.full_clean()
    result.save()
    for number, line in enumerate(lines, start=1):
        statement = Contribution(
            deployment=deployment,
            event=event,
            workshop=result,
            kind=Kind.STATEMENT,
            channel=Channel.WORKSHOP,
            recorded_by=by,
        )
        try:
            _set_text(statement, line)
        except ValidationError as error:
            raise ValidationError(
                {
                    "statements": gettext("Ergebnis %(number)s: %(message)s")
                    % {"number": number, "message": " ".join(error.messages)}
                },
                code="statement",
            ) from None
        statement.full_clean()
        statement.save()
    for image, caption in photo_items:
        _photo_save(result, image, caption)
    audit_record(
        actor=by,
        action="workshop_result_record",
        target=result,
        data={"statements": len(lines), "photos": len(photo_items)},
    )
    return result


@transaction.atomic
def workshop_photo_add(
    *, workshop: WorkshopResult, by: AbstractBaseUser, image: File, caption: str = ""
) -> WorkshopPhoto:
    """Add a photo of a workshop board (JPEG, PNG or WebP, at most 10 MB)."""
    photo = _photo_save(workshop, image, caption)
    audit_record(actor=by, action="workshop_photo_add", target=photo)
    return photo


def workshop_photo_check(image: File) -> str:
    """Refuse a file that is not a JPEG, PNG or WebP image of at most 10 MB; return its format.

    The content decides, not the file name: Pillow must recognise and verify the image.
    """
    if image.size is not None and image.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {
                "photos": gettext(
                    "„%(name)s“ ist %(size)s MB groß; erlaubt sind höchstens 10 MB. Bitte das "
                    "Foto verkleinern."
                )
                % {"name": _base_name(image), "size": formats.number_format(image.size / 2**20, 1)}
            },
            code="photo_too_large",
        )
    image_format = None
    try:
        image.seek(0)
        with Image.open(image) as picture:
            image_format = picture.format
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        image_format = None
    finally:
        image.seek(0)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            {
                "photos": gettext(
                    "„%(name)s“ ist kein Foto im Format JPEG, PNG oder WebP. Bitte ein solches "
                    "Foto hochladen."
                )
                % {"name": _base_name(image)}
            },
            code="photo_format",
        )
    return image_format


def _photo_save(workshop: WorkshopResult, image: File, caption: str) -> WorkshopPhoto:
    image_format = workshop_photo_check(image)
    # The upload's own name may say who is on the photo; a neutral name is enough.
    name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image_format]}"
    photo = WorkshopPhoto(workshop=workshop, caption=(caption or "").strip())
    photo.image.save(name, image, save=False)
    photo.full_clean()
    photo.save()
    return photo


def _base_name(image: File) -> str:
    return (getattr(image, "name", "") or gettext("Foto")).rsplit("/", 1)[-1]


# --- Team reflection ------------------------------------------------------------------------


@transaction.atomic
def reflection_record(
    *,
    deployment: Deployment,
    author: AbstractBaseUser,
    written_on: dt.date,
    went_well: str = "",
    to_improve: str = "",
    notes: str = "",
) -> ReflectionEntry:
    """Add an entry to the team's internal reflection log of a deployment.

    Only members of the deployment's organisation write it; it never counts as a resident's
    input.
    """
    is_member = Membership.objects.filter(
        organisation_id=deployment.organisation_id, user_id=author.pk
    ).exists()
    if not (is_member or author.is_superuser):
        raise ValidationError(
            {
                "author": gettext(
                    "Die Reflexion schreibt das Team: %(user)s gehört nicht zu „%(organisation)s“."
                )
                % {"user": author, "organisation": deployment.organisation}
            },
            code="not_a_member",
        )
    if written_on < deployment.starts_on or written_on > timezone.localdate(timezone=BERLIN):
        raise ValidationError(
            {
                "written_on": gettext(
                    "Das Datum muss zwischen dem Beginn des Einsatzes (%(start)s) und heute liegen."
                )
                % {"start": _day(deployment.starts_on)}
            },
            code="written_on",
        )
    texts = {
        name: mask_personal_data((value or "").strip())[0]
        for name, value in (("went_well", went_well), ("to_improve", to_improve), ("notes", notes))
    }
    if not any(texts.values()):
        raise ValidationError(
            gettext("Bitte mindestens eines der drei Felder ausfüllen."), code="empty"
        )
    entry = ReflectionEntry(deployment=deployment, author=author, written_on=written_on, **texts)
    entry.full_clean()
    entry.save()
    audit_record(actor=author, action="reflection_record", target=entry)
    return entry


# --- Shared checks --------------------------------------------------------------------------


def _check_event(event: Event | None, deployment: Deployment) -> None:
    if event is not None and event.deployment_id != deployment.pk:
        raise ValidationError(
            {
                "event": gettext("„%(event)s“ gehört nicht zum Einsatz „%(deployment)s“.")
                % {"event": event.title, "deployment": deployment.title}
            },
            code="foreign_event",
        )


def _check_event_took_place(event: Event) -> None:
    if event.state == Event.State.CANCELLED:
        raise ValidationError(
            {
                "event": gettext("„%(event)s“ wurde abgesagt; dazu gibt es keine Rückmeldungen.")
                % {"event": event.title}
            },
            code="event_cancelled",
        )
    if event.starts_at > timezone.now():
        raise ValidationError(
            {
                "event": gettext(
                    "„%(event)s“ hat noch nicht stattgefunden (Beginn %(when)s); Rückmeldungen "
                    "gibt es erst danach."
                )
                % {
                    "event": event.title,
                    "when": event.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M"),
                }
            },
            code="event_not_held",
        )


def _check_theme(theme: Theme | None, deployment: Deployment) -> None:
    if theme is not None and theme.organisation_id != deployment.organisation_id:
        raise ValidationError(
            {
                "theme": gettext("Das Thema „%(theme)s“ gehört einer anderen Organisation.")
                % {"theme": theme.name}
            },
            code="foreign_theme",
        )


def _day(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")
