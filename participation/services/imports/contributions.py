"""Rows that become contributions: transcribed paper forms and other platforms' exports.

Each row gets a content hash (see :func:`content_hash`), so importing the same file again adds
nothing. Free text is masked (e-mail addresses, phone numbers, IBANs) before it is checked,
hashed, shown in the preview or stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from deployments.models import AgeBand, Event, Theme
from participation.models import (
    Channel,
    Contribution,
    HeardVia,
    ImportJob,
    ImportProfile,
    Kind,
    Relation,
)
from participation.models.contributions import TEXT_MAX_LENGTH
from participation.services.imports.fields import (
    Field,
    FieldError,
    age_band_spelling,
    choice_lookup,
    language_choices,
    moment_display,
    normalised_text,
    parse_choice,
    parse_coordinate,
    parse_moment,
    parse_whole_number,
    quoted,
)
from participation.services.imports.files import Cell
from participation.services.imports.rows import (
    PREVIEW_ROWS,
    WRITE_BATCH,
    Context,
    Outcome,
    RowError,
    RowErrors,
)
from participation.services.masking import mask_personal_data

PREVIEW_TEXT_LENGTH = 200
HASH_QUERY_BATCH = 500

PAPER_KINDS = ((Kind.IDEA, Kind.IDEA.label), (Kind.FEEDBACK, Kind.FEEDBACK.label))
KIND_ALIASES = {
    "Idee": Kind.IDEA,
    "Anliegen": Kind.IDEA,
    "Rückmeldung": Kind.FEEDBACK,
    "Feedback": Kind.FEEDBACK,
}


@dataclass
class ContributionRow:
    line: int
    values: dict[str, object]
    key: dict[str, object]
    display: dict[str, str]


class ContributionTarget:
    """Rows that become contributions, one per row, de-duplicated by content hash."""

    target: str
    channel: str
    fields: tuple[Field, ...]
    preview_labels = {
        "date": _("Datum"),
        "kind": _("Art"),
        "text": _("Text"),
        "theme": _("Thema"),
        "event": _("Veranstaltung"),
        "rating": _("Bewertung"),
        "age_band": _("Altersgruppe"),
        "relation": _("Bezug zum Kiez"),
        "heard_via": _("erfahren durch"),
        "location": _("Ort (Breite, Länge)"),
    }

    @cached_property
    def lookups(self) -> dict[str, dict[str, str]]:
        return {
            "kind": choice_lookup(PAPER_KINDS, KIND_ALIASES),
            "age_band": choice_lookup(AgeBand.choices),
            "relation": choice_lookup(Relation.choices),
            "heard_via": choice_lookup(HeardVia.choices),
            "language": choice_lookup(language_choices()),
        }

    # The validation pass ------------------------------------------------------------------

    def collector(self, context: Context) -> ContributionCollector:
        return ContributionCollector(self, context)

    def clean(self, line: int, cells: Mapping[str, Cell], context: Context) -> ContributionRow:
        """One row as model values, or ``RowErrors`` naming every bad cell of it."""
        errors: list[RowError] = []

        def parse(name: str, parser, *args, **kwargs):
            try:
                return parser(context.cell(cells, name), *args, **kwargs)
            except FieldError as error:
                errors.append(RowError(line, name, error.message))
                return None

        values = self.parse_fields(cells, parse, context)
        values.update(self._place(line, values, errors))
        values.update(self._text(line, values.pop("raw_text"), errors))
        self.check(line, values, errors)
        event_title = values.pop("event_title", "")
        if event_title and not errors:
            values["event"] = self._event(line, event_title, values.get("moment"), context, errors)
        if errors:
            raise RowErrors(errors)
        return ContributionRow(line, values, self._key(values), self._display(values))

    def parse_fields(self, cells: Mapping[str, Cell], parse, context: Context) -> dict:
        """The row's cells parsed one by one (``parse`` records a bad cell's error)."""
        raise NotImplementedError

    def check(self, line: int, values: dict, errors: list[RowError]) -> None:
        """Checks across the cells of a row, after each cell was parsed."""
        if values["kind"] == Kind.IDEA and not values["text"]:
            errors.append(
                RowError(line, "text", gettext("Der Text fehlt; eine Idee braucht einen Text."))
            )
        if values["kind"] == Kind.FEEDBACK and not values["text"] and values["rating"] is None:
            errors.append(
                RowError(
                    line,
                    "text",
                    gettext("Eine Rückmeldung braucht einen Text oder eine Bewertung von 1 bis 5."),
                )
            )

    def choice(self, parse, name: str, choices, what: str, **kwargs) -> str:
        return (
            parse(
                name,
                parse_choice,
                lookup=self.lookups[name],
                choices=choices,
                what=what,
                **kwargs,
            )
            or ""
        )

    def _place(self, line: int, values: dict, errors: list[RowError]) -> dict[str, object]:
        latitude, longitude = values.pop("latitude", None), values.pop("longitude", None)
        bad_cell = any(error.field in ("latitude", "longitude") for error in errors)
        if (latitude is None) != (longitude is None) and not bad_cell:
            missing = "latitude" if latitude is None else "longitude"
            errors.append(
                RowError(
                    line,
                    missing,
                    gettext("Für einen Ort auf der Karte braucht es Breiten- und Längengrad."),
                )
            )
            return {"location": None}
        if latitude is None or longitude is None:
            return {"location": None}
        return {"location": Point(longitude, latitude, srid=4326)}

    def _text(self, line: int, text: str, errors: list[RowError]) -> dict[str, object]:
        masked, was_masked = mask_personal_data(text)
        if len(masked) > TEXT_MAX_LENGTH:
            errors.append(
                RowError(
                    line,
                    "text",
                    gettext(
                        "Der Text ist %(length)d Zeichen lang; höchstens %(max)d sind erlaubt. "
                        "Bitte kürzen Sie ihn in der Datei."
                    )
                    % {"length": len(masked), "max": TEXT_MAX_LENGTH},
                )
            )
        return {"text": masked, "text_was_masked": was_masked}

    def _event(
        self,
        line: int,
        title: str,
        moment: dt.datetime | None,
        context: Context,
        errors: list[RowError],
    ) -> Event | None:
        candidates = [
            event for event in context.events if event.title.strip().casefold() == title.casefold()
        ]
        day = timezone.localdate(moment) if moment is not None else None
        if day is not None and len(candidates) > 1:
            candidates = [
                event for event in candidates if timezone.localdate(event.starts_at) == day
            ]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            message = gettext(
                "Es gibt mehrere Veranstaltungen %(title)s. Bitte geben Sie in der Datei das "
                "Datum an, damit klar ist, welche gemeint ist."
            )
        elif day is not None:
            message = gettext(
                "Eine Veranstaltung %(title)s am %(day)s gibt es in diesem Einsatz nicht. "
                "Bitte prüfen Sie Titel und Datum im Programm."
            )
        else:
            message = gettext(
                "Eine Veranstaltung %(title)s gibt es in diesem Einsatz nicht. Bitte prüfen "
                "Sie den Titel im Programm."
            )
        day_text = f"{day:%d.%m.%Y}" if day else ""
        errors.append(RowError(line, "event", message % {"title": quoted(title), "day": day_text}))
        return None

    def _key(self, values: dict[str, object]) -> dict[str, object]:
        location = values.get("location")
        moment = values.get("moment")
        return {
            "target": self.target,
            "kind": values["kind"],
            "text": values["text"],
            "theme": getattr(values.get("theme"), "pk", None),
            "event": getattr(values.get("event"), "pk", None),
            "age_band": values.get("age_band", ""),
            "relation": values.get("relation", ""),
            "heard_via": values.get("heard_via", ""),
            "rating": values.get("rating"),
            "language": values.get("language", "de"),
            "moment": moment.isoformat() if moment else None,
            "location": [round(location.x, 6), round(location.y, 6)] if location else None,
        }

    def _display(self, values: dict[str, object]) -> dict[str, str]:
        text = values["text"]
        if len(text) > PREVIEW_TEXT_LENGTH:
            text = text[: PREVIEW_TEXT_LENGTH - 1] + "…"
        location = values.get("location")
        moment = values.get("moment")
        shown = {
            "kind": str(Kind(values["kind"]).label),
            "text": text,
            "theme": str(values.get("theme") or ""),
            "event": str(values.get("event") or ""),
            "age_band": str(AgeBand(values["age_band"]).label) if values.get("age_band") else "",
            "relation": str(Relation(values["relation"]).label) if values.get("relation") else "",
            "heard_via": (
                str(HeardVia(values["heard_via"]).label) if values.get("heard_via") else ""
            ),
            "rating": "" if values.get("rating") is None else str(values["rating"]),
            "date": moment_display(moment) if moment else "",
            "location": f"{location.y:.5f}, {location.x:.5f}" if location else "",
        }
        return {name: value for name, value in shown.items() if value}

    # Writing ------------------------------------------------------------------------------

    def build(self, row: ContributionRow, job: ImportJob, content_hash: str) -> Contribution:
        values = dict(row.values)
        moment = values.pop("moment", None)
        contribution = Contribution(
            deployment=job.deployment,
            channel=self.channel,
            import_job=job,
            content_hash=content_hash,
            recorded_by=job.created_by,
            received_at=moment or timezone.now(),
            **values,
        )
        # Foreign keys come from this deployment's own lookups; checking each one again would
        # cost a query per row and cell.
        contribution.full_clean(
            exclude=["deployment", "event", "theme", "import_job", "recorded_by"],
            validate_unique=False,
            validate_constraints=False,
        )
        return contribution


def _theme(cell: Cell, context: Context) -> Theme | None:
    name = " ".join(normalised_text(cell).split())
    if not name:
        return None
    theme = context.themes.get(name.casefold())
    if theme is None:
        known = ", ".join(f"„{theme.name}“" for theme in context.themes.values()) or "–"
        raise FieldError(
            gettext(
                "Das Thema %(value)s gibt es nicht. Vorhandene Themen: %(known)s. Legen Sie es an "
                "oder ordnen Sie es in der Import-Vorlage unter „Werte übersetzen“ zu."
            )
            % {"value": quoted(cell), "known": known}
        )
    return theme


def content_hash(*, deployment_id: int, key: Mapping[str, object], occurrence: int) -> str:
    """SHA-256 of the deployment and a row's normalised values.

    Two identical rows in one file (two people wrote „Mehr Bänke“ on a card) are both kept:
    the second one's hash includes its occurrence, and the same happens again on a re-import,
    so the same file still adds nothing.
    """
    payload = json.dumps(
        [deployment_id, key, occurrence], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ContributionCollector:
    """Validation pass for contributions: errors, hashes, preview; then known vs new."""

    def __init__(self, target: ContributionTarget, context: Context) -> None:
        self.target = target
        self.context = context
        self.outcome = Outcome()
        self.hashes: list[str] = []
        self.occurrences: Counter[str] = Counter()
        self.known: set[str] = set()

    def add(self, line: int, cells: Mapping[str, Cell]) -> list[RowError]:
        self.outcome.rows_total += 1
        try:
            row = self.target.clean(line, cells, self.context)
        except RowErrors as refused:
            return refused.errors
        row_hash = self._hash(row)
        self.hashes.append(row_hash)
        if len(self.outcome.preview) < PREVIEW_ROWS:
            self.outcome.preview.append(
                {"row": line, "known": False, "values": row.display, "hash": row_hash}
            )
        return []

    def _hash(self, row: ContributionRow) -> str:
        base = content_hash(deployment_id=self.context.deployment.pk, key=row.key, occurrence=0)
        occurrence = self.occurrences[base]
        self.occurrences[base] += 1
        if occurrence == 0:
            return base
        return content_hash(
            deployment_id=self.context.deployment.pk, key=row.key, occurrence=occurrence
        )

    def finish(self) -> list[RowError]:
        self.known = known_contribution_hashes(
            deployment_id=self.context.deployment.pk, hashes=self.hashes
        )
        self.outcome.rows_known = sum(1 for row_hash in self.hashes if row_hash in self.known)
        self.outcome.rows_new = len(self.hashes) - self.outcome.rows_known
        for row in self.outcome.preview:
            row["known"] = row.pop("hash") in self.known
        return []

    def write(self, job: ImportJob, rows: Iterator[tuple[int, Mapping[str, Cell]]]) -> int:
        """Create the new rows' contributions (inside the caller's transaction)."""
        self.occurrences.clear()
        known = known_contribution_hashes(
            deployment_id=self.context.deployment.pk, hashes=self.hashes
        )
        batch: list[Contribution] = []
        created = 0
        for line, cells in rows:
            row = self.target.clean(line, cells, self.context)
            row_hash = self._hash(row)
            if row_hash in known:
                continue
            batch.append(self.target.build(row, job, row_hash))
            if len(batch) >= WRITE_BATCH:
                created += len(Contribution.objects.bulk_create(batch))
                batch = []
        if batch:
            created += len(Contribution.objects.bulk_create(batch))
        return created


def known_contribution_hashes(*, deployment_id: int, hashes: list[str]) -> set[str]:
    """Which of the hashes the deployment already has (from any earlier import)."""
    known: set[str] = set()
    unique = sorted(set(hashes))
    for start in range(0, len(unique), HASH_QUERY_BATCH):
        known.update(
            Contribution.objects.filter(
                deployment_id=deployment_id,
                content_hash__in=unique[start : start + HASH_QUERY_BATCH],
            ).values_list("content_hash", flat=True)
        )
    return known


class PaperFormsTarget(ContributionTarget):
    """Transcribed paper forms: ideas and event feedback with the optional "about you"."""

    target = ImportProfile.Target.PAPER_FORMS
    channel = Channel.PAPER
    fields = (
        Field("text", _("Text"), required=True),
        Field("kind", _("Art (Idee oder Rückmeldung)"), choices=(Kind.IDEA, Kind.FEEDBACK)),
        Field("theme", _("Thema")),
        Field("age_band", _("Altersgruppe"), choices=tuple(AgeBand.values)),
        Field("relation", _("Bezug zum Kiez"), choices=tuple(Relation.values)),
        Field("heard_via", _("vom Labor erfahren durch"), choices=tuple(HeardVia.values)),
        Field("event", _("Veranstaltung")),
        Field("rating", _("Bewertung (1–5)")),
        Field("date", _("Datum")),
        Field("language", _("Sprache"), choices=tuple(code for code, _name in language_choices())),
        Field("latitude", _("Breitengrad")),
        Field("longitude", _("Längengrad")),
    )

    def parse_fields(self, cells: Mapping[str, Cell], parse, context: Context) -> dict:
        return {
            "kind": self.choice(parse, "kind", PAPER_KINDS, gettext("Art")) or Kind.IDEA,
            "raw_text": normalised_text(context.cell(cells, "text")),
            "theme": parse("theme", _theme, context),
            "age_band": self.choice(
                parse,
                "age_band",
                AgeBand.choices,
                gettext("Altersgruppe"),
                normalise=age_band_spelling,
            ),
            "relation": self.choice(parse, "relation", Relation.choices, gettext("Bezug zum Kiez")),
            "heard_via": self.choice(
                parse, "heard_via", HeardVia.choices, gettext("vom Labor erfahren durch")
            ),
            "language": self.choice(parse, "language", language_choices(), gettext("Sprache"))
            or "de",
            "rating": parse(
                "rating", parse_whole_number, minimum=1, maximum=5, what=gettext("Die Bewertung")
            ),
            "moment": parse("date", parse_moment),
            "latitude": parse("latitude", parse_coordinate, limit=90, what=gettext("Breite")),
            "longitude": parse("longitude", parse_coordinate, limit=180, what=gettext("Länge")),
            "event_title": " ".join(normalised_text(context.cell(cells, "event")).split()),
        }


class PlatformExportTarget(ContributionTarget):
    """Another platform's export (meinBerlin, Decidim, …): title and body become the text."""

    target = ImportProfile.Target.PLATFORM_EXPORT
    channel = Channel.ONLINE
    fields = (
        Field("text", _("Text (Beschreibung)"), required=True),
        Field("title", _("Titel")),
        Field("theme", _("Thema (Kategorie)")),
        Field("date", _("Erstellt am")),
        Field("latitude", _("Breitengrad")),
        Field("longitude", _("Längengrad")),
    )

    def parse_fields(self, cells: Mapping[str, Cell], parse, context: Context) -> dict:
        title = _plain_text(context.cell(cells, "title"))
        body = _plain_text(context.cell(cells, "text"))
        return {
            "kind": Kind.IDEA,
            "raw_text": "\n\n".join(part for part in (title, body) if part),
            "theme": parse("theme", _theme, context),
            "language": "de",
            "rating": None,
            "moment": parse("date", parse_moment),
            "latitude": parse("latitude", parse_coordinate, limit=90, what=gettext("Breite")),
            "longitude": parse("longitude", parse_coordinate, limit=180, what=gettext("Länge")),
        }


def _plain_text(cell: Cell) -> str:
    """Platforms export rich text as HTML; we keep its words and paragraphs."""
    text = normalised_text(cell)
    if "<" in text:
        text = re.sub(r"<br\s*/?>|</p>", "\n", text, flags=re.IGNORECASE)
        text = html.unescape(strip_tags(text))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text
