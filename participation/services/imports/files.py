"""Reading uploaded tables: which kind of file it is, and its header and rows.

Staff export files from Excel (German Excel writes ``;`` and Windows-1252 or UTF-8 with BOM),
LibreOffice, light-barrier counters and other platforms. The kind of file is decided by its
extension *and* its content, so a renamed picture is refused with a message instead of being
read as gibberish.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import openpyxl
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

MAX_FILE_SIZE = 20 * 1024 * 1024
CSV_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSION = ".xlsx"
DELIMITERS = ";,"
# Enough lines for csv.Sniffer to see the delimiter's regularity, cut at a line end.
SNIFF_LINES = 50
# Control characters never found in a text file (tab, line and page breaks are fine).
BINARY_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}

Cell = str | int | float | dt.datetime | dt.date | dt.time | None


class FileKind:
    CSV = "csv"
    XLSX = "xlsx"


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not a table, empty, unknown encoding, …)."""


@dataclass
class Table:
    """The header and the data rows of a file; lines are numbered as Excel numbers them."""

    headers: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[Cell]]]
    line_count: int


def file_kind(*, name: str, file: IO[bytes]) -> str:
    """The kind of an uploaded file, or a refusal that tells staff what to upload instead."""
    extension = Path(name).suffix.lower()
    if extension == ".xls":
        raise ImportFileError(
            gettext(
                "Alte Excel-Dateien (.xls) können nicht gelesen werden. Bitte speichern Sie die "
                "Tabelle in Excel als „Excel-Arbeitsmappe (.xlsx)“ oder als „CSV (Trennzeichen-"
                "getrennt)“ und laden Sie diese Datei hoch."
            )
        )
    if extension not in CSV_EXTENSIONS | {XLSX_EXTENSION}:
        raise ImportFileError(
            gettext(
                "„%(name)s“ ist weder eine CSV- noch eine Excel-Datei. Bitte laden Sie eine "
                "Datei hoch, die auf .csv oder .xlsx endet."
            )
            % {"name": name}
        )
    is_xlsx = _is_xlsx(file)
    if extension == XLSX_EXTENSION:
        if not is_xlsx:
            raise ImportFileError(
                gettext(
                    "„%(name)s“ endet auf .xlsx, ist aber keine Excel-Arbeitsmappe. Bitte öffnen "
                    "Sie die Datei in Excel und speichern Sie sie erneut als .xlsx."
                )
                % {"name": name}
            )
        return FileKind.XLSX
    if is_xlsx:
        raise ImportFileError(
            gettext(
                "„%(name)s“ ist eine Excel-Arbeitsmappe, endet aber auf .csv. Bitte benennen Sie "
                "die Datei in .xlsx um."
            )
            % {"name": name}
        )
    if _starts_with_utf16_bom(file):
        raise ImportFileError(
            gettext(
                "„%(name)s“ ist als „Unicode-Text“ (UTF-16) gespeichert. Bitte speichern Sie die "
                "Tabelle in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“."
            )
            % {"name": name}
        )
    if not _looks_like_text(file):
        raise ImportFileError(
            gettext(
                "„%(name)s“ ist keine Textdatei, also keine CSV-Tabelle (vielleicht ein Bild oder "
                "ein PDF mit falscher Endung). Bitte laden Sie eine CSV- oder Excel-Datei hoch."
            )
            % {"name": name}
        )
    return FileKind.CSV


def check_size(*, size: int) -> None:
    if size == 0:
        raise ImportFileError(gettext("Die Datei ist leer. Bitte wählen Sie die richtige Datei."))
    if size > MAX_FILE_SIZE:
        raise ImportFileError(
            gettext(
                "Die Datei ist %(size)s groß; höchstens %(limit)s sind möglich. Bitte teilen Sie "
                "die Tabelle auf mehrere Dateien auf."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_FILE_SIZE)}
        )


def _is_xlsx(file: IO[bytes]) -> bool:
    file.seek(0)
    try:
        if not zipfile.is_zipfile(file):
            return False
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _starts_with_utf16_bom(file: IO[bytes]) -> bool:
    file.seek(0)
    head = file.read(2)
    file.seek(0)
    return head in (b"\xff\xfe", b"\xfe\xff")


def _looks_like_text(file: IO[bytes]) -> bool:
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    return not BINARY_BYTES.intersection(head)


@contextmanager
def open_table(*, file: IO[bytes], kind: str) -> Iterator[Table]:
    """Open the file's first table; the header is its first non-empty row."""
    file.seek(0)
    data = file.read()
    if not data:
        raise ImportFileError(gettext("Die Datei ist leer. Bitte wählen Sie die richtige Datei."))
    if kind == FileKind.XLSX:
        with _xlsx_rows(data) as (rows, line_count):
            yield _table(rows, line_count)
    else:
        text = decode_text(data)
        delimiter = sniff_delimiter(text)
        line_count = sum(1 for _row in _csv_rows(text, delimiter))
        yield _table(_csv_rows(text, delimiter), line_count)


def decode_text(data: bytes) -> str:
    """Strict UTF-8 (a BOM is dropped) first; Windows-1252, as German Excel writes, second."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            gettext(
                "Die Zeichen der Datei lassen sich nicht lesen (weder UTF-8 noch Windows-1252). "
                "Bitte speichern Sie die Tabelle als „CSV UTF-8“."
            )
        ) from error


def sniff_delimiter(text: str) -> str:
    """``;`` or ``,``: what csv.Sniffer finds in the first lines, else what the header uses more."""
    lines = text.splitlines(keepends=True)
    sample = "".join(lines[:SNIFF_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        return ";" if header.count(";") >= header.count(",") else ","


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')


@contextmanager
def _xlsx_rows(data: bytes) -> Iterator[tuple[Iterator[list[Cell]], int]]:
    # openpyxl warns about Excel features it does not read (data validation, conditional
    # formats); they do not matter for the cell values we read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise ImportFileError(
                gettext(
                    "Die Excel-Datei lässt sich nicht öffnen. Bitte speichern Sie sie in Excel "
                    "erneut als .xlsx oder als CSV."
                )
            ) from error
    try:
        if not workbook.worksheets:
            raise ImportFileError(gettext("Die Excel-Datei enthält kein Tabellenblatt."))
        sheet = workbook.worksheets[0]
        rows = (list(row) for row in sheet.iter_rows(values_only=True))
        yield rows, sheet.max_row or 0
    finally:
        workbook.close()


def _table(rows: Iterator[list[Cell]], line_count: int) -> Table:
    numbered = enumerate(rows, start=1)
    for line, cells in numbered:
        if not is_blank(cells):
            headers = [cell_text(cell) for cell in cells]
            while headers and not headers[-1]:
                headers.pop()
            return Table(headers, line, _data_rows(numbered), line_count)
    raise ImportFileError(
        gettext("Die Datei enthält keine Tabelle: Es fehlt die Kopfzeile mit den Spaltennamen.")
    )


def _data_rows(numbered: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
    for line, cells in numbered:
        if not is_blank(cells):
            yield line, cells


def is_blank(cells: list[Cell]) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def cell_text(cell: Cell) -> str:
    """A cell as text: numbers without a needless ``.0``, surrounding spaces removed."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
