"""Turning one cell of an imported table into a value: text, choices, numbers, dates, places.

Every parser takes the cell (already translated through the profile's ``value_maps``) and
returns the value, ``None``/``""`` for an empty cell, or raises :class:`FieldError` with a
German message that says what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from participation.services.imports.files import Cell, cell_text
from participation.services.masking import mask_personal_data

QUOTE_MAX_LENGTH = 40
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y")
DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%y %H:%M:%S")


class FieldError(Exception):
    """A cell's value is not acceptable; ``message`` is shown to staff with row and column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Field:
    """A target field a profile can map a column to."""

    name: str
    label: Promise
    required: bool = False
    # Fields with fixed choices: value_maps must translate into one of these codes.
    choices: tuple[str, ...] = ()


def quoted(value: Cell) -> str:
    """A cell's value for an error message: short, and with personal data masked."""
    text = cell_text(value)
    if len(text) > QUOTE_MAX_LENGTH:
        text = text[: QUOTE_MAX_LENGTH - 1] + "…"
    return f"„{mask_personal_data(text)[0]}“"


def translate_value(cell: Cell, value_map: Mapping[str, str] | None) -> Cell:
    """The profile's replacement for a cell's text (compared without case), else the cell."""
    if not value_map:
        return cell
    text = cell_text(cell).casefold()
    for source, target in value_map.items():
        if source.strip().casefold() == text:
            return target
    return cell


def normalised_text(cell: Cell) -> str:
    """Text as stored: one Unicode form, ``\\n`` line ends, no surrounding white space."""
    text = unicodedata.normalize("NFC", cell_text(cell))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- Choices ------------------------------------------------------------------------------


def choice_lookup(
    choices: Iterable[tuple[str, Promise]], aliases: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Codes, German labels and aliases (lower case) → code."""
    with translation.override("de"):
        lookup = {str(label).casefold(): code for code, label in choices}
    lookup.update({code.casefold(): code for code, _label in choices})
    lookup.update({alias.casefold(): code for alias, code in (aliases or {}).items()})
    return lookup


def parse_choice(
    cell: Cell,
    *,
    lookup: Mapping[str, str],
    choices: Iterable[tuple[str, Promise]],
    what: str,
    normalise: Callable[[str], str] = str,
) -> str:
    text = " ".join(cell_text(cell).split())
    if not text:
        return ""
    code = lookup.get(text.casefold()) or lookup.get(normalise(text.casefold()))
    if code is not None:
        return code
    with translation.override("de"):
        labels = ", ".join(f"„{label}“" for _code, label in choices)
    raise FieldError(
        gettext(
            "%(value)s ist keine gültige Angabe für „%(what)s“. Möglich sind: %(labels)s. Andere "
            "Schreibweisen ordnen Sie in der Import-Vorlage unter „Werte übersetzen“ zu."
        )
        % {"value": quoted(cell), "what": what, "labels": labels}
    )


def age_band_spelling(text: str) -> str:
    """Common spellings of an age band as its code: „18–26 Jahre“, „18 bis 26“ → ``18_26``."""
    text = re.sub(r"\bjahren?\b", "", text).strip()
    text = re.sub(r"\s*(?:–|-|bis)\s*", "_", text)
    text = re.sub(r"\s*(?:\+|und älter|und mehr)$", "_plus", text)
    return text.replace(" ", "")


# --- Numbers ------------------------------------------------------------------------------


def parse_number(cell: Cell) -> float | None:
    """A number as people write it in Germany (``52,51``) or elsewhere (``52.51``)."""
    if isinstance(cell, bool):
        raise FieldError(gettext("Hier wird eine Zahl erwartet."))
    if isinstance(cell, int | float):
        number = float(cell)
    else:
        text = cell_text(cell).replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError as error:
            raise FieldError(
                gettext("%(value)s ist keine Zahl.") % {"value": quoted(cell)}
            ) from error
    if not math.isfinite(number):
        raise FieldError(gettext("%(value)s ist keine Zahl.") % {"value": quoted(cell)})
    return number


def parse_whole_number(cell: Cell, *, minimum: int, maximum: int, what: str) -> int | None:
    message = gettext(
        "%(what)s muss eine ganze Zahl von %(min)d bis %(max)d sein, nicht %(value)s."
    )
    try:
        number = parse_number(cell)
    except FieldError as error:
        raise FieldError(
            message % {"what": what, "min": minimum, "max": maximum, "value": quoted(cell)}
        ) from error
    if number is None:
        return None
    if not number.is_integer() or not minimum <= number <= maximum:
        raise FieldError(
            message % {"what": what, "min": minimum, "max": maximum, "value": quoted(cell)}
        )
    return int(number)


def parse_coordinate(cell: Cell, *, limit: int, what: str) -> float | None:
    message = gettext(
        "%(value)s ist keine gültige %(what)s: erwartet wird eine Zahl von −%(limit)d bis "
        "%(limit)d in Grad, z. B. 52,5105 oder 13.4594."
    )
    try:
        number = parse_number(cell)
    except FieldError as error:
        raise FieldError(message % {"value": quoted(cell), "what": what, "limit": limit}) from error
    if number is not None and not -limit <= number <= limit:
        raise FieldError(message % {"value": quoted(cell), "what": what, "limit": limit})
    return None if number is None else round(number, 7)


# --- Dates and times ----------------------------------------------------------------------


def parse_moment(cell: Cell, *, need_time: bool = False) -> dt.datetime | None:
    """A date or date and time (German ``22.11.2026 15:00`` or ISO) in Berlin time if no offset."""
    moment = _moment(cell)
    if moment is None:
        return None
    if need_time and _text_has_no_time(cell, moment):
        raise FieldError(
            gettext("%(value)s enthält keine Uhrzeit. Erwartet wird z. B. 22.11.2026 15:05.")
            % {"value": quoted(cell)}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _moment(cell: Cell) -> dt.datetime | None:
    if isinstance(cell, dt.datetime):
        return cell
    if isinstance(cell, dt.date):
        return dt.datetime.combine(cell, dt.time())
    text = cell_text(cell)
    if not text:
        return None
    text = re.sub(r"\s*Uhr$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(\S+),\s+", r"\1 ", text)
    for format in (*DATETIME_FORMATS, *DATE_FORMATS):
        try:
            return dt.datetime.strptime(text, format)  # noqa: DTZ007 (made aware by the caller)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    raise FieldError(
        gettext(
            "%(value)s ist kein gültiges Datum. Erwartet wird z. B. 22.11.2026, "
            "22.11.2026 15:00 oder 2026-11-22T15:00."
        )
        % {"value": quoted(cell)}
    )


def _text_has_no_time(cell: Cell, moment: dt.datetime) -> bool:
    if isinstance(cell, dt.datetime):
        return False
    if isinstance(cell, dt.date):
        return True
    return ":" not in cell_text(cell) and moment.time() == dt.time()


def moment_display(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if local.time() == dt.time():
        return f"{local:%d.%m.%Y}"
    return f"{local:%d.%m.%Y %H:%M}"


def language_choices() -> list[tuple[str, Promise]]:
    return list(settings.LANGUAGES)
