"""Exports of a deployment's contributions: queued by staff, written by a Celery task.

Files are written row by row from a server-side cursor into a temporary file and then handed to
the storage in chunks, so memory stays flat however many contributions a deployment has.

Decisions about the formats:

- CSV is made for German Excel: ``;`` between fields, UTF-8 with BOM (Excel otherwise guesses
  Windows-1252 and garbles umlauts), ``\\r\\n`` line ends, times in Berlin time as
  "22.11.2026 15:04". Coordinates use a decimal comma ("52,510500"): German Excel reads that as a
  number, while "52.5105" becomes text and "13.12" even a date (13 December). pandas reads the
  file with ``read_csv(path, sep=";", encoding="utf-8-sig", decimal=",")``; for other programs
  the XLSX (numbers as numbers) or the GeoJSON (RFC 7946) are the better source.
- The CSV has no aggregated table of people's answers: a CSV file holds one table only. Staff who
  may not see answers per person find the aggregated table in the XLSX file (second sheet).
- Texts written by residents or staff that start with ``=``, ``+``, ``-``, ``@`` (or a tab or
  carriage return) get a leading ``'`` in CSV and XLSX, so that spreadsheets never run them as
  formulas. GeoJSON is not opened by spreadsheets and keeps texts unchanged.
- XLSX holds at most 1,048,576 rows per sheet; larger exports are refused with a hint to CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from deployments.models import AgeBand, Deployment
from deployments.services.audit import audit_record
from kiezlabor import jobs
from participation.models import (
    Channel,
    ExportJob,
    HeardVia,
    JobState,
    Kind,
    ModerationStatus,
    PublicStatus,
    Relation,
)
from participation.selectors import exports as export_selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Format = ExportJob.Format
LOCAL_TIMEZONE = export_selectors.LOCAL_TIMEZONE

# Rows handed to a writer at once, and how often progress is written to the job's row: at
# most PROGRESS_UPDATES times per export, and never more often than every PROGRESS_MIN_ROWS.
BATCH_SIZE = 2000
PROGRESS_UPDATES = 20
PROGRESS_MIN_ROWS = 10_000
FILE_BUFFER = 1024 * 1024

XLSX_MAX_ROWS = 1_048_576 - 1  # one row for the headers
# Runs of one job (retries, requeues after lost workers) before the sweep fails it.
MAX_ATTEMPTS = 3
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _headers() -> dict[str, str]:
    return {
        "id": gettext("Nr."),
        "received_local": gettext("Eingegangen"),
        "kind": gettext("Art"),
        "channel": gettext("Weg"),
        "language": gettext("Sprache"),
        "theme_name": gettext("Thema"),
        "text": gettext("Text"),
        "rating": gettext("Bewertung"),
        "latitude": gettext("Breitengrad"),
        "longitude": gettext("Längengrad"),
        "moderation_status": gettext("Moderation"),
        "public_status": gettext("Bearbeitungsstand"),
        "event_title": gettext("Veranstaltung"),
        "support": gettext("Nennungen"),
        "duplicate_of_id": gettext("Doppelt zu"),
        "code_names": gettext("Codes"),
        "age_band": gettext("Altersgruppe"),
        "relation": gettext("Bezug zum Kiez"),
        "heard_via": gettext("Vom Labor erfahren durch"),
        "demographics_estimated": gettext("Angaben geschätzt"),
    }


# Positions in a row (see export_selectors.FIELDS) that each format writes its own way.
RECEIVED, LATITUDE, LONGITUDE = (
    export_selectors.FIELDS.index(name) for name in ("received_local", "latitude", "longitude")
)


# --- Creating, failing, deleting jobs -------------------------------------------------------


def _refuse_too_large_for_xlsx(rows: int) -> None:
    if rows > XLSX_MAX_ROWS:
        raise ValidationError(
            gettext(
                "Eine Excel-Datei fasst höchstens %(limit)s Zeilen, dieser Einsatz hat "
                "%(rows)s Beiträge. Bitte „CSV für Excel“ wählen."
            )
            % {
                "limit": number_format(XLSX_MAX_ROWS, force_grouping=True),
                "rows": number_format(rows, force_grouping=True),
            }
        )


@transaction.atomic
def export_job_create(*, deployment: Deployment, format: str, by: AbstractBaseUser) -> ExportJob:
    """Queue an export of the deployment's contributions as ``format`` for the user ``by``.

    What the file holds follows from ``by``'s permissions now: unapproved (and rejected)
    contributions only with ``view_unapproved_contributions``, people's answers per row only
    with ``view_personal_demographics``; otherwise approved contributions and, in XLSX, a table
    of people's answers aggregated into groups of at least five. The task is queued after commit.
    """
    from participation.tasks.exports import export_build  # the tasks module imports this one

    job = ExportJob(
        deployment=deployment,
        format=format,
        created_by=by,
        include_unapproved=by.has_perm("participation.view_unapproved_contributions", deployment),
        include_demographics=by.has_perm("participation.view_personal_demographics", deployment),
    )
    job.full_clean()
    if job.format == Format.XLSX:
        _refuse_too_large_for_xlsx(
            export_selectors.export_count(
                deployment=deployment, include_unapproved=job.include_unapproved
            )
        )
    job.save()
    audit_record(
        actor=by,
        action="export.create",
        target=job,
        data={
            "format": job.format,
            "include_unapproved": job.include_unapproved,
            "include_demographics": job.include_demographics,
        },
    )
    # Sent once committed; if the broker is down, ``export_jobs_sweep`` sends it.
    jobs.send_on_commit(export_build, job.pk)
    return job


def export_job_claim(*, job_id: int, task_id: str | None) -> ExportJob | None:
    """Mark the job running for the delivery ``task_id`` and return it; ``None`` if this
    delivery is not to run it (``kiezlabor.jobs.claim``: done, failed, run by another delivery).
    """
    if not jobs.claim(ExportJob.objects, pk=job_id, task_id=task_id, now=timezone.now()):
        return None
    return ExportJob.objects.select_related("deployment").get(pk=job_id)


def export_jobs_sweep(*, now: dt.datetime) -> dict[str, int]:
    """Send again jobs whose task was lost, requeue (or finally fail) those whose worker died."""
    from participation.tasks.exports import TIME_LIMIT, export_build

    return jobs.sweep(
        ExportJob,
        export_build,
        now=now,
        time_limit=dt.timedelta(seconds=TIME_LIMIT),
        max_attempts=MAX_ATTEMPTS,
        fail=lambda job: export_job_fail(job=job, message=_interrupted_message()),
        reset={"progress": 0},
    )


def _interrupted_message() -> str:
    return gettext(
        "Der Export wurde %(attempts)d-mal unterbrochen und deshalb abgebrochen. Bitte die "
        "technische Betreuung informieren und den Export neu starten."
    ) % {"attempts": MAX_ATTEMPTS}


def export_job_fail(*, job: ExportJob, message: str) -> None:
    """Record that the export failed, with a message staff can act on."""
    ExportJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error=message, finished_at=timezone.now()
    )


@transaction.atomic
def export_job_delete(*, job: ExportJob) -> None:
    """Delete the export and its file (the file after commit, so a rollback keeps both)."""
    storage, name = job.file.storage, job.file.name
    job.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Writing the file -----------------------------------------------------------------------


class _Progress:
    """Writes the share of rows done into the job's row now and then (bounded, see above)."""

    def __init__(self, *, job_pk: int, total: int) -> None:
        self.job_pk = job_pk
        self.total = total
        self.step = max(PROGRESS_MIN_ROWS, math.ceil(total / PROGRESS_UPDATES))
        self.next_update = self.step

    def __call__(self, written: int) -> None:
        if written < self.next_update:
            return
        self.next_update = written + self.step
        percent = min(99, written * 100 // max(self.total, 1))
        ExportJob.objects.filter(pk=self.job_pk).update(progress=percent)


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while batch := list(islice(rows, size)):
        yield batch


def _stream(
    rows: Iterator[tuple], write: Callable[[list[tuple]], object], progress: _Progress
) -> int:
    written = 0
    for batch in _batches(rows, BATCH_SIZE):
        write(batch)
        written += len(batch)
        progress(written)
    return written


def neutralised(text: str | None) -> str | None:
    """The text with a leading ``'`` if a spreadsheet would otherwise run it as a formula."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _unchanged(text: str | None) -> str | None:
    return text


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


class _Display:
    """Turns a row of database values into what people read: labels, safe texts, "ja"/"nein".

    Times and coordinates stay as they are; each format writes them its own way. Built inside
    the export's language; one call per row, so it unpacks the row instead of looping.
    """

    def __init__(self, *, spreadsheet: bool) -> None:
        self.kind, self.channel = _labels(Kind), _labels(Channel)
        self.moderation, self.public = _labels(ModerationStatus), _labels(PublicStatus)
        self.age_band, self.relation = _labels(AgeBand), _labels(Relation)
        self.heard_via = _labels(HeardVia)
        self.language = {code: str(name) for code, name in settings.LANGUAGES}
        self.yes, self.no = gettext("ja"), gettext("nein")
        self.safe = neutralised if spreadsheet else _unchanged

    def __call__(self, row: tuple) -> list:
        (
            pk, received, kind, channel, language, theme, text, rating, latitude, longitude,
            moderation, public, event, support, duplicate_of, codes, *person,
        ) = row  # fmt: skip
        safe = self.safe
        values = [
            pk,
            received,
            self.kind.get(kind, kind),
            self.channel.get(channel, channel),
            self.language.get(language, language),
            safe(theme),
            safe(text),
            rating,
            latitude,
            longitude,
            self.moderation.get(moderation, moderation),
            self.public.get(public, public),
            safe(event),
            support,
            duplicate_of,
            safe(codes),
        ]
        if person:
            age_band, relation, heard_via, estimated = person
            values += [
                self.age_band.get(age_band, age_band),
                self.relation.get(relation, relation),
                self.heard_via.get(heard_via, heard_via),
                self.yes if estimated else self.no,
            ]
        return values


def _decimal_comma(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}".replace(".", ",")


def _write_csv(
    path: Path, *, rows: Iterator[tuple], fields: Sequence[str], progress: _Progress
) -> int:
    display = _Display(spreadsheet=True)

    def csv_row(row: tuple) -> list:
        values = display(row)
        values[RECEIVED] = values[RECEIVED].strftime("%d.%m.%Y %H:%M")
        values[LATITUDE] = _decimal_comma(values[LATITUDE])
        values[LONGITUDE] = _decimal_comma(values[LONGITUDE])
        return values

    headers = _headers()
    with path.open("w", encoding="utf-8", newline="", buffering=FILE_BUFFER) as file:
        # The BOM by hand: the "utf-8-sig" codec is written in Python, "utf-8" in C.
        file.write("\ufeff")
        writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
        writer.writerow([headers[name] for name in fields])
        return _stream(rows, lambda batch: writer.writerows(map(csv_row, batch)), progress)


_XLSX_WIDTHS = {
    "received_local": 16,
    "text": 60,
    "theme_name": 18,
    "event_title": 30,
    "code_names": 30,
}


def _xlsx_text(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _xlsx_header(sheet, titles: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _write_xlsx_rows(sheet, *, rows: Iterator[tuple], progress: _Progress) -> int:
    display = _Display(spreadsheet=True)

    def xlsx_row(row: tuple) -> list:
        values = [_xlsx_text(value) for value in display(row)]
        received = WriteOnlyCell(sheet, value=values[RECEIVED])
        received.number_format = "DD.MM.YYYY HH:MM"
        values[RECEIVED] = received
        return values

    def append(batch: list[tuple]) -> None:
        for row in batch:
            sheet.append(xlsx_row(row))

    return _stream(rows, append, progress)


def _write_person_sheet(workbook: Workbook, *, job: ExportJob) -> None:
    sheet = workbook.create_sheet(title=gettext("Angaben zur Person"))
    sheet.column_dimensions["A"].width = 40
    sheet.append(
        [
            gettext(
                "Angaben zur Person, zusammengefasst. Gruppen mit weniger als %(size)s Beiträgen "
                "stehen als „< %(size)s“, damit niemand erkennbar ist."
            )
            % {"size": export_selectors.MIN_GROUP_SIZE}
        ]
    )
    fewer = f"< {export_selectors.MIN_GROUP_SIZE}"
    for table in export_selectors.export_person_tables(
        deployment=job.deployment, include_unapproved=job.include_unapproved
    ):
        sheet.append([])
        sheet.append(_xlsx_header(sheet, [table.title, gettext("Anzahl")]))
        for group in table.groups:
            sheet.append([group.label, fewer if group.count is None else group.count])


def _write_xlsx(
    path: Path, *, rows: Iterator[tuple], fields: Sequence[str], progress: _Progress, job: ExportJob
) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=gettext("Beiträge"))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(fields):
        if name in _XLSX_WIDTHS:
            sheet.column_dimensions[get_column_letter(index + 1)].width = _XLSX_WIDTHS[name]
    headers = _headers()
    sheet.append(_xlsx_header(sheet, [headers[name] for name in fields]))
    written = _write_xlsx_rows(sheet, rows=rows, progress=progress)
    if not job.include_demographics:
        _write_person_sheet(workbook, job=job)
    workbook.save(path)
    return written


def _write_geojson(
    path: Path, *, rows: Iterator[tuple], fields: Sequence[str], progress: _Progress
) -> int:
    display = _Display(spreadsheet=False)
    headers = _headers()
    keys = [headers[name] for name in fields]
    coordinates = {LATITUDE, LONGITUDE}

    def feature(row: tuple) -> str:
        values = display(row)
        # Wall-clock time with its offset; in the repeated autumn hour the offset is summer's.
        received = values[RECEIVED].replace(tzinfo=LOCAL_TIMEZONE)
        values[RECEIVED] = received.isoformat("T", "seconds")
        properties = {
            key: value
            for index, (key, value) in enumerate(zip(keys, values, strict=True))
            if index not in coordinates
        }
        return json.dumps(
            {
                "type": "Feature",
                "id": values[0],
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(values[LONGITUDE], 7), round(values[LATITUDE], 7)],
                },
                "properties": properties,
            },
            ensure_ascii=False,
        )

    with path.open("w", encoding="utf-8", buffering=FILE_BUFFER) as file:
        file.write('{"type": "FeatureCollection", "features": [')
        separator = "\n"

        def write(batch: list[tuple]) -> None:
            nonlocal separator
            for row in batch:
                file.write(separator)
                file.write(feature(row))
                separator = ",\n"

        written = _stream(rows, write, progress)
        file.write("\n]}\n")
    return written


def _store(*, job: ExportJob, path: Path) -> None:
    # A job run again (its worker died, the broker delivered it twice) replaces its own file
    # instead of leaving one behind: the name holds the job's id, so it is no one else's.
    storage = job.file.storage
    target = job.file.field.generate_filename(job, path.name)
    for name in filter(None, {job.file.name, target}):
        storage.delete(name)
    with path.open("rb") as file:
        job.file.save(path.name, File(file), save=False)


def export_write(*, job: ExportJob) -> ExportJob:
    """Write the job's file from the deployment's contributions and mark the job done.

    Not one transaction on purpose: progress written on the way must be visible to the page
    that polls it. Safe to run again; a second run overwrites the first one's file. Refuses
    (ValidationError) an XLSX export that has grown beyond the rows a sheet can hold.
    """
    ExportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, progress=0, error="", finished_at=None
    )
    pinned_only = job.format == Format.GEOJSON
    total = export_selectors.export_count(
        deployment=job.deployment,
        include_unapproved=job.include_unapproved,
        pinned_only=pinned_only,
    )
    if job.format == Format.XLSX:
        _refuse_too_large_for_xlsx(total)
    fields = export_selectors.export_fields(include_demographics=job.include_demographics)
    rows = export_selectors.export_rows(
        deployment=job.deployment,
        include_unapproved=job.include_unapproved,
        include_demographics=job.include_demographics,
        pinned_only=pinned_only,
    )
    progress = _Progress(job_pk=job.pk, total=total)
    with (
        translation.override(settings.LANGUAGE_CODE),
        tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as directory,
    ):
        path = Path(directory) / export_selectors.export_file_name(job)
        if job.format == Format.CSV:
            written = _write_csv(path, rows=rows, fields=fields, progress=progress)
        elif job.format == Format.XLSX:
            written = _write_xlsx(path, rows=rows, fields=fields, progress=progress, job=job)
        else:
            written = _write_geojson(path, rows=rows, fields=fields, progress=progress)
        _store(job=job, path=path)
    job.state, job.progress, job.row_count, job.error = JobState.DONE, 100, written, ""
    job.finished_at = timezone.now()
    # Not the relations: the creator may have left since (SET_NULL), and they are not written.
    job.full_clean(exclude=["deployment", "created_by"])
    job.save(update_fields=["state", "progress", "row_count", "error", "finished_at", "file"])
    return job
