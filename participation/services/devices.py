"""Tablets at the container: pairing with a one-time code, revoking, moving, signs of life.

A tablet never holds a staff login. Staff create a short one-time code in the admin (valid for
15 minutes); the tablet trades it for a long random token that it keeps. Only the token's
SHA-256 is stored, so a copy of the database does not let anyone post as a tablet. Revoking
clears the token; moving keeps it, so a moved tablet carries on with its new deployment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from deployments.models import Deployment
from deployments.services.audit import audit_record
from participation.models import Device

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# No 0/O, 1/I/L, 5/S or 2/Z: the code is read off a screen and typed on a tablet.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
PAIRING_CODE_LENGTH = 6
PAIRING_CODE_VALIDITY = dt.timedelta(minutes=15)
_CODE_ATTEMPTS = 5


def token_hash(token: str) -> str:
    """What is stored of a device token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_pairing_code(code: str) -> str:
    """The code as stored: capitals, without the spaces or dashes people type between groups."""
    return "".join(char for char in code.upper() if char.isalnum())


def _new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))


@transaction.atomic
def device_pairing_code_create(*, device: Device, by: AbstractBaseUser) -> Device:
    """Give the device a fresh one-time pairing code, valid for 15 minutes.

    The device must already be assigned to a deployment: a tablet without one could not show
    residents anything. An earlier, unused code stops working.
    """
    if device.deployment_id is None:
        raise ValidationError(
            {
                "deployment": gettext(
                    "Bitte wählen Sie zuerst den Einsatz, zu dem das Tablet gehört."
                )
            }
        )
    device.pairing_code_expires_at = timezone.now() + PAIRING_CODE_VALIDITY
    device.full_clean(exclude=["pairing_code"])
    for attempt in range(_CODE_ATTEMPTS):
        device.pairing_code = _new_pairing_code()
        try:
            # A code may collide with another tablet's open code; the database decides.
            with transaction.atomic():
                device.save(update_fields=["pairing_code", "pairing_code_expires_at"])
        except IntegrityError:
            if attempt == _CODE_ATTEMPTS - 1:
                raise
        else:
            break
    audit_record(
        actor=by,
        action="device_pairing_code_create",
        target=device,
        data={"expires_at": device.pairing_code_expires_at.isoformat()},
    )
    return device


@transaction.atomic
def device_pair(*, code: str) -> tuple[Device, str]:
    """Trade a valid pairing code for a new device token; returns the device and the token.

    The token is shown to the tablet exactly once. Pairing again (after a reset, or after the
    device was revoked) replaces the old token.
    """
    wrong_code = ValidationError(
        {
            "code": pgettext(
                "kiosk",
                "Dieser Code stimmt nicht oder ist abgelaufen. "
                "Bitte lassen Sie sich vom Team einen neuen Code geben.",
            )
        },
        code="invalid_pairing_code",
    )
    code = normalise_pairing_code(code)
    if len(code) != PAIRING_CODE_LENGTH:
        raise wrong_code
    device = (
        Device.objects.select_for_update()
        .filter(pairing_code=code, pairing_code_expires_at__gt=timezone.now())
        .first()
    )
    if device is None or device.deployment_id is None:
        raise wrong_code

    token = secrets.token_urlsafe(32)
    device.token_hash = token_hash(token)
    device.pairing_code = ""
    device.pairing_code_expires_at = None
    device.paired_at = timezone.now()
    device.revoked_at = None
    device.full_clean()
    device.save(
        update_fields=[
            "token_hash",
            "pairing_code",
            "pairing_code_expires_at",
            "paired_at",
            "revoked_at",
        ]
    )
    audit_record(actor=None, action="device_pair", target=device)
    return device, token


@transaction.atomic
def device_revoke(*, device: Device, by: AbstractBaseUser) -> Device:
    """Lock the tablet out: its token and any open pairing code stop working at once."""
    device.token_hash = ""
    device.pairing_code = ""
    device.pairing_code_expires_at = None
    device.revoked_at = timezone.now()
    device.full_clean()
    device.save(
        update_fields=["token_hash", "pairing_code", "pairing_code_expires_at", "revoked_at"]
    )
    audit_record(actor=by, action="device_revoke", target=device)
    return device


@transaction.atomic
def device_move(*, device: Device, deployment: Deployment | None, by: AbstractBaseUser) -> Device:
    """Assign the tablet to another deployment of its organisation (or to none, to park it).

    The tablet keeps its token and picks up the new deployment with its next start-up data.
    """
    if deployment is not None and deployment.organisation_id != device.organisation_id:
        raise ValidationError(
            {
                "deployment": gettext(
                    "Das Tablet gehört einer anderen Organisation als dieser Einsatz. "
                    "Bitte wählen Sie einen Einsatz Ihrer Organisation."
                )
            }
        )
    previous = device.deployment_id
    device.deployment = deployment
    device.full_clean()
    device.save(update_fields=["deployment"])
    audit_record(
        actor=by,
        action="device_move",
        target=device,
        data={"from": previous, "to": deployment.pk if deployment else None},
    )
    return device


@transaction.atomic
def device_heartbeat(*, device: Device, pending: int, rejected: int) -> Device:
    """Note that the tablet is alive and how many inputs wait on it (unsent and refused)."""
    device.last_seen_at = timezone.now()
    device.pending_on_device = pending
    device.rejected_on_device = rejected
    device.full_clean()
    device.save(update_fields=["last_seen_at", "pending_on_device", "rejected_on_device"])
    return device


def device_for_token(token: str) -> Device | None:
    """The not revoked device holding this token, with its deployment; else None.

    This runs on every kiosk request: token_hash is unique (no ordering, no sort), and the site
    is left out (an input is checked against ``submission_rules``, which keeps what it needs).
    """
    if not token:
        return None
    try:
        return Device.objects.select_related("deployment").get(
            token_hash=token_hash(token), revoked_at__isnull=True
        )
    except Device.DoesNotExist:
        return None
