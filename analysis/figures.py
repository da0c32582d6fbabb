"""The figures of one deployment: visitors, inputs, programme and participation rate.

Pure functions over the tables described in the analysis contract (``contributions``,
``visitor_counts``, ``events``); every figure carries a German definition. Programme figures
use the planning check's definitions (``deployments.selectors.planning``): cancelled events do
not count, the own share is taken over held and planned events, and the start phase is the first
``START_PHASE_DAYS`` Berlin calendar days of the deployment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils.translation import gettext

from deployments.models import Event
from deployments.selectors.planning import LOCAL_TIMEZONE, OWN_SHARE_TARGET, START_PHASE_DAYS
from participation.models import Channel, Kind
from participation.models.records import VisitorCount

HOURS_OF_DAY = range(24)


@dataclass(frozen=True)
class Figures:
    """The headline figures of one deployment, each explained in ``definitions``.

    Keys of the ``by_day`` dicts are ISO dates, keys of ``inputs_by_hour`` two-digit hours of
    the day ("09" = 9 to 10 o'clock, Berlin time); shares are fractions between 0 and 1.
    """

    visitors: int
    visitors_counted_hours: int
    visitors_from_counter: int
    visitors_from_manual_counts: int
    visitors_by_day: dict[str, int]
    inputs: int
    inputs_by_channel: dict[str, int]
    inputs_by_kind: dict[str, int]
    inputs_by_theme: dict[str, int]
    inputs_without_theme: int
    inputs_by_day: dict[str, int]
    inputs_by_hour: dict[str, int]
    inputs_by_event: list[dict[str, Any]]
    inputs_without_event: int
    events_held: int
    events_cancelled: int
    events_planned: int
    attendance: int
    events_held_without_attendance: int
    own_events: int
    own_share: float | None
    own_share_target: float
    series_share: float | None
    events_by_target_group: dict[str, int]
    events_by_format: dict[str, int]
    events_by_lead: dict[str, int]
    partners: list[str]
    events_per_week: float
    start_phase_events: int
    start_phase_events_per_week: float | None
    start_phase_density: float | None
    participation_rate: float | None
    definitions: dict[str, str]


@dataclass(frozen=True)
class VisitorFigures:
    """Visitors counted in one deployment, and which kind of count they come from."""

    total: int
    counted_hours: int
    from_counter: int
    from_manual_counts: int
    by_day: dict[str, int]


@dataclass(frozen=True)
class ProgrammeFigures:
    """What became of a deployment's programme: held, cancelled, own share, series, density."""

    held: int
    cancelled: int
    planned: int
    attendance: int
    held_without_attendance: int
    own_events: int
    own_share: float | None
    series_share: float | None
    by_target_group: dict[str, int]
    by_format: dict[str, int]
    by_lead: dict[str, int]
    partners: list[str]
    events_per_week: float
    start_phase_events: int
    start_phase_events_per_week: float | None
    start_phase_density: float | None


def deployment_figures(
    *,
    contributions: pd.DataFrame,
    visitor_counts: pd.DataFrame,
    events: pd.DataFrame,
    starts_on: dt.date,
    ends_on: dt.date,
) -> Figures:
    """Compute all figures of one deployment from its tables (see the analysis contract)."""
    visitors = visitor_figures(visitor_counts, starts_on=starts_on, ends_on=ends_on)
    programme = programme_figures(events, starts_on=starts_on, ends_on=ends_on)
    received = local_time(contributions["received_at"])
    themes = contributions["theme"]
    event_ids = contributions["event_id"]
    inputs = len(contributions)
    return Figures(
        visitors=visitors.total,
        visitors_counted_hours=visitors.counted_hours,
        visitors_from_counter=visitors.from_counter,
        visitors_from_manual_counts=visitors.from_manual_counts,
        visitors_by_day=visitors.by_day,
        inputs=inputs,
        inputs_by_channel=value_counts(contributions["channel"], order=Channel.values),
        inputs_by_kind=value_counts(contributions["kind"], order=Kind.values),
        inputs_by_theme=value_counts(themes.dropna()),
        inputs_without_theme=int(themes.isna().sum()),
        inputs_by_day=_by_day(received, starts_on=starts_on, ends_on=ends_on),
        inputs_by_hour=_by_hour(received),
        inputs_by_event=inputs_by_event(event_ids, events),
        inputs_without_event=int(event_ids.isna().sum()),
        events_held=programme.held,
        events_cancelled=programme.cancelled,
        events_planned=programme.planned,
        attendance=programme.attendance,
        events_held_without_attendance=programme.held_without_attendance,
        own_events=programme.own_events,
        own_share=programme.own_share,
        own_share_target=OWN_SHARE_TARGET,
        series_share=programme.series_share,
        events_by_target_group=programme.by_target_group,
        events_by_format=programme.by_format,
        events_by_lead=programme.by_lead,
        partners=programme.partners,
        events_per_week=programme.events_per_week,
        start_phase_events=programme.start_phase_events,
        start_phase_events_per_week=programme.start_phase_events_per_week,
        start_phase_density=programme.start_phase_density,
        participation_rate=_ratio(inputs, visitors.total),
        definitions=figure_definitions(),
    )


def visitors_per_hour(visitor_counts: pd.DataFrame) -> pd.DataFrame:
    """Visitors per counted hour: the counter's total where a counter ran, else the hand counts.

    A counter sees everyone who passes, so in an hour with counter rows the manual rows (which
    only split the same people by age or gender) are not added; a counter row reading 0 still
    means the counter ran. Returns one row per hour (index ``hour_starts_at``) with the columns
    ``visitors`` and ``from_counter``.
    """
    is_counter = visitor_counts["source"].eq(VisitorCount.Source.COUNTER)
    counts = pd.to_numeric(visitor_counts["count"]).astype("int64")
    per_hour = (
        pd.DataFrame(
            {
                "hour_starts_at": local_time(visitor_counts["hour_starts_at"]),
                "counter": counts.where(is_counter, 0),
                "manual": counts.where(~is_counter, 0),
                "from_counter": is_counter,
            }
        )
        .groupby("hour_starts_at")
        .agg(
            counter=("counter", "sum"),
            manual=("manual", "sum"),
            from_counter=("from_counter", "any"),
        )
    )
    per_hour["visitors"] = per_hour["counter"].where(per_hour["from_counter"], per_hour["manual"])
    return per_hour[["visitors", "from_counter"]]


def visitor_figures(
    visitor_counts: pd.DataFrame, *, starts_on: dt.date, ends_on: dt.date
) -> VisitorFigures:
    """Visitors of a deployment, without counting anyone twice (see ``visitors_per_hour``)."""
    per_hour = visitors_per_hour(visitor_counts)
    visitors = per_hour["visitors"]
    from_counter = per_hour["from_counter"]
    days = pd.Series(per_hour.index, index=per_hour.index)
    return VisitorFigures(
        total=int(visitors.sum()),
        counted_hours=len(per_hour),
        from_counter=int(visitors[from_counter].sum()),
        from_manual_counts=int(visitors[~from_counter].sum()),
        by_day=_by_day(days, starts_on=starts_on, ends_on=ends_on, weights=visitors),
    )


def programme_figures(
    events: pd.DataFrame, *, starts_on: dt.date, ends_on: dt.date
) -> ProgrammeFigures:
    """The programme as it went: cancelled events count only as cancelled, nowhere else."""
    state = events["state"]
    held = events[state.eq(Event.State.HELD)]
    active = events[state.ne(Event.State.CANCELLED)]
    attendance = pd.to_numeric(held["attendance"])
    own_events = int(active["lead"].eq(Event.Lead.OWN).sum())
    target_groups = active["target_groups"].explode().dropna()

    days = (ends_on - starts_on).days + 1
    first_day, last_day = _event_days(active)
    period_starts = pd.Timestamp(starts_on)
    inside = first_day.ge(period_starts) & last_day.le(pd.Timestamp(ends_on))
    start_phase_ends = period_starts + pd.Timedelta(days=START_PHASE_DAYS)
    in_start_phase = int((inside & first_day.lt(start_phase_ends)).sum())
    inside_total = int(inside.sum())
    has_start_phase = days > START_PHASE_DAYS
    start_rate = in_start_phase / (START_PHASE_DAYS / 7) if has_start_phase else None
    return ProgrammeFigures(
        held=len(held),
        cancelled=int(state.eq(Event.State.CANCELLED).sum()),
        planned=int(state.eq(Event.State.PLANNED).sum()),
        attendance=int(attendance.sum()),
        held_without_attendance=int(attendance.isna().sum()),
        own_events=own_events,
        own_share=_ratio(own_events, len(active)),
        series_share=_ratio(int(active["series_id"].notna().sum()), len(active)),
        by_target_group=value_counts(target_groups),
        by_format=value_counts(active["format"], order=Event.Format.values),
        by_lead=value_counts(active["lead"], order=Event.Lead.values),
        partners=sorted(set(active["partners"].explode().dropna())),
        events_per_week=inside_total / (days / 7),
        start_phase_events=in_start_phase,
        start_phase_events_per_week=start_rate,
        # (first / 2 weeks) / (total / (days / 7) weeks), as in the planning check's warning.
        start_phase_density=(
            _ratio(in_start_phase * days, inside_total * START_PHASE_DAYS)
            if has_start_phase
            else None
        ),
    )


def inputs_by_event(event_ids: pd.Series, events: pd.DataFrame) -> list[dict[str, Any]]:
    """Inputs per event, every event of the programme in time order (also those without any).

    Inputs naming an event that is not in ``events`` are listed after them, without a title.
    """
    counts = event_ids.dropna().astype("int64").value_counts()
    programme = events.sort_values(["starts_at", "id"])
    known = [
        {
            "event_id": int(event_id),
            "title": str(title),
            "state": str(state),
            "inputs": int(counts.get(event_id, 0)),
        }
        for event_id, title, state in zip(
            programme["id"], programme["title"], programme["state"], strict=True
        )
    ]
    unknown = counts.drop(programme["id"].astype("int64"), errors="ignore").sort_index()
    return [
        *known,
        *(
            {"event_id": int(event_id), "title": None, "state": None, "inputs": int(count)}
            for event_id, count in unknown.items()
        ),
    ]


def value_counts(values: pd.Series, *, order: Iterable[str] = ()) -> dict[str, int]:
    """How often each value occurs: the values of ``order`` first (with 0 if absent), then the
    others by frequency (most frequent first) and name."""
    counts = values.value_counts()
    order = list(order)
    others = counts.drop(order, errors="ignore")
    others = others.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return {
        **{str(key): int(counts.get(key, 0)) for key in order},
        **{str(key): int(count) for key, count in others.items()},
    }


def local_time(values: pd.Series) -> pd.Series:
    """Timestamps as Berlin local time, whatever time zone they were given in."""
    return pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TIMEZONE)


def figure_definitions() -> dict[str, str]:
    """What each figure counts, in German, keyed like the fields of ``Figures``."""
    inputs = gettext(
        "Beiträge: alle nicht abgelehnten und nicht ausgeblendeten Beiträge; zusammengeführte "
        "Doppelte zählen einmal."
    )
    active = gettext(
        "stattgefundenen und geplanten Veranstaltungen (abgesagte zählen nicht, wie in der "
        "Planungsprüfung)"
    )
    return {
        "visitors": gettext(
            "Besucher:innen: Summe über alle gezählten Stunden. Je Stunde zählt die "
            "Lichtschranke, wenn sie lief; sonst die Summe der Handzählungen (Gruppen nach "
            "Alter und Geschlecht werden addiert). Handzählungen in Stunden mit Lichtschranke "
            "werden nicht dazugezählt, damit niemand doppelt zählt. Nicht gezählte Stunden "
            "fehlen."
        ),
        "visitors_counted_hours": gettext(
            "Gezählte Stunden: Stunden mit mindestens einer Zählung."
        ),
        "visitors_from_counter": gettext(
            "Besucher:innen aus Stunden, in denen die Lichtschranke lief."
        ),
        "visitors_from_manual_counts": gettext(
            "Besucher:innen aus Stunden, die nur von Hand gezählt wurden."
        ),
        "visitors_by_day": gettext(
            "Besucher:innen je Kalendertag (Berliner Zeit), wie bei „Besucher:innen“ gezählt; "
            "alle Tage des Einsatzes, auch ohne Zählung (0)."
        ),
        "inputs": inputs,
        "inputs_by_channel": gettext("Beiträge je Weg, auf dem sie eingingen.") + " " + inputs,
        "inputs_by_kind": gettext("Beiträge je Art.") + " " + inputs,
        "inputs_by_theme": gettext(
            "Beiträge je Thema, häufigstes zuerst; Beiträge ohne Thema zählen unter "
            "„Beiträge ohne Thema“."
        ),
        "inputs_without_theme": gettext("Beiträge, denen kein Thema zugeordnet ist."),
        "inputs_by_day": gettext(
            "Beiträge je Kalendertag des Eingangs (Berliner Zeit); alle Tage des Einsatzes, "
            "auch ohne Beitrag (0), dazu Tage davor oder danach, an denen Beiträge eingingen."
        ),
        "inputs_by_hour": gettext(
            "Beiträge je Stunde des Tages, in der sie eingingen (Berliner Zeit); „09“ heißt "
            "9 bis 10 Uhr, über alle Tage zusammen."
        ),
        "inputs_by_event": gettext(
            "Beiträge je Veranstaltung, der sie zugeordnet sind; alle Veranstaltungen in "
            "zeitlicher Reihenfolge, auch abgesagte und solche ohne Beitrag."
        ),
        "inputs_without_event": gettext("Beiträge, die keiner Veranstaltung zugeordnet sind."),
        "events_held": gettext("Veranstaltungen mit dem Stand „stattgefunden“."),
        "events_cancelled": gettext("Veranstaltungen mit dem Stand „abgesagt“."),
        "events_planned": gettext(
            "Veranstaltungen, die noch den Stand „geplant“ haben (noch nicht als "
            "stattgefunden erfasst)."
        ),
        "attendance": gettext(
            "Teilnehmende: Summe der erfassten Teilnehmendenzahlen der stattgefundenen "
            "Veranstaltungen; Veranstaltungen ohne erfasste Zahl zählen nicht mit."
        ),
        "events_held_without_attendance": gettext(
            "Stattgefundene Veranstaltungen ohne erfasste Teilnehmendenzahl."
        ),
        "own_events": gettext("Eigene Veranstaltungen unter den %(active)s.") % {"active": active},
        "own_share": gettext(
            "Anteil eigener Veranstaltungen an allen %(active)s; leer, wenn es keine gibt."
        )
        % {"active": active},
        "own_share_target": gettext(
            "Richtwert für den Anteil eigener Veranstaltungen: ein Viertel eigene, drei Viertel "
            "von Partner:innen."
        ),
        "series_share": gettext(
            "Anteil der Veranstaltungen, die zu einer Reihe gehören, an allen %(active)s; "
            "leer, wenn es keine gibt."
        )
        % {"active": active},
        "events_by_target_group": gettext(
            "Veranstaltungen je Zielgruppe unter den %(active)s; eine Veranstaltung für mehrere "
            "Zielgruppen zählt bei jeder."
        )
        % {"active": active},
        "events_by_format": gettext("Veranstaltungen je Format unter den %(active)s.")
        % {"active": active},
        "events_by_lead": gettext(
            "Veranstaltungen unter den %(active)s, nach Träger: das Laborteam selbst oder "
            "Partner:innen."
        )
        % {"active": active},
        "partners": gettext(
            "Partner:innen, die an mindestens einer der %(active)s beteiligt waren."
        )
        % {"active": active},
        "events_per_week": gettext(
            "Veranstaltungen pro Woche im Durchschnitt des Einsatzes: Zahl der %(active)s "
            "innerhalb des Einsatzzeitraums, geteilt durch seine Dauer in Wochen (Tage / 7)."
        )
        % {"active": active},
        "start_phase_events": gettext(
            "Veranstaltungen der ersten %(days)s Tage des Einsatzes (nach Beginn, Berliner "
            "Zeit), gezählt wie im Durchschnitt."
        )
        % {"days": START_PHASE_DAYS},
        "start_phase_events_per_week": gettext(
            "Veranstaltungen pro Woche in den ersten %(days)s Tagen; leer, wenn der Einsatz "
            "nicht länger als %(days)s Tage dauert."
        )
        % {"days": START_PHASE_DAYS},
        "start_phase_density": gettext(
            "Dichte des Starts: Veranstaltungen pro Woche in den ersten %(days)s Tagen geteilt "
            "durch den Durchschnitt pro Woche; unter 1 ist der Start dünner als der Rest. Leer, "
            "wenn der Einsatz nicht länger als %(days)s Tage dauert oder keine Veranstaltung hat."
        )
        % {"days": START_PHASE_DAYS},
        "participation_rate": gettext(
            "Beteiligungsquote: Beiträge (aller Wege, auch online) je gezählter Besucher:in; "
            "leer, wenn keine Besucher:innen gezählt wurden. Weil nicht jede Stunde gezählt "
            "wird, ist sie eher zu hoch als zu niedrig."
        ),
    }


def _by_day(
    times: pd.Series,
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    weights: pd.Series | None = None,
) -> dict[str, int]:
    """Sum per Berlin calendar day: every day of the period, plus days outside it with data."""
    days = times.dt.tz_localize(None).dt.normalize()
    values = pd.Series(1, index=times.index) if weights is None else weights
    per_day = values.groupby(days.to_numpy()).sum()
    period = pd.date_range(pd.Timestamp(starts_on), pd.Timestamp(ends_on), freq="D")
    per_day = per_day.reindex(period.union(per_day.index), fill_value=0)
    return {f"{day:%Y-%m-%d}": int(count) for day, count in per_day.items()}


def _by_hour(times: pd.Series) -> dict[str, int]:
    counts = times.dt.hour.value_counts().reindex(HOURS_OF_DAY, fill_value=0)
    return {f"{hour:02d}": int(count) for hour, count in counts.items()}


def _event_days(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The Berlin days each event starts and ends on; ending at midnight ends the day before."""
    starts = local_time(events["starts_at"]).dt.tz_localize(None)
    ends = local_time(events["ends_at"]).dt.tz_localize(None)
    last_day = ends.dt.normalize()
    last_day = last_day.where(ends.ne(last_day), last_day - pd.Timedelta(days=1))
    return starts.dt.normalize(), last_day


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None
