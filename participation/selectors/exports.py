"""Reads for exports: the rows of a deployment's contributions, streamed from the database.

Decisions, so that every format and every caller agrees:

- Without ``include_unapproved`` only approved contributions are exported; rejected, hidden and
  new ones only with it (moderators). The aggregated table of people's answers follows the same
  rule, so a rejected contribution never counts anywhere in a plain staff member's export.
- Duplicates are listed as rows of their own with the original's number in "Doppelt zu"; the
  original carries the support count (itself plus its duplicates, as in the moderation list)
  and duplicates carry none, so the column sums to the number of mentions. Moderation rejects
  duplicates (reason "doppelt"), so only moderators' exports list them; everyone's exports
  count them in the original's support.
- Everything a row needs is computed in the one SELECT (codes are aggregated in SQL), so an
  export costs the same number of queries for ten rows as for a million.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.postgres.aggregates import StringAgg
from django.core.files import File
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from deployments import rules as planning_rules
from deployments.models import AgeBand, Deployment
from participation.models import (
    Contribution,
    ExportJob,
    HeardVia,
    JobState,
    ModerationStatus,
    Relation,
)

LOCAL_TIMEZONE = zoneinfo.ZoneInfo("Europe/Berlin")

# Rows fetched per round trip from the server-side cursor (PostgreSQL) or the SQLite cursor.
CHUNK_SIZE = 5000

# Groups of people smaller than this are shown as "fewer than" in aggregated tables, so that no
# one can be recognised by their answers.
MIN_GROUP_SIZE = 5

CODE_SEPARATOR = " | "

CONTENT_TYPES = {
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportJob.Format.GEOJSON: "application/geo+json",
}
EXTENSIONS = {
    ExportJob.Format.CSV: "csv",
    ExportJob.Format.XLSX: "xlsx",
    ExportJob.Format.GEOJSON: "geojson",
}

# The columns of every export, in this order; the person's answers only with permission.
FIELDS = (
    "id",
    "received_local",
    "kind",
    "channel",
    "language",
    "theme_name",
    "text",
    "rating",
    "latitude",
    "longitude",
    "moderation_status",
    "public_status",
    "event_title",
    "support",
    "duplicate_of_id",
    "code_names",
)
PERSON_FIELDS = ("age_band", "relation", "heard_via", "demographics_estimated")


class GroupConcat(Aggregate):
    """Texts of a group joined by a separator where STRING_AGG is missing (SQLite).

    SQLite before 3.44 cannot order inside an aggregate, so there the order is the database's.
    """

    function = "GROUP_CONCAT"
    output_field = TextField()

    def __init__(self, expression, separator: str) -> None:
        super().__init__(expression, Value(separator))


def _joined(expression, separator: str) -> Aggregate:
    if connection.vendor == "postgresql":
        return StringAgg(expression, delimiter=separator, order_by=expression)
    return GroupConcat(expression, separator)


class AsLoaded:
    """Skip Django's per-row cast: the database driver already returns the right Python type."""

    def get_db_converters(self, connection):
        return self.output_field.get_db_converters(connection)


class PointCoordinate(AsLoaded, Func):
    """One coordinate of a point (``ST_X`` = longitude, ``ST_Y`` = latitude in WGS 84)."""

    output_field = FloatField()

    def __init__(self, expression, *, axis: str) -> None:
        super().__init__(expression, function=f"ST_{axis.upper()}")


class SupportCount(AsLoaded, Case):
    output_field = IntegerField()


class LocalTime(Func):
    """A time stamp as wall-clock time in Berlin, without time zone (what spreadsheets show).

    PostgreSQL converts it (and the driver then loads a plain ``timestamp`` in C, much faster
    than a ``timestamptz``); other databases' values are converted in Python.
    """

    template = "%(expressions)s"
    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} AT TIME ZONE %s)", (*params, LOCAL_TIMEZONE.key)

    def get_db_converters(self, connection):
        converters = super().get_db_converters(connection)
        if connection.vendor == "postgresql":
            return converters
        return [*converters, self._to_local]

    @staticmethod
    def _to_local(value, expression, connection):
        if value is None:
            return None
        return value.astimezone(LOCAL_TIMEZONE).replace(tzinfo=None)


def export_fields(*, include_demographics: bool) -> tuple[str, ...]:
    """The names of the columns of an export, in the order of the row tuples."""
    return FIELDS + PERSON_FIELDS if include_demographics else FIELDS


def _exportable(*, deployment: Deployment, include_unapproved: bool) -> QuerySet[Contribution]:
    contributions = Contribution.objects.filter(deployment=deployment)
    if not include_unapproved:
        contributions = contributions.filter(moderation_status=ModerationStatus.APPROVED)
    return contributions


def _code_names() -> Subquery:
    label = Case(
        When(code__parent__isnull=True, then=F("code__name")),
        default=Concat(F("code__parent__name"), Value(" › "), F("code__name")),
        output_field=TextField(),
    )
    joined = (
        Contribution.codes.through.objects.filter(contribution_id=OuterRef("pk"))
        .order_by()
        .values("contribution_id")
        .annotate(joined=_joined(label, CODE_SEPARATOR))
        .values("joined")
    )
    return Subquery(joined, output_field=TextField())


def _support() -> SupportCount:
    duplicates = (
        Contribution.objects.filter(duplicate_of=OuterRef("pk"))
        .order_by()
        .values("duplicate_of")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return SupportCount(
        When(duplicate_of__isnull=False, then=Value(None)),
        default=Coalesce(Subquery(duplicates, output_field=IntegerField()), Value(0)) + 1,
    )


def export_queryset(
    *,
    deployment: Deployment,
    include_unapproved: bool,
    include_demographics: bool,
    pinned_only: bool = False,
) -> QuerySet:
    """The rows of an export as tuples in the order of ``export_fields``, oldest first.

    ``received_local`` is the time received as Berlin wall-clock time (a naive datetime).
    Latitude and longitude are ``None`` for contributions without a pin; ``support`` is ``None``
    for duplicates; ``code_names`` joins the codes' names (with their parent) by " | ".
    """
    contributions = _exportable(deployment=deployment, include_unapproved=include_unapproved)
    if pinned_only:
        contributions = contributions.filter(location__isnull=False)
    return (
        contributions.annotate(
            received_local=LocalTime("received_at"),
            theme_name=F("theme__name"),
            event_title=F("event__title"),
            latitude=PointCoordinate("location", axis="y"),
            longitude=PointCoordinate("location", axis="x"),
            support=_support(),
            code_names=_code_names(),
        )
        .order_by("received_at", "pk")
        .values_list(*export_fields(include_demographics=include_demographics))
    )


def export_rows(
    *,
    deployment: Deployment,
    include_unapproved: bool,
    include_demographics: bool,
    pinned_only: bool = False,
) -> Iterator[tuple]:
    """Stream the rows of ``export_queryset`` in chunks: one query, constant memory."""
    return export_queryset(
        deployment=deployment,
        include_unapproved=include_unapproved,
        include_demographics=include_demographics,
        pinned_only=pinned_only,
    ).iterator(chunk_size=CHUNK_SIZE)


def export_count(
    *, deployment: Deployment, include_unapproved: bool, pinned_only: bool = False
) -> int:
    """How many rows an export will have (one COUNT query, for progress and limits)."""
    contributions = _exportable(deployment=deployment, include_unapproved=include_unapproved)
    if pinned_only:
        contributions = contributions.filter(location__isnull=False)
    return contributions.count()


@dataclass(frozen=True)
class GroupCount:
    """One group of an aggregated table; ``count`` is ``None`` for fewer than MIN_GROUP_SIZE."""

    label: str
    count: int | None


@dataclass(frozen=True)
class GroupTable:
    title: str
    groups: Sequence[GroupCount]


NOT_GIVEN = _("keine Angabe")

_PERSON_DIMENSIONS = (
    ("age_band", _("Altersgruppe"), AgeBand),
    ("relation", _("Bezug zum Kiez"), Relation),
    ("heard_via", _("vom Labor erfahren durch"), HeardVia),
)


def export_person_tables(*, deployment: Deployment, include_unapproved: bool) -> list[GroupTable]:
    """People's answers counted per group (age band, relation, how they heard of the lab).

    Counts below MIN_GROUP_SIZE never leave this function: such groups come back as ``None``.
    Every group is listed, in the order of the choices, with "keine Angabe" last.
    """
    contributions = _exportable(deployment=deployment, include_unapproved=include_unapproved)
    tables = []
    for field, title, choices in _PERSON_DIMENSIONS:
        counts = dict(
            contributions.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n")
        )
        groups = [
            GroupCount(label=str(label), count=_shown(counts.get(value, 0)))
            for value, label in [*choices.choices, ("", NOT_GIVEN)]
        ]
        tables.append(GroupTable(title=str(title), groups=groups))
    return tables


def _shown(count: int) -> int | None:
    return count if count >= MIN_GROUP_SIZE else None


def export_jobs_for(*, user) -> QuerySet[ExportJob]:
    """The exports of the user's organisations, newest first."""
    return planning_rules.scope_to_user(
        ExportJob.objects.select_related("deployment", "created_by"),
        user,
        "deployment__organisation",
    )


def export_job_downloadable(*, job: ExportJob, user) -> bool:
    """Whether ``user`` may download the file: what it contains must be visible to them too.

    A moderator's export holds unapproved contributions or people's answers; a team member of
    the same organisation sees the job but may not download it.
    """
    deployment = job.deployment
    return (
        user.has_perm("participation.view_exportjob", job)
        and (
            not job.include_unapproved
            or user.has_perm("participation.view_unapproved_contributions", deployment)
        )
        and (
            not job.include_demographics
            or user.has_perm("participation.view_personal_demographics", deployment)
        )
    )


def export_file_name(job: ExportJob) -> str:
    """The file's name, also offered for download, e.g. ``export-boxi-12.csv``."""
    return f"export-{job.deployment.slug[:40]}-{job.pk}.{EXTENSIONS[job.format]}"


@dataclass(frozen=True)
class ExportDownload:
    """What a download view needs to send a finished export's file."""

    file: File
    filename: str
    content_type: str


def export_download(*, job: ExportJob) -> ExportDownload | None:
    """The finished file of ``job`` opened for reading, or ``None`` while there is none.

    Callers check ``export_job_downloadable`` first; the file is never served from a public URL.
    """
    if job.state != JobState.DONE or not job.file:
        return None
    return ExportDownload(
        file=job.file.open("rb"),
        filename=export_file_name(job),
        content_type=CONTENT_TYPES[job.format],
    )
