"""Deleting personal data once its purpose has passed (docs/privacy.md lists the periods).

One function per kind of data, and ``expired_data_delete`` running them all for the nightly
task. Each takes ``now`` so that tests (and a late run after an outage) decide the cut-off, and
each is safe to run twice: what is gone stays gone, and nothing else is touched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from deployments.models import AuditEntry, Partner, PartnerContact
from deployments.services.audit import audit_record
from participation.models import Device, ExportJob, ImportJob, JobState

FINISHED = (JobState.DONE, JobState.FAILED, JobState.PREVIEWED)


def _days_before(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


@transaction.atomic
def partner_contacts_delete_expired(*, now: dt.datetime) -> int:
    """Delete partners' contact persons whose agreed ``delete_after`` day has passed.

    The audit entry names the partner and the number of contacts, never the person.
    """
    today = timezone.localdate(now)
    expired = PartnerContact.objects.filter(delete_after__lt=today)
    per_partner: dict[int, int] = defaultdict(int)
    for partner_id in expired.values_list("partner_id", flat=True):
        per_partner[partner_id] += 1
    deleted, _ = expired.delete()
    for partner in Partner.objects.filter(pk__in=per_partner):
        audit_record(
            actor=None,
            action="partner_contact.delete_expired",
            target=partner,
            data={"contacts": per_partner[partner.pk]},
        )
    return deleted


@transaction.atomic
def export_files_delete_expired(*, now: dt.datetime) -> int:
    """Delete finished exports (row and file) older than ``KIEZLABOR_EXPORT_RETENTION_DAYS``."""
    cutoff = _days_before(now, settings.KIEZLABOR_EXPORT_RETENTION_DAYS)
    expired = list(ExportJob.objects.filter(created_at__lt=cutoff, state__in=FINISHED))
    files = [(job.file.storage, job.file.name) for job in expired if job.file]
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    transaction.on_commit(lambda: _delete_files(files))
    return len(expired)


@transaction.atomic
def import_rows_delete_expired(*, now: dt.datetime) -> int:
    """Empty the preview and row errors (copies of the file's rows) of old finished imports.

    The job itself stays: imported contributions point to it, and its counts explain them.
    A file still lying there (an import interrupted before it could discard it) goes too.
    """
    cutoff = _days_before(now, settings.KIEZLABOR_IMPORT_ROWS_RETENTION_DAYS)
    expired = ImportJob.objects.filter(created_at__lt=cutoff, state__in=FINISHED).exclude(
        preview=[], row_errors=[], file=""
    )
    files = [(job.file.storage, job.file.name) for job in expired.only("pk", "file") if job.file]
    emptied = expired.update(preview=[], row_errors=[], file="")
    transaction.on_commit(lambda: _delete_files(files))
    return emptied


@transaction.atomic
def revoked_devices_forget(*, now: dt.datetime) -> int:
    """Forget what tablets revoked long ago last reported (``KIEZLABOR_REVOKED_DEVICE_…``).

    The device row stays, because contributions name the tablet they came from.
    """
    cutoff = _days_before(now, settings.KIEZLABOR_REVOKED_DEVICE_RETENTION_DAYS)
    return (
        Device.objects.filter(revoked_at__lt=cutoff)
        .exclude(last_seen_at=None, pending_on_device=0, rejected_on_device=0, token_hash="")
        .update(
            last_seen_at=None,
            pending_on_device=0,
            rejected_on_device=0,
            token_hash="",
            pairing_code="",
            pairing_code_expires_at=None,
        )
    )


@transaction.atomic
def login_records_delete_expired(*, now: dt.datetime) -> int:
    """Delete login records (address, browser, username) older than the login-log period."""
    cutoff = _days_before(now, settings.KIEZLABOR_LOGIN_LOG_RETENTION_DAYS)
    deleted = 0
    for model, field in (
        (AccessLog, "attempt_time"),
        (AccessFailureLog, "attempt_time"),
        (AccessAttempt, "attempt_time"),
    ):
        count, _ = model.objects.filter(**{f"{field}__lt": cutoff}).delete()
        deleted += count
    return deleted


@transaction.atomic
def audit_entries_delete_expired(*, now: dt.datetime) -> int:
    """Delete audit entries older than ``KIEZLABOR_AUDIT_RETENTION_DAYS`` (user names, actions).

    The deletion leaves one entry of its own with the count and the cut-off, so that the
    missing early part of the trail is explained rather than silent.
    """
    cutoff = _days_before(now, settings.KIEZLABOR_AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    if deleted:
        audit_record(
            actor=None,
            action="audit.delete_expired",
            target=ContentType.objects.get_for_model(AuditEntry),
            data={"entries": deleted, "older_than": cutoff.isoformat()},
        )
    return deleted


def expired_data_delete(*, now: dt.datetime) -> dict[str, int]:
    """Run every deletion above; returns how many records of each kind went."""
    return {
        "partner_contacts": partner_contacts_delete_expired(now=now),
        "exports": export_files_delete_expired(now=now),
        "import_rows": import_rows_delete_expired(now=now),
        "revoked_devices": revoked_devices_forget(now=now),
        "login_records": login_records_delete_expired(now=now),
        "audit_entries": audit_entries_delete_expired(now=now),
    }


def _delete_files(files: list) -> None:
    for storage, name in files:
        storage.delete(name)
