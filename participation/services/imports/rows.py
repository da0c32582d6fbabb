"""What every kind of import shares: the row errors, the lookups and the outcome of a check."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from deployments.models import Deployment, Event, Theme
from participation.models import ImportJob
from participation.services.imports.fields import translate_value
from participation.services.imports.files import Cell

PREVIEW_ROWS = 20
WRITE_BATCH = 500


@dataclass(frozen=True)
class RowError:
    """A problem in one cell; ``field`` is the target field, the job reports its column."""

    line: int
    field: str
    message: str


@dataclass
class Context:
    """What rows are checked against, loaded once per job."""

    deployment: Deployment
    value_maps: Mapping[str, Mapping[str, str]]
    themes: dict[str, Theme]
    events: list[Event]

    @classmethod
    def for_job(cls, job: ImportJob) -> Context:
        deployment = job.deployment
        themes = Theme.objects.filter(organisation_id=deployment.organisation_id)
        events = Event.objects.filter(deployment=deployment).exclude(state=Event.State.CANCELLED)
        return cls(
            deployment=deployment,
            value_maps=job.profile.value_maps or {},
            themes={theme.name.strip().casefold(): theme for theme in themes},
            events=list(events.order_by("starts_at")),
        )

    def cell(self, cells: Mapping[str, Cell], name: str) -> Cell:
        """The row's cell for a field (``None`` if not mapped), through the value maps."""
        return translate_value(cells.get(name), self.value_maps.get(name))


@dataclass
class Outcome:
    """What the validation pass found: counts, preview and the row errors."""

    rows_total: int = 0
    rows_new: int = 0
    rows_known: int = 0
    preview: list[dict] = field(default_factory=list)


class Collector(Protocol):
    """Takes a job's rows one by one, then decides new and known; writes the new ones."""

    outcome: Outcome

    def add(self, line: int, cells: Mapping[str, Cell]) -> list[RowError]:
        """Check one row and remember it; returns the row's errors."""

    def finish(self) -> list[RowError]:
        """Count new and known rows (fills the outcome); returns errors across rows."""

    def write(self, job: ImportJob, rows: Iterator[tuple[int, Mapping[str, Cell]]]) -> int:
        """Create the new rows' objects inside the caller's transaction; returns how many."""


class RowErrors(Exception):
    """A row with one or more bad cells."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors)
        self.errors = errors
