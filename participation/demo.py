"""Demo data of the participation side for the demo season of ``deployments.demo``.

For every deployment that has started: a tablet (paired with the running deployment), polls
with translations, residents' ideas, poll answers and "Wie war's?" feedback from the tablet and
from phones, visitor counts for every opening hour, conversation notes, workshop results,
feedback cards and the team's weekly reflection.

Deterministic: each part of each deployment draws from its own ``random.Random`` seeded with
the deployment's slug, so the same season always gets the same data. Idempotent: residents'
inputs carry client UUIDs derived from their position (uuid5), the team's records are added
only to deployments that have none of that kind yet. Residents' inputs go through the kiosk
submission service and the team's records through the records services, as in real use;
only visitor counts, thousands of rows, are written in bulk.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import module_has_submodule

import participation
from deployments.demo import ORGANISATION, SEASON, TEAM
from deployments.models import AgeBand, Deployment, Event, Organisation
from participation import demo_texts as texts
from participation.models import (
    Channel,
    Contribution,
    Device,
    HeardVia,
    Kind,
    Poll,
    PollOption,
    ReflectionEntry,
    Relation,
    VisitorCount,
    WorkshopResult,
)
from participation.services import devices as device_services
from participation.services import records, submissions

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# The same "today" as the planning demo: its events up to yesterday took place.
DEMO_TODAY = dt.date(2026, 11, 22)
UUID_NAMESPACE = uuid.UUID("5d0f6a4e-8f0e-4a53-9a55-6b1c2e7d9f10")

LANGUAGE_WEIGHTS = {"de": 76, "en": 7, "tr": 7, "ar": 5, "uk": 5}
AGE_WEIGHTS = {
    AgeBand.FROM_6: 4,
    AgeBand.FROM_15: 8,
    AgeBand.FROM_18: 15,
    AgeBand.FROM_27: 30,
    AgeBand.FROM_45: 15,
    AgeBand.FROM_55: 12,
    AgeBand.FROM_65: 16,
}
# Who walks by the container in an hour, before target groups shift it.
VISITOR_AGE_WEIGHTS = {
    AgeBand.UNDER_6: 6,
    AgeBand.FROM_6: 12,
    AgeBand.FROM_15: 5,
    AgeBand.FROM_18: 12,
    AgeBand.FROM_27: 28,
    AgeBand.FROM_45: 13,
    AgeBand.FROM_55: 11,
    AgeBand.FROM_65: 13,
}
TARGET_GROUP_AGES = {
    "seniors": (AgeBand.FROM_55, AgeBand.FROM_65),
    "youth": (AgeBand.FROM_15, AgeBand.FROM_18),
    "children": (AgeBand.UNDER_6, AgeBand.FROM_6),
    "families": (AgeBand.UNDER_6, AgeBand.FROM_6, AgeBand.FROM_27),
}
# People per hour at the container on an ordinary weekday, by hour of the day.
HOURLY_VISITORS = {10: 4, 11: 6, 12: 8, 13: 7, 14: 8, 15: 11, 16: 13, 17: 12, 18: 8}
RELATION_WEIGHTS = {
    Relation.LIVES_HERE: 62,
    Relation.NEWCOMER: 10,
    Relation.WORKS_HERE: 14,
    Relation.VISITING: 14,
}
HEARD_VIA_WEIGHTS = {
    HeardVia.PASSING_BY: 50,
    HeardVia.NEIGHBOURS: 15,
    HeardVia.POSTER: 12,
    HeardVia.SOCIAL_MEDIA: 10,
    HeardVia.PARTNER: 8,
    HeardVia.PRESS: 3,
    HeardVia.OTHER: 2,
}
METRES_PER_DEGREE = 111_320
PIN_SPREAD_METRES = 150
PIN_MAX_METRES = 280


@dataclass
class Context:
    """What every part of one deployment's demo data needs."""

    deployment: Deployment
    today: dt.date
    team: list
    device: Device | None
    themes: dict[str, int]
    opening_hours: list[tuple[dt.datetime, dt.datetime, object]]
    held_events: list[Event]
    target_groups: set[str]

    def rng(self, part: str) -> random.Random:
        # Demo data only: reproducible, not secret.
        return random.Random(f"{self.deployment.slug}/{part}")  # noqa: S311

    def client_uuid(self, *parts: object) -> uuid.UUID:
        return uuid.uuid5(UUID_NAMESPACE, "/".join(str(p) for p in (self.deployment.slug, *parts)))

    @property
    def days(self) -> list[dt.date]:
        last = min(self.deployment.ends_on, self.today - dt.timedelta(days=1))
        count = (last - self.deployment.starts_on).days + 1
        return [self.deployment.starts_on + dt.timedelta(days=n) for n in range(count)]

    @property
    def share_elapsed(self) -> float:
        total = (self.deployment.ends_on - self.deployment.starts_on).days + 1
        return len(self.days) / total


@transaction.atomic
def seed(*, today: dt.date | None = None) -> dict[str, int]:
    """Add the participation demo data to the demo season; return what exists afterwards."""
    today = today or DEMO_TODAY
    organisation = Organisation.objects.filter(slug=ORGANISATION[1]).first()
    if organisation is None:
        return {}
    users = get_user_model().objects.filter(username__in=[row[0] for row in TEAM])
    team = sorted(users, key=lambda user: [row[0] for row in TEAM].index(user.username))
    deployments = list(
        Deployment.objects.filter(
            organisation=organisation,
            slug__in=[spec.slug for spec in SEASON],
            starts_on__lt=today,
        )
        .select_related("site", "organisation")
        .prefetch_related("themes", "target_groups")
        .order_by("starts_on")
    )
    tablets = _tablets(organisation, deployments, today, team[0])
    for deployment in deployments:
        context = _context(deployment, today, team, tablets.get(deployment.pk, tablets[None]))
        if not context.opening_hours:
            continue
        _polls(context)
        _ideas(context)
        _poll_responses(context)
        _kiosk_feedback(context)
        _visitor_counts(context)
        _notes(context)
        _workshops(context)
        _feedback_cards(context)
        _reflections(context)
    if module_has_submodule(participation, "demo_qualification"):
        import_module("participation.demo_qualification").seed(deployments)
    in_season = {"deployment__organisation": organisation}
    return {
        "devices": Device.objects.filter(organisation=organisation).count(),
        "polls": Poll.objects.filter(**in_season).count(),
        "contributions": Contribution.objects.filter(**in_season).count(),
        "visitor_counts": VisitorCount.objects.filter(**in_season).count(),
        "workshop_results": WorkshopResult.objects.filter(**in_season).count(),
        "reflections": ReflectionEntry.objects.filter(**in_season).count(),
    }


def _context(deployment: Deployment, today: dt.date, team: list, device: Device) -> Context:
    shifts = deployment.shifts.filter(is_public=True).select_related("staff").order_by("starts_at")
    cutoff = dt.datetime.combine(today, dt.time.min, tzinfo=BERLIN)
    return Context(
        deployment=deployment,
        today=today,
        team=team,
        device=device,
        themes={theme.name: theme.pk for theme in deployment.themes.all()},
        opening_hours=[
            (shift.starts_at.astimezone(BERLIN), shift.ends_at.astimezone(BERLIN), shift.staff)
            for shift in shifts
            if shift.ends_at <= cutoff
        ],
        held_events=list(
            deployment.events.filter(state=Event.State.HELD, ends_at__lte=cutoff).order_by(
                "starts_at"
            )
        ),
        target_groups={group.code for group in deployment.target_groups.all()},
    )


# --- Tablets and polls --------------------------------------------------------------------


def _tablets(
    organisation: Organisation, deployments: list[Deployment], today: dt.date, lead
) -> dict[int | None, Device]:
    """Tablet 1 travels with the container; each further running deployment has its own."""
    running = [d for d in deployments if d.starts_on <= today <= d.ends_on]
    tablets: dict[int | None, Device] = {}
    for number in range(1, max(len(running), 1) + 1):
        device, _ = Device.objects.get_or_create(
            organisation=organisation, name=f"Tablet {number} (Container)"
        )
        tablets.setdefault(None, device)
        if number <= len(running):
            deployment = running[number - 1]
            tablets[deployment.pk] = device
            if device.deployment_id != deployment.pk:
                device = device_services.device_move(device=device, deployment=deployment, by=lead)
            if not device.is_paired:
                device_services.device_pairing_code_create(device=device, by=lead)
                device_services.device_pair(code=device.pairing_code)
    return tablets


def _polls(context: Context) -> None:
    deployment = context.deployment
    index = [spec.slug for spec in SEASON].index(deployment.slug)
    keys = ["missing", "budget" if index % 2 == 0 else "wellbeing"]
    for position, key in enumerate(keys):
        type_, points, question, translations, options = texts.POLLS[key]
        if Poll.objects.filter(deployment=deployment, question=question).exists():
            continue
        poll = Poll(
            deployment=deployment,
            question=question,
            type=type_,
            points=points,
            translations=translations,
            position=position,
        )
        poll.full_clean()
        poll.save()
        for option_position, (label, option_translations) in enumerate(options):
            option = PollOption(
                poll=poll, label=label, translations=option_translations, position=option_position
            )
            option.full_clean()
            option.save()


# --- Residents' inputs ----------------------------------------------------------------------


def _known_uuids(context: Context) -> set[uuid.UUID]:
    return set(
        Contribution.objects.filter(
            deployment=context.deployment, client_uuid__isnull=False
        ).values_list("client_uuid", flat=True)
    )


def _ideas(context: Context) -> None:
    rng = context.rng("ideas")
    known = _known_uuids(context)
    received = []
    for channel, base in ((Channel.KIOSK, 30), (Channel.ONLINE, 12)):
        for number in range(round(base * context.share_elapsed * rng.uniform(0.8, 1.2))):
            when = (
                _kiosk_moment(context, rng) if channel == Channel.KIOSK else _online(context, rng)
            )
            language = _weighted(rng, LANGUAGE_WEIGHTS)
            theme_name, text = rng.choice(texts.IDEAS[language])
            pin = _pin(context, rng) if rng.random() < 0.6 else None
            data = submissions.ContributionInput(
                client_uuid=context.client_uuid(channel, "idea", number),
                kind=Kind.IDEA,
                language=language,
                created_on_device_at=when,
                text=text,
                theme=context.themes.get(theme_name) if theme_name else None,
                location=pin,
                about=_about(rng),
            )
            if data.client_uuid in known:
                continue
            contribution, _ = submissions.contribution_submit(
                deployment=context.deployment,
                device=context.device if channel == Channel.KIOSK else None,
                channel=channel,
                data=data,
            )
            received.append((contribution, when))
    _set_received_at(received)


def _poll_responses(context: Context) -> None:
    rng = context.rng("polls")
    known = _known_uuids(context)
    received = []
    polls = context.deployment.polls.prefetch_related("options").order_by("position")
    for poll in polls:
        options = list(poll.options.all())
        # Residents like some answers more than others: a fixed preference per deployment.
        preference = [rng.uniform(0.5, 3) for _ in options]
        for channel, base in ((Channel.KIOSK, 26), (Channel.ONLINE, 7)):
            for number in range(round(base * context.share_elapsed * rng.uniform(0.8, 1.2))):
                when = (
                    _kiosk_moment(context, rng)
                    if channel == Channel.KIOSK
                    else _online(context, rng)
                )
                answers, rating = _answers(poll, options, preference, rng)
                data = submissions.PollResponseInput(
                    client_uuid=context.client_uuid(channel, "poll", poll.pk, number),
                    poll=poll.pk,
                    language=_weighted(rng, LANGUAGE_WEIGHTS),
                    created_on_device_at=when,
                    answers=answers,
                    rating=rating,
                    about=_about(rng),
                )
                if data.client_uuid in known:
                    continue
                contribution, _ = submissions.poll_response_submit(
                    deployment=context.deployment,
                    device=context.device if channel == Channel.KIOSK else None,
                    channel=channel,
                    data=data,
                )
                received.append((contribution, when))
    _set_received_at(received)


def _answers(
    poll: Poll, options: list[PollOption], preference: list[float], rng: random.Random
) -> tuple[list[submissions.AnswerInput], int | None]:
    if poll.type == Poll.Type.RATING:
        return [], rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 5, 8, 5])[0]
    if poll.type == Poll.Type.DOTS:
        spent = Counter(rng.choices(options, weights=preference, k=poll.points))
        return [submissions.AnswerInput(option=o.pk, points=n) for o, n in spent.items()], None
    choice = rng.choices(options, weights=preference)[0]
    return [submissions.AnswerInput(option=choice.pk)], None


def _kiosk_feedback(context: Context) -> None:
    """ "Wie war's?" on the tablet, given as the event ends."""
    rng = context.rng("kiosk-feedback")
    known = _known_uuids(context)
    received = []
    for event in context.held_events:
        if not event.is_public or rng.random() < 0.35:
            continue
        for number in range(rng.randint(1, 3)):
            when = (event.ends_at - dt.timedelta(minutes=rng.randint(2, 20))).astimezone(BERLIN)
            text = rng.choice(texts.FEEDBACK_TEXTS)
            data = submissions.ContributionInput(
                client_uuid=context.client_uuid("kiosk", "feedback", event.pk, number),
                kind=Kind.FEEDBACK,
                language="de",
                created_on_device_at=when,
                text=text,
                event=event.pk,
                rating=rng.choices([2, 3, 4, 5], weights=[1, 3, 6, 5])[0],
                about=_about(rng),
            )
            if data.client_uuid in known:
                continue
            contribution, _ = submissions.contribution_submit(
                deployment=context.deployment,
                device=context.device,
                channel=Channel.KIOSK,
                data=data,
            )
            received.append((contribution, when))
    _set_received_at(received)


def _moment(context: Context, rng: random.Random, channel: str) -> dt.datetime:
    """Tablets are used while the lab is open; phones at any time of day."""
    return _kiosk_moment(context, rng) if channel == Channel.KIOSK else _online(context, rng)


def _kiosk_moment(context: Context, rng: random.Random) -> dt.datetime:
    starts_at, ends_at, _staff = rng.choice(context.opening_hours)
    seconds = int((ends_at - starts_at).total_seconds())
    return starts_at + dt.timedelta(seconds=rng.randrange(seconds))


def _online(context: Context, rng: random.Random) -> dt.datetime:
    day = rng.choice(context.days)
    at = dt.time(rng.randint(7, 22), rng.randrange(60))
    return dt.datetime.combine(day, at, tzinfo=BERLIN)


def _pin(context: Context, rng: random.Random) -> submissions.Location:
    site = context.deployment.site.location
    north = max(-PIN_MAX_METRES, min(PIN_MAX_METRES, rng.gauss(0, PIN_SPREAD_METRES)))
    east = max(-PIN_MAX_METRES, min(PIN_MAX_METRES, rng.gauss(0, PIN_SPREAD_METRES)))
    lat = site.y + north / METRES_PER_DEGREE
    lng = site.x + east / (METRES_PER_DEGREE * math.cos(math.radians(site.y)))
    return submissions.Location(lat=round(lat, 6), lng=round(lng, 6))


def _about(rng: random.Random) -> submissions.AboutYouInput:
    """About half of the residents say something about themselves."""
    if rng.random() < 0.5:
        return submissions.AboutYouInput()
    return submissions.AboutYouInput(
        age_band=_weighted(rng, AGE_WEIGHTS),
        relation=_weighted(rng, RELATION_WEIGHTS) if rng.random() < 0.9 else "",
        heard_via=_weighted(rng, HEARD_VIA_WEIGHTS) if rng.random() < 0.8 else "",
    )


def _weighted(rng: random.Random, weights: dict) -> str:
    return str(rng.choices(list(weights), weights=list(weights.values()))[0])


def _set_received_at(received: list[tuple[Contribution, dt.datetime]]) -> None:
    """The tablet delivered each input within a minute of its creation, not at seeding time."""
    for contribution, created_at in received:
        contribution.received_at = created_at + dt.timedelta(seconds=20)
    Contribution.objects.bulk_update([c for c, _ in received], ["received_at"], batch_size=500)


# --- What the team recorded -----------------------------------------------------------------


def _visitor_counts(context: Context) -> None:
    """Every opening hour, counted by age band by the staff on shift; events draw more people."""
    if VisitorCount.objects.filter(deployment=context.deployment).exists():
        return
    rng = context.rng("visitors")
    weights = dict(VISITOR_AGE_WEIGHTS)
    for group in context.target_groups:
        for band in TARGET_GROUP_AGES.get(group, ()):
            weights[band] = weights[band] * 1.4
    bands = list(weights)
    rows = []
    for starts_at, ends_at, staff in context.opening_hours:
        for hour_start in _hours(starts_at, ends_at):
            people = HOURLY_VISITORS.get(hour_start.hour, 5) * rng.uniform(0.6, 1.4)
            if hour_start.weekday() == 5:
                people *= 1.6
            people += _event_visitors(context, hour_start)
            for band, count in Counter(
                rng.choices(bands, weights=list(weights.values()), k=round(people))
            ).items():
                rows.append(
                    VisitorCount(
                        deployment=context.deployment,
                        hour_starts_at=hour_start,
                        age_band=band,
                        count=count,
                        source=VisitorCount.Source.MANUAL,
                        recorded_by=staff,
                    )
                )
    VisitorCount.objects.bulk_create(rows, batch_size=1000)


def _hours(starts_at: dt.datetime, ends_at: dt.datetime) -> Iterator[dt.datetime]:
    hour = starts_at.replace(minute=0, second=0, microsecond=0)
    while hour + dt.timedelta(hours=1) <= ends_at:
        yield hour
        hour += dt.timedelta(hours=1)


def _event_visitors(context: Context, hour_start: dt.datetime) -> float:
    hour_end = hour_start + dt.timedelta(hours=1)
    extra = 0.0
    for event in context.held_events:
        if event.starts_at < hour_end and event.ends_at > hour_start and event.attendance:
            hours = max((event.ends_at - event.starts_at).total_seconds() / 3600, 1)
            extra += event.attendance / hours
    return extra


def _notes(context: Context) -> None:
    deployment = context.deployment
    if deployment.contributions.filter(kind=Kind.NOTE).exists():
        return
    rng = context.rng("notes")
    chosen = rng.sample(texts.NOTES, k=max(3, round(10 * context.share_elapsed)))
    received = []
    for theme_name, language, age_band, relation, text in chosen:
        starts_at, ends_at, staff = rng.choice(context.opening_hours)
        note = records.conversation_note_record(
            deployment=deployment,
            by=staff or context.team[0],
            text=text,
            theme=deployment.themes.filter(name=theme_name).first() if theme_name else None,
            language=language,
            age_band=age_band,
            relation=relation,
        )
        received.append((note, starts_at + (ends_at - starts_at) * rng.random()))
    _set_received_at(received)


def _workshops(context: Context) -> None:
    """Results of the Kiezwerkstatt (co-design) and the Erzählcafé."""
    deployment = context.deployment
    if deployment.workshop_results.exists():
        return
    rng = context.rng("workshops")
    methods = [
        WorkshopResult.Method.WORLD_CAFE,
        WorkshopResult.Method.DOT_VOTING,
        WorkshopResult.Method.MAP,
        WorkshopResult.Method.BUILDING,
    ]
    for number, event in enumerate(
        e for e in context.held_events if e.format == Event.Format.CO_DESIGN
    ):
        records.workshop_result_record(
            deployment=deployment,
            by=context.team[number % len(context.team)],
            title=f"{event.title} ({event.starts_at.astimezone(BERLIN):%d.%m.})",
            method=methods[number % len(methods)],
            participants=event.attendance or 10,
            held_on=event.starts_at.astimezone(BERLIN).date(),
            statements=rng.sample(texts.WORKSHOP_STATEMENTS, k=rng.randint(4, 6)),
            event=event,
        )
    for event in context.held_events:
        if event.title.startswith("Erzählcafé"):
            records.workshop_result_record(
                deployment=deployment,
                by=context.team[0],
                title=event.title,
                method=WorkshopResult.Method.DISCUSSION,
                participants=event.attendance or 8,
                held_on=event.starts_at.astimezone(BERLIN).date(),
                statements=rng.sample(texts.STORY_STATEMENTS, k=3),
                event=event,
            )


def _feedback_cards(context: Context) -> None:
    """Paper feedback cards, typed in by the team after the event."""
    deployment = context.deployment
    if deployment.contributions.filter(kind=Kind.FEEDBACK, channel=Channel.PAPER).exists():
        return
    rng = context.rng("feedback-cards")
    received = []
    for event in context.held_events:
        if rng.random() < 0.5:
            continue
        for _card in range(rng.randint(1, 3)):
            text = rng.choice(texts.FEEDBACK_TEXTS)
            feedback = records.feedback_record(
                deployment=deployment,
                event=event,
                by=context.team[1 % len(context.team)],
                rating=rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 6, 5])[0]
                if not text or rng.random() < 0.7
                else None,
                text=text,
            )
            received.append((feedback, event.ends_at.astimezone(BERLIN) + dt.timedelta(hours=1)))
    _set_received_at(received)


def _reflections(context: Context) -> None:
    """One entry at the end of every week on site (Saturday)."""
    deployment = context.deployment
    if deployment.reflections.exists():
        return
    saturdays = [day for day in context.days if day.weekday() == 5]
    for number, day in enumerate(saturdays):
        went_well, to_improve, notes = texts.REFLECTIONS[number % len(texts.REFLECTIONS)]
        records.reflection_record(
            deployment=deployment,
            author=context.team[number % len(context.team)],
            written_on=day,
            went_well=went_well,
            to_improve=to_improve,
            notes=notes,
        )
