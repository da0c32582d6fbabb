"""Helpers for the kiosk tests: a running deployment around today, paired tablets, bodies."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from deployments.models import Deployment, Event
from participation.models import Device, Poll
from participation.selectors.kiosk import LOCAL_TIMEZONE
from participation.services import devices
from tests.factories import (
    AreaFactory,
    DeploymentFactory,
    DeviceFactory,
    EventFactory,
    PollFactory,
    PollOptionFactory,
    ThemeFactory,
    UserFactory,
)


def today() -> dt.date:
    return timezone.now().astimezone(LOCAL_TIMEZONE).date()


def local_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TIMEZONE)


def running_deployment(**kwargs) -> Deployment:
    """A running deployment that started a few days ago, its site inside a forecast area."""
    deployment = DeploymentFactory(
        starts_on=today() - dt.timedelta(days=3), ends_on=today() + dt.timedelta(days=20), **kwargs
    )
    Deployment.objects.filter(pk=deployment.pk).update(status=Deployment.Status.RUNNING)
    deployment.refresh_from_db()
    deployment.site.areas.add(AreaFactory(name="Frankfurter Allee Süd"))
    return deployment


def event_today(deployment: Deployment, **kwargs) -> Event:
    """A public event lasting the whole Berlin day, so "today" holds whenever tests run."""
    day = kwargs.pop("day", today())
    return EventFactory(
        deployment=deployment,
        starts_at=local_time(day, 0, 1),
        ends_at=local_time(day, 23, 59),
        **kwargs,
    )


def theme_of(deployment: Deployment, name: str = "Grünflächen", **kwargs):
    theme = ThemeFactory(organisation=deployment.organisation, name=name, **kwargs)
    deployment.themes.add(theme)
    return theme


def poll_with_options(
    deployment: Deployment, *, type: str = Poll.Type.SINGLE, options: int = 3, **kwargs
) -> Poll:
    poll = PollFactory(deployment=deployment, type=type, **kwargs)
    for label in ["Mehr Grün", "Mehr Sitzplätze", "Mehr Licht", "Mehr Schatten"][:options]:
        PollOptionFactory(poll=poll, label=label)
    return poll


def paired_device(deployment: Deployment, **kwargs) -> tuple[Device, str]:
    """A tablet of the deployment's organisation, paired through the services."""
    device = DeviceFactory(organisation=deployment.organisation, deployment=deployment, **kwargs)
    devices.device_pairing_code_create(device=device, by=UserFactory())
    return devices.device_pair(code=device.pairing_code)


def idea_body(**overrides) -> dict:
    """A valid idea as the tablet sends it."""
    return {
        "client_uuid": str(uuid.uuid4()),
        "kind": "idea",
        "text": "Mehr Bänke unter den Bäumen, damit Ältere sich ausruhen können.",
        "theme": None,
        "location": None,
        "event": None,
        "rating": None,
        "language": "de",
        "age_band": "65_plus",
        "relation": "lives_here",
        "heard_via": "passing_by",
        "created_on_device_at": timezone.now().isoformat(),
        "consent": True,
        **overrides,
    }


def poll_body(poll: Poll, **overrides) -> dict:
    """A valid response to a single-choice poll (the first option)."""
    if "answers" not in overrides:
        first = poll.options.order_by("position", "pk").first()
        overrides["answers"] = [{"option": first.pk, "points": 1}]
    return {
        "client_uuid": str(uuid.uuid4()),
        "poll": poll.pk,
        "rating": None,
        "language": "de",
        "age_band": "",
        "relation": "",
        "heard_via": "",
        "created_on_device_at": timezone.now().isoformat(),
        "consent": True,
        **overrides,
    }
