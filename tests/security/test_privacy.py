"""Privacy (issue 9, item 6): the retention job deletes what has expired, and only that."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.files.base import ContentFile
from django.utils import timezone

from deployments.models import AuditEntry, PartnerContact
from deployments.services.audit import audit_record
from participation.models import Device, ExportJob, ImportJob, ImportProfile, JobState
from participation.services import retention
from participation.tasks.retention import delete_expired_data
from reports.rendering import content
from tests.factories import DeploymentFactory, DeviceFactory, PartnerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


def _aged(model, obj, *, days: int, field: str = "created_at") -> None:
    model.objects.filter(pk=obj.pk).update(**{field: NOW - dt.timedelta(days=days)})


def _export(deployment, *, days: int, state=JobState.DONE, name="export.csv") -> ExportJob:
    job = ExportJob.objects.create(deployment=deployment, format="csv", state=state)
    job.file.save(name, ContentFile(b"Text;Alter\r\nMehr B\xc3\xa4nke;65_plus\r\n"))
    _aged(ExportJob, job, days=days)
    return job


def _import(deployment, *, days: int, state=JobState.DONE) -> ImportJob:
    profile, _ = ImportProfile.objects.get_or_create(
        organisation=deployment.organisation,
        name="Papierbögen",
        defaults={"target": ImportProfile.Target.PAPER_FORMS, "mapping": {"text": "Idee"}},
    )
    job = ImportJob.objects.create(
        deployment=deployment,
        profile=profile,
        original_name="boegen.csv",
        file_hash="0" * 64,
        state=state,
        rows_total=1,
        preview=[{"Idee": "Ruf mich an: Erika, 0176 1234567"}],
        row_errors=[{"row": 2, "column": "Alter", "message": "„neunzig“ ist keine Altersgruppe."}],
    )
    _aged(ImportJob, job, days=days)
    return job


def test_partner_contacts_go_the_day_after_their_agreed_date() -> None:
    partner = PartnerFactory()
    due = PartnerContact.objects.create(
        partner=partner,
        name="Erika Muster",
        purpose="Einsatz 2026",
        delete_after=dt.date(2026, 11, 21),
    )
    today = PartnerContact.objects.create(
        partner=partner,
        name="Max Muster",
        purpose="Einsatz 2026",
        delete_after=dt.date(2026, 11, 22),
    )
    open_ended = PartnerContact.objects.create(partner=partner, name="Ali Beispiel", purpose="Netz")

    deleted = retention.partner_contacts_delete_expired(now=NOW)

    assert deleted == 1
    assert not PartnerContact.objects.filter(pk=due.pk).exists()
    assert set(PartnerContact.objects.values_list("pk", flat=True)) == {today.pk, open_ended.pk}
    entry = AuditEntry.objects.get(action="partner_contact.delete_expired")
    assert entry.target_repr == str(partner)
    assert entry.data == {"contacts": 1}
    assert "Erika" not in str(entry.data) + entry.target_repr  # the log keeps no names

    a_day_later = NOW + dt.timedelta(days=1)
    assert retention.partner_contacts_delete_expired(now=a_day_later) == 1
    assert list(PartnerContact.objects.all()) == [open_ended]


def test_exports_older_than_the_retention_period_lose_row_and_file(
    media: Path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.KIEZLABOR_EXPORT_RETENTION_DAYS = 30
    deployment = DeploymentFactory()
    old = _export(deployment, days=31, name="alt.csv")
    recent = _export(deployment, days=29, name="neu.csv")
    running = _export(deployment, days=40, state=JobState.RUNNING, name="laeuft.csv")
    old_path = Path(old.file.path)

    with django_capture_on_commit_callbacks(execute=True):
        deleted = retention.export_files_delete_expired(now=NOW)

    assert deleted == 1
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert not old_path.exists()
    assert Path(ExportJob.objects.get(pk=recent.pk).file.path).exists()
    assert ExportJob.objects.filter(pk=running.pk).exists()  # a job still at work is left alone


def test_old_imports_keep_their_counts_but_not_the_rows(
    media: Path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.KIEZLABOR_IMPORT_ROWS_RETENTION_DAYS = 30
    deployment = DeploymentFactory()
    old = _import(deployment, days=31)
    old.file.save("boegen.csv", ContentFile(b"Idee\nErika, 0176 1234567\n"))
    _aged(ImportJob, old, days=31)  # saving the file wrote the fresh date back
    leftover = Path(old.file.path)
    recent = _import(deployment, days=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.import_rows_delete_expired(now=NOW) == 1

    old.refresh_from_db()
    assert (old.preview, old.row_errors, old.file.name) == ([], [], "")
    assert old.rows_total == 1
    assert not leftover.exists()
    recent.refresh_from_db()
    assert recent.preview
    assert recent.row_errors
    assert retention.import_rows_delete_expired(now=NOW) == 0  # a second run finds nothing


def test_long_revoked_tablets_forget_their_last_report(settings) -> None:
    settings.KIEZLABOR_REVOKED_DEVICE_RETENTION_DAYS = 30
    long_revoked = DeviceFactory(
        revoked_at=NOW - dt.timedelta(days=31),
        last_seen_at=NOW - dt.timedelta(days=32),
        pending_on_device=4,
        rejected_on_device=1,
    )
    just_revoked = DeviceFactory(
        revoked_at=NOW - dt.timedelta(days=3), last_seen_at=NOW - dt.timedelta(days=3)
    )
    in_use = DeviceFactory(last_seen_at=NOW - dt.timedelta(days=90), pending_on_device=2)

    assert retention.revoked_devices_forget(now=NOW) == 1

    long_revoked.refresh_from_db()
    assert long_revoked.last_seen_at is None
    assert (long_revoked.pending_on_device, long_revoked.rejected_on_device) == (0, 0)
    assert Device.objects.get(pk=just_revoked.pk).last_seen_at is not None
    assert Device.objects.get(pk=in_use.pk).pending_on_device == 2
    assert retention.revoked_devices_forget(now=NOW) == 0


def test_login_records_go_after_the_login_log_period(settings) -> None:
    settings.KIEZLABOR_LOGIN_LOG_RETENTION_DAYS = 90
    old = AccessLog.objects.create(username="erika", ip_address="192.0.2.1", user_agent="x")
    new = AccessLog.objects.create(username="erika", ip_address="192.0.2.1", user_agent="x")
    attempt = AccessAttempt.objects.create(
        username="erika", ip_address="192.0.2.1", user_agent="x", failures_since_start=2
    )
    _aged(AccessLog, old, days=91, field="attempt_time")
    _aged(AccessAttempt, attempt, days=91, field="attempt_time")

    assert retention.login_records_delete_expired(now=NOW) == 2
    assert list(AccessLog.objects.all()) == [new]


def test_the_nightly_task_runs_everything_and_is_scheduled(settings) -> None:
    partner = PartnerFactory()
    PartnerContact.objects.create(
        partner=partner,
        name="Erika Muster",
        purpose="Einsatz 2025",
        delete_after=timezone.localdate() - dt.timedelta(days=1),
    )

    first = delete_expired_data.apply().get()
    second = delete_expired_data.apply().get()

    assert first["partner_contacts"] == 1
    assert set(first) == {
        "partner_contacts",
        "exports",
        "import_rows",
        "revoked_devices",
        "login_records",
        "audit_entries",
    }
    assert not any(second.values())
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "participation.delete_expired_data" in schedule


def test_audit_entries_go_after_two_years_and_the_deletion_is_on_record(settings) -> None:
    settings.KIEZLABOR_AUDIT_RETENTION_DAYS = 730
    deployment = DeploymentFactory()
    staff = UserFactory(username="tina")
    expired = [
        audit_record(actor=staff, action="report.request", target=deployment) for _ in range(3)
    ]
    kept = audit_record(actor=staff, action="export.create", target=deployment)
    for entry in expired:
        _aged(AuditEntry, entry, days=731, field="at")
    _aged(AuditEntry, kept, days=729, field="at")

    assert retention.audit_entries_delete_expired(now=NOW) == 3

    summary = AuditEntry.objects.get(action="audit.delete_expired")
    assert summary.actor is None
    assert summary.data == {
        "entries": 3,
        "older_than": (NOW - dt.timedelta(days=730)).isoformat(),
    }
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {kept.pk, summary.pk}
    # A second run finds nothing and leaves no second summary.
    assert retention.audit_entries_delete_expired(now=NOW) == 0
    assert AuditEntry.objects.count() == 2


def test_the_audit_retention_period_is_a_setting(settings) -> None:
    settings.KIEZLABOR_AUDIT_RETENTION_DAYS = 30
    entry = audit_record(actor=None, action="report.request", target=DeploymentFactory())
    _aged(AuditEntry, entry, days=31, field="at")

    assert retention.expired_data_delete(now=NOW)["audit_entries"] == 1
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0"), (1, "< 5"), (4, "< 5"), (5, "5"), (12, "12")]
)
def test_reports_show_demographic_groups_only_from_five_people(count: int, shown: str) -> None:
    assert content.demographic_count(count) == shown


def test_staff_passwords_need_ten_characters() -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = UserFactory.build(username="erika")
    with pytest.raises(ValidationError) as refused:
        validate_password("Kiez-2026", user=user)
    assert any("10" in message for message in refused.value.messages)
    validate_password("Kiez-Labor-2026!", user=user)
