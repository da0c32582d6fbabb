"""A light-barrier counter's log (time stamp, in, out every few minutes), summed per hour.

An hour the counter already has with the same count is "known"; with another count it is an
error: the files overlap, and staff must decide which one is right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from participation.models import ImportJob, ImportProfile, VisitorCount
from participation.services.imports.fields import (
    Field,
    FieldError,
    parse_moment,
    parse_whole_number,
)
from participation.services.imports.files import Cell
from participation.services.imports.rows import (
    PREVIEW_ROWS,
    WRITE_BATCH,
    Context,
    Outcome,
    RowError,
)

COUNTER_MAX_PER_ROW = 100_000


@dataclass
class HourSum:
    count: int
    first_line: int
    known: bool = False


class VisitorCounterTarget:
    """A light barrier's log: time stamp, people in, people out; summed per hour.

    The time stamp is when the counter counted (the start of its interval). The hour's count is
    the number of people who came in; "out" is checked but not stored.
    """

    target = ImportProfile.Target.VISITOR_COUNTER
    fields = (
        Field("timestamp", _("Zeitstempel"), required=True),
        Field("in", _("Eingang (Personen hinein)"), required=True),
        Field("out", _("Ausgang (Personen hinaus)")),
    )
    preview_labels = {"hour": _("Stunde"), "count": _("Personen")}

    def collector(self, context: Context) -> CounterCollector:
        return CounterCollector(context)


class CounterCollector:
    """Validation pass for a counter's log: sums per hour, then known, new or conflicting."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.outcome = Outcome()
        self.hours: dict[dt.datetime, HourSum] = {}

    def add(self, line: int, cells: Mapping[str, Cell]) -> list[RowError]:
        self.outcome.rows_total += 1
        errors: list[RowError] = []
        values: dict[str, object] = {}
        checks = {
            "timestamp": lambda cell: parse_moment(cell, need_time=True),
            "in": lambda cell: parse_whole_number(
                cell, minimum=0, maximum=COUNTER_MAX_PER_ROW, what=gettext("Die Zahl im Eingang")
            ),
            "out": lambda cell: parse_whole_number(
                cell, minimum=0, maximum=COUNTER_MAX_PER_ROW, what=gettext("Die Zahl im Ausgang")
            ),
        }
        for name, check in checks.items():
            try:
                values[name] = check(self.context.cell(cells, name))
            except FieldError as error:
                errors.append(RowError(line, name, error.message))
        for name in ("timestamp", "in"):
            if name not in values or values[name] is not None:
                continue
            errors.append(RowError(line, name, gettext("Hier fehlt ein Wert.")))
        if errors:
            return errors
        hour = _hour_start(values["timestamp"])
        current = self.hours.setdefault(hour, HourSum(0, line))
        current.count += values["in"]
        return []

    def finish(self) -> list[RowError]:
        errors: list[RowError] = []
        if not self.hours:
            return errors
        existing = dict(
            VisitorCount.objects.filter(
                deployment=self.context.deployment,
                source=VisitorCount.Source.COUNTER,
                age_band="",
                gender="",
                hour_starts_at__range=(min(self.hours), max(self.hours)),
            ).values_list("hour_starts_at", "count")
        )
        for hour, total in sorted(self.hours.items()):
            if hour not in existing:
                self.outcome.rows_new += 1
            elif existing[hour] == total.count:
                total.known = True
                self.outcome.rows_known += 1
            else:
                errors.append(
                    RowError(
                        total.first_line,
                        "timestamp",
                        gettext(
                            "Für %(hour)s gibt es schon eine Zählung der Lichtschranke mit "
                            "%(existing)d Personen; diese Datei ergibt %(count)d. Überschneidet "
                            "sich die Datei mit einem früheren Import? Bitte prüfen Sie die "
                            "Zählung im Einsatz und laden Sie nur neue Zeiten hoch."
                        )
                        % {
                            "hour": _hour_display(hour),
                            "existing": existing[hour],
                            "count": total.count,
                        },
                    )
                )
            if len(self.outcome.preview) < PREVIEW_ROWS:
                self.outcome.preview.append(
                    {
                        "row": total.first_line,
                        "known": total.known,
                        "values": {"hour": _hour_display(hour), "count": str(total.count)},
                    }
                )
        return errors

    def write(self, job: ImportJob, rows: Iterator[tuple[int, Mapping[str, Cell]]]) -> int:
        """Create the new hours' counts (inside the caller's transaction)."""
        counts = [
            VisitorCount(
                deployment=self.context.deployment,
                hour_starts_at=hour,
                count=total.count,
                source=VisitorCount.Source.COUNTER,
                import_job=job,
                recorded_by=job.created_by,
            )
            for hour, total in sorted(self.hours.items())
            if not total.known
        ]
        for count in counts:
            count.full_clean(
                exclude=["deployment", "event", "import_job", "recorded_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        return len(VisitorCount.objects.bulk_create(counts, batch_size=WRITE_BATCH))


def _hour_start(moment: dt.datetime) -> dt.datetime:
    # Berlin's offsets are whole hours: flooring in UTC keeps the two 2 o'clock hours of the
    # night the clocks go back apart.
    utc = moment.astimezone(dt.UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


def _hour_display(hour: dt.datetime) -> str:
    local = timezone.localtime(hour, timezone.get_default_timezone())
    return gettext("%(day)s, %(start)s–%(end)s Uhr") % {
        "day": f"{local:%d.%m.%Y}",
        "start": f"{local:%H}",
        "end": f"{(local + dt.timedelta(hours=1)):%H}",
    }
