"""The life of an import job: upload, dry-run preview, confirmation, all-or-nothing import.

Decisions:

- Upload (``import_job_create``) checks only what is quick: size, extension and content kind.
  Reading and checking the rows happens in the Celery task (``participation.tasks.imports``);
  the admin page and the API poll the job's state and progress.
- Both the preview and the import read every row and report every bad cell with its row (as
  Excel numbers it, the header being row 1) and the file's column header. Progress is written
  during this validation pass, which runs outside any transaction so that others see it.
- The import writes in one transaction, and only if no row has an error: a file is imported
  completely or not at all.
- The same file (or an overlapping one) may be uploaded again; rows already imported are counted
  as "schon vorhanden" in the preview and are not added again (see ``contributions.content_hash``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from deployments.models import Deployment
from deployments.services.audit import audit_record
from kiezlabor import jobs
from participation.models import ImportJob, ImportProfile, JobState
from participation.services.imports.fields import Field
from participation.services.imports.files import (
    Cell,
    ImportFileError,
    Table,
    check_size,
    file_kind,
    open_table,
)
from participation.services.imports.rows import Collector, Context, Outcome, RowError, RowErrors
from participation.services.imports.targets import TARGETS

# Row errors kept on the job; a file with thousands of bad rows needs fixing at the source.
ROW_ERROR_LIMIT = 500
PROGRESS_EVERY_ROWS = 250
VALIDATION_SHARE_OF_IMPORT = 90
# Runs of one job (retries, requeues after lost workers) before the sweep fails it.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Column:
    index: int
    header: str


# --- Upload and confirmation --------------------------------------------------------------


@transaction.atomic
def import_job_create(
    *, deployment: Deployment, profile: ImportProfile, uploaded_file: UploadedFile, by
) -> ImportJob:
    """Store an uploaded file as an import job and queue its preview (a dry run)."""
    if profile.organisation_id != deployment.organisation_id:
        raise ValidationError(
            {
                "profile": gettext(
                    "Die Import-Vorlage gehört zu einer anderen Organisation als der Einsatz."
                )
            }
        )
    name = Path(uploaded_file.name or "").name
    try:
        check_size(size=uploaded_file.size or 0)
        file_kind(name=name, file=uploaded_file)
    except ImportFileError as refusal:
        raise ValidationError({"file": refusal.messages}) from refusal
    file_hash = _file_hash(uploaded_file)
    job = ImportJob(
        deployment=deployment,
        profile=profile,
        # Stored under a short name of its own: people's file names can be long or personal.
        file=File(uploaded_file, name=f"{file_hash[:16]}{Path(name).suffix.lower()}"),
        original_name=name[:200],
        file_hash=file_hash,
        dry_run=True,
        created_by=by,
    )
    job.full_clean()
    job.save()
    audit_record(
        actor=by,
        action="import.upload",
        target=job,
        data={"file": job.original_name, "profile": profile.name},
    )
    _queue_run(job)
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Start the real import of a previewed file without errors (queues the task)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.state != JobState.PREVIEWED or not job.dry_run:
        raise ValidationError(
            gettext("Dieser Import läuft schon, ist fertig oder wird noch geprüft.")
        )
    if job.row_errors:
        raise ValidationError(
            gettext(
                "Die Datei hat Fehler und kann so nicht importiert werden. Bitte korrigieren Sie "
                "die genannten Zeilen und laden Sie die Datei erneut hoch."
            )
        )
    job.dry_run = False
    job.state = JobState.QUEUED
    job.progress = 0
    job.error = ""
    job.queued_at, job.task_id, job.attempts = timezone.now(), "", 0
    job.started_at = job.finished_at = None
    job.full_clean()
    job.save()
    audit_record(actor=by, action="import.confirm", target=job, data={"rows_new": job.rows_new})
    _queue_run(job)
    return job


@transaction.atomic
def import_job_delete(*, job: ImportJob, by) -> None:
    """Delete a job and its stored file; what it imported stays (and stays known)."""
    audit_record(actor=by, action="import.delete", target=job, data={"file": job.original_name})
    stored = job.file.name
    storage = job.file.storage
    job.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def _queue_run(job: ImportJob) -> None:
    """Send the task once committed; if the broker is down, ``import_jobs_sweep`` sends it."""
    from participation.tasks.imports import import_run  # the task module imports this one

    jobs.send_on_commit(import_run, job.pk)


def import_jobs_sweep(*, now: dt.datetime) -> dict[str, int]:
    """Send again jobs whose task was lost, requeue (or finally fail) those whose worker died."""
    from participation.tasks.imports import TIME_LIMIT, import_run

    return jobs.sweep(
        ImportJob,
        import_run,
        now=now,
        time_limit=dt.timedelta(seconds=TIME_LIMIT),
        max_attempts=MAX_ATTEMPTS,
        fail=lambda job: import_job_fail(job_id=job.pk, message=_interrupted_message()),
        reset={"progress": 0},
    )


def _file_hash(uploaded_file: UploadedFile) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


# --- The task's steps ---------------------------------------------------------------------


def import_job_claim(*, job_id: int, task_id: str | None) -> ImportJob | None:
    """Mark the job running for the delivery ``task_id`` and return it; ``None`` if this
    delivery is not to run it (``kiezlabor.jobs.claim``: done, failed, run by another delivery).
    """
    if not jobs.claim(
        ImportJob.objects, pk=job_id, task_id=task_id, now=timezone.now(), progress=0
    ):
        return None
    return ImportJob.objects.select_related("deployment", "profile", "created_by").get(pk=job_id)


def _interrupted_message() -> str:
    return gettext(
        "Der Import wurde %(attempts)d-mal unterbrochen und deshalb abgebrochen; es wurde nichts "
        "importiert. Bitte die technische Betreuung informieren und die Datei erneut hochladen."
    ) % {"attempts": MAX_ATTEMPTS}


def import_job_fail(*, job_id: int, message: str) -> None:
    """Mark a job failed with a message for staff (used when the task itself breaks off)."""
    ImportJob.objects.filter(pk=job_id).update(
        state=JobState.FAILED, error=message, finished_at=timezone.now()
    )


def import_preview(*, job: ImportJob) -> ImportJob:
    """Dry run: read and check every row, count new and known rows, keep the first rows."""
    try:
        checked = _check(job, progress_end=100)
    except _Refused as refusal:
        return _finish(job, JobState.FAILED, error=refusal.message, row_errors=refusal.rows)
    return _finish(job, JobState.PREVIEWED, checked=checked)


def import_apply(*, job: ImportJob) -> ImportJob:
    """Import the file all-or-nothing: nothing is written if any row has an error."""
    try:
        checked = _check(job, progress_end=VALIDATION_SHARE_OF_IMPORT)
    except _Refused as refusal:
        return _finish(job, JobState.FAILED, error=refusal.message, row_errors=refusal.rows)
    if checked.error_count:
        return _finish(job, JobState.FAILED, checked=checked)
    try:
        with transaction.atomic():
            with _table(job) as table:
                created = checked.collector.write(job, _mapped(table.rows, checked.columns))
            checked.outcome.rows_new = created
            _finish(job, JobState.DONE, checked=checked)
            audit_record(
                actor=None,
                action="import.done",
                target=job,
                data={"created": created, "known": checked.outcome.rows_known},
            )
    except RowErrors as changed:
        # Themes or events changed between the check and the import.
        checked.add_errors(changed.errors)
        return _finish(job, JobState.FAILED, checked=checked)
    except IntegrityError:
        return _finish(
            job,
            JobState.FAILED,
            error=gettext(
                "Gleichzeitig hat ein anderer Import dieselben Zeilen geschrieben. Es wurde "
                "nichts importiert. Bitte laden Sie die Datei erneut hoch."
            ),
        )
    return job


# --- Validation pass ----------------------------------------------------------------------


class _Refused(Exception):
    """The file as a whole cannot be imported (not readable, columns missing, no rows)."""

    def __init__(self, message: str, rows: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rows = rows or []


@dataclass
class _Checked:
    """The validation pass's result and what the writing pass needs to read the file again."""

    outcome: Outcome
    collector: Collector
    columns: dict[str, Column]
    row_errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = ROW_ERROR_LIMIT - len(self.row_errors)
        self.row_errors.extend(_row_error(error, self.columns) for error in errors[:room])


def _check(job: ImportJob, *, progress_end: int) -> _Checked:
    """Read and check every row of the job's file, writing progress on the way."""
    profile = job.profile
    problems = import_profile_problems(
        target=profile.target, mapping=profile.mapping, value_maps=profile.value_maps
    )
    if problems:
        raise _Refused(
            gettext("Die Import-Vorlage „%(profile)s“ ist fehlerhaft: %(problems)s")
            % {"profile": profile.name, "problems": " ".join(problems)}
        )
    collector = TARGETS[profile.target].collector(Context.for_job(job))
    try:
        with _table(job) as table:
            checked = _Checked(collector.outcome, collector, _columns(profile.mapping, table))
            progress = _Progress(job.pk, table.line_count, progress_end)
            for line, cells in _mapped(table.rows, checked.columns):
                checked.add_errors(collector.add(line, cells))
                progress.advance(line)
    except ImportFileError as refusal:
        raise _Refused(" ".join(refusal.messages)) from refusal
    if checked.outcome.rows_total == 0:
        raise _Refused(
            gettext(
                "Die Datei enthält nur die Kopfzeile, aber keine Daten. Bitte prüfen Sie, ob Sie "
                "die richtige Datei gewählt haben."
            )
        )
    checked.add_errors(collector.finish())
    return checked


@contextmanager
def _table(job: ImportJob) -> Iterator[Table]:
    with job.file.open("rb") as file:
        kind = file_kind(name=job.original_name, file=file)
        with open_table(file=file, kind=kind) as table:
            yield table


def _columns(mapping: Mapping[str, str], table: Table) -> dict[str, Column]:
    """Where each mapped field's column is; headers compare without case and outer spaces."""
    positions: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        positions.setdefault(header.casefold(), index)
    columns: dict[str, Column] = {}
    missing: list[str] = []
    for name, header in mapping.items():
        index = positions.get(header.strip().casefold())
        if index is None:
            missing.append(header)
        else:
            columns[name] = Column(index, table.headers[index])
    if missing:
        names = ", ".join(f"„{header}“" for header in missing)
        present = ", ".join(f"„{header}“" for header in table.headers if header) or "–"
        message = ngettext(
            "Die Spalte %(names)s fehlt in der Datei. Vorhandene Spalten: %(present)s. Bitte "
            "benennen Sie die Spalte in der Datei um oder passen Sie die Import-Vorlage an.",
            "Die Spalten %(names)s fehlen in der Datei. Vorhandene Spalten: %(present)s. Bitte "
            "benennen Sie die Spalten in der Datei um oder passen Sie die Import-Vorlage an.",
            len(missing),
        ) % {"names": names, "present": present}
        rows = [
            {
                "row": table.header_line,
                "column": header,
                "message": gettext("Diese Spalte fehlt in der Kopfzeile der Datei."),
            }
            for header in missing
        ]
        raise _Refused(message, rows)
    return columns


def _mapped(
    rows: Iterator[tuple[int, list[Cell]]], columns: Mapping[str, Column]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    for line, cells in rows:
        yield (
            line,
            {
                name: cells[column.index] if column.index < len(cells) else None
                for name, column in columns.items()
            },
        )


def _row_error(error: RowError, columns: Mapping[str, Column]) -> dict:
    column = columns.get(error.field)
    return {
        "row": error.line,
        "column": column.header if column else error.field,
        "message": error.message,
    }


class _Progress:
    """Writes the job's progress every few hundred rows, outside any transaction."""

    def __init__(self, job_id: int, line_count: int, end: int) -> None:
        self.job_id = job_id
        self.line_count = line_count
        self.end = end
        self.reported = 0
        self.last_line = 0

    def advance(self, line: int) -> None:
        if not self.line_count or line - self.last_line < PROGRESS_EVERY_ROWS:
            return
        self.last_line = line
        percent = min(self.end, self.end * line // self.line_count)
        if percent > self.reported:
            self.reported = percent
            ImportJob.objects.filter(pk=self.job_id).update(progress=percent)


def _summary(checked: _Checked, *, dry_run: bool) -> str:
    if not checked.error_count:
        return ""
    rows = len({error["row"] for error in checked.row_errors})
    summary = ngettext(
        "Die Datei hat %(count)d Fehler", "Die Datei hat %(count)d Fehler", checked.error_count
    ) % {"count": checked.error_count}
    if checked.error_count > len(checked.row_errors):
        summary += gettext(" (unten stehen die ersten %(shown)d)") % {
            "shown": len(checked.row_errors)
        }
    else:
        summary += ngettext(" in %(rows)d Zeile", " in %(rows)d Zeilen", rows) % {"rows": rows}
    if dry_run:
        return summary + gettext(
            ". So kann sie nicht importiert werden: Bitte korrigieren Sie die Zeilen und laden "
            "Sie die Datei erneut hoch."
        )
    return summary + gettext(
        ". Es wurde nichts importiert. Bitte korrigieren Sie die Zeilen und laden Sie die Datei "
        "erneut hoch."
    )


def _finish(
    job: ImportJob,
    state: str,
    *,
    checked: _Checked | None = None,
    error: str = "",
    row_errors: list[dict] | None = None,
) -> ImportJob:
    job.state = state
    job.progress = 100
    job.finished_at = timezone.now()
    job.error = error
    job.row_errors = row_errors or []
    if checked is not None:
        job.rows_total = checked.outcome.rows_total
        job.rows_new = checked.outcome.rows_new
        job.rows_known = checked.outcome.rows_known
        job.preview = checked.outcome.preview
        job.row_errors = checked.row_errors
        job.error = _summary(checked, dry_run=job.dry_run)
    if state in (JobState.DONE, JobState.FAILED):
        _discard_file(job)
    job.full_clean()
    job.save()
    return job


def _discard_file(job: ImportJob) -> None:
    """Delete the uploaded file once it is no longer needed: only masked text is kept."""
    if not job.file:
        return
    stored, storage = job.file.name, job.file.storage
    job.file = ""
    transaction.on_commit(lambda: storage.delete(stored))


# --- Profiles -----------------------------------------------------------------------------


def import_profile_problems(*, target: str, mapping: object, value_maps: object) -> list[str]:
    """What is wrong with a profile's mapping and value maps, in German; empty if nothing."""
    spec = TARGETS.get(target)
    if spec is None:
        return [gettext("Bitte wählen Sie, was importiert wird.")]
    fields = {field.name: field for field in spec.fields}
    known = ", ".join(fields)
    if not isinstance(mapping, dict):
        return [gettext('Die Spaltenzuordnung muss die Form {"Feld": "Spaltenname", …} haben.')]
    problems = []
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        problems.append(
            gettext("Unbekannte Felder: %(unknown)s. Möglich sind: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": known}
        )
    for name, header in mapping.items():
        if not isinstance(header, str) or not header.strip():
            problems.append(
                gettext("Für das Feld „%(field)s“ fehlt der Spaltenname.") % {"field": name}
            )
    missing = [field.name for field in spec.fields if field.required and field.name not in mapping]
    if missing:
        problems.append(
            gettext("Diese Felder brauchen eine Spalte: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    if ("latitude" in mapping) != ("longitude" in mapping) and "latitude" in fields:
        problems.append(
            gettext("Breitengrad und Längengrad brauchen beide eine Spalte (oder keiner).")
        )
    problems.extend(_value_map_problems(fields, value_maps))
    return problems


def _value_map_problems(fields: Mapping[str, Field], value_maps: object) -> list[str]:
    if value_maps in (None, "", {}):
        return []
    if not isinstance(value_maps, dict) or not all(
        isinstance(values, dict) for values in value_maps.values()
    ):
        return [
            gettext(
                '„Werte übersetzen“ muss die Form {"Feld": {"Wert in der Datei": "Wert"}} haben.'
            )
        ]
    problems = []
    for name, values in value_maps.items():
        field = fields.get(name)
        if field is None:
            problems.append(
                gettext("„Werte übersetzen“ nennt das unbekannte Feld „%(field)s“.")
                % {"field": name}
            )
            continue
        for source, target in values.items():
            if not isinstance(target, str) or (
                field.choices and target and target not in field.choices
            ):
                problems.append(
                    gettext(
                        "„%(source)s“ wird für „%(field)s“ in %(target)s übersetzt; möglich sind: "
                        "%(choices)s (oder leer)."
                    )
                    % {
                        "source": source,
                        "field": name,
                        "target": f"„{target}“",
                        "choices": ", ".join(field.choices) or "Text",
                    }
                )
    return problems
