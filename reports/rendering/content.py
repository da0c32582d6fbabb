"""What the report says: the snapshot turned into formatted figures, sentences and tables.

Everything here is text for the template, already in the active language's number and date
format, so the template only lays it out. Demographic counts below ``MIN_GROUP_SIZE`` are never
shown (data protection: no group of fewer than five people is described).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from analysis.figures import Figures
from analysis.formatting import number, percent
from analysis.models import Recommendation
from analysis.representativeness import AgeComparison, NewcomerShare
from analysis.snapshot import Snapshot
from analysis.topics import LanguageTopics, Quote
from deployments.models import Event
from participation.models import Channel, Kind
from reports.rendering.charts import share_text

MIN_GROUP_SIZE = 5
SUPPRESSED = "< 5"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Quotes are capped so that the report's length does not grow with the number of inputs.
MAX_PLAIN_QUOTES = 10
MAX_OTHER_LANGUAGE_QUOTES = 4
SUMMARY_ITEMS = 3

LANGUAGE_NAMES = {
    "de": _("Deutsch"),
    "en": _("Englisch"),
    "tr": _("Türkisch"),
    "ar": _("Arabisch"),
    "uk": _("Ukrainisch"),
    "ru": _("Russisch"),
    "pl": _("Polnisch"),
    "fr": _("Französisch"),
    "es": _("Spanisch"),
    "vi": _("Vietnamesisch"),
    "fa": _("Persisch"),
}


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Row:
    """One table row: a label and its formatted cells."""

    label: str
    cells: list[str]
    note: str = ""
    emphasis: bool = False


@dataclass(frozen=True)
class Item:
    """One recommendation as the report shows it."""

    number: int
    finding: str
    action: str
    addressee: str
    priority: str
    priority_label: str
    evidence: list[tuple[str, str]]
    basis: str


@dataclass(frozen=True)
class QuoteText:
    text: str
    language: str
    support: str = ""


@dataclass(frozen=True)
class ClusterText:
    label: str
    keywords: str
    inputs: str
    share: str
    quote: QuoteText | None


@dataclass(frozen=True)
class LanguageSection:
    name: str
    language: str
    inputs: str
    note: str
    clusters: list[ClusterText] = field(default_factory=list)
    quotes: list[QuoteText] = field(default_factory=list)
    more_quotes: int = 0

    @property
    def more_quotes_text(self) -> str:
        return number(self.more_quotes)


@dataclass(frozen=True)
class DefinitionGroup:
    title: str
    entries: list[str]


def day(iso: str) -> str:
    return date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def period(snapshot: Snapshot) -> str:
    return f"{day(snapshot.deployment.starts_on)} – {day(snapshot.deployment.ends_on)}"


def moment(iso: str) -> str:
    local = dt.datetime.fromisoformat(iso).astimezone(BERLIN)
    return date_format(local, "SHORT_DATETIME_FORMAT")


def count(value: int | None) -> str:
    return number(value)


def per_hundred(rate: float | None) -> str:
    """A rate per person as "per 100 people", as the recommendations write it: 0.099 → 9,9."""
    return "–" if rate is None else number(rate * 100)


def demographic_count(value: int) -> str:
    """A count of people in one demographic group; fewer than five are not shown."""
    return SUPPRESSED if 0 < value < MIN_GROUP_SIZE else number(value)


def is_suppressed(value: int) -> bool:
    return 0 < value < MIN_GROUP_SIZE


def share(value: float | None) -> str:
    """A share in a table: always one decimal, so that a column lines up."""
    return "–" if value is None else share_text(value)


# --- Summary ---------------------------------------------------------------------------------


def key_figures(snapshot: Snapshot) -> list[KeyFigure]:
    """The five to seven figures a council committee reads first."""
    figures = snapshot.figures
    medians = _medians(snapshot)
    return [
        KeyFigure(
            gettext("Besucher:innen"),
            count(figures.visitors),
            ngettext(
                "gezählt in %(hours)s Stunde",
                "gezählt in %(hours)s Stunden",
                figures.visitors_counted_hours,
            )
            % {"hours": count(figures.visitors_counted_hours)},
        ),
        KeyFigure(
            gettext("Beiträge"),
            count(figures.inputs),
            _median_note(medians.get("inputs"), count),
        ),
        KeyFigure(
            gettext("Beiträge je 100 Besucher:innen"),
            per_hundred(figures.participation_rate),
            _median_note(medians.get("participation_rate"), per_hundred),
        ),
        KeyFigure(
            gettext("Veranstaltungen"),
            count(figures.events_held),
            gettext("stattgefunden, %(cancelled)s abgesagt")
            % {"cancelled": count(figures.events_cancelled)},
        ),
        KeyFigure(
            gettext("Teilnehmende"),
            count(figures.attendance),
            gettext("bei den Veranstaltungen"),
        ),
        KeyFigure(
            gettext("Eigene Veranstaltungen"),
            percent(figures.own_share),
            gettext("Richtwert: %(target)s") % {"target": percent(figures.own_share_target)},
        ),
        KeyFigure(
            gettext("Häufungen auf der Karte"),
            count(len(snapshot.space.hotspots)),
            gettext("%(pinned)s Beiträge mit Ort") % {"pinned": count(snapshot.space.pinned)},
        ),
    ]


def summary_findings(snapshot: Snapshot) -> list[str]:
    """Three sentences: how many took part, who was reached, what and where it was about."""
    return [_reach_finding(snapshot), _who_finding(snapshot), _what_finding(snapshot)]


def _reach_finding(snapshot: Snapshot) -> str:
    figures = snapshot.figures
    if figures.participation_rate is None:
        return gettext(
            "%(inputs)s Beiträge gingen ein; Besucher:innen wurden nicht gezählt, eine "
            "Beteiligungsquote lässt sich daher nicht angeben."
        ) % {"inputs": count(figures.inputs)}
    sentence = gettext(
        "%(visitors)s Besucher:innen wurden gezählt, %(inputs)s Beiträge gingen ein: "
        "%(rate)s Beiträge je 100 Besucher:innen."
    ) % {
        "visitors": count(figures.visitors),
        "inputs": count(figures.inputs),
        "rate": per_hundred(figures.participation_rate),
    }
    median = _medians(snapshot).get("participation_rate")
    if median is not None:
        sentence += " " + gettext("Bei den anderen Einsätzen waren es im Median %(median)s.") % {
            "median": per_hundred(median)
        }
    return sentence


def _who_finding(snapshot: Snapshot) -> str:
    participants = snapshot.representativeness.participants
    if participants.n == 0:
        return gettext(
            "Niemand hat sein Alter angegeben; ob die Altersgruppen des Gebiets erreicht wurden, "
            "lässt sich nicht sagen."
        )
    if participants.under_reached:
        labels = [
            band.label for band in participants.bands if band.band in participants.under_reached
        ]
        sentence = gettext(
            "Unterrepräsentiert waren: %(bands)s – weniger als halb so oft vertreten wie unter "
            "den Einwohner:innen des Gebiets."
        ) % {"bands": ", ".join(labels)}
    else:
        sentence = gettext(
            "Keine Altersgruppe war deutlich unterrepräsentiert (%(n)s Angaben zum Alter)."
        ) % {"n": count(participants.n)}
    if not participants.test.reliable:
        sentence += " " + gettext("Wegen kleiner Zahlen ist der Vergleich nur ein Hinweis.")
    return sentence


def _what_finding(snapshot: Snapshot) -> str:
    topics, space = snapshot.topics, snapshot.space
    if topics.clusters:
        largest = topics.clusters[0]
        sentence = gettext(
            "Das größte Themenfeld der Freitexte: „%(label)s“ mit %(share)s der Nennungen."
        ) % {"label": largest.label, "share": percent(largest.share)}
    elif snapshot.figures.inputs_by_theme:
        theme, inputs = next(iter(snapshot.figures.inputs_by_theme.items()))
        sentence = gettext("Häufigstes Thema: „%(theme)s“ mit %(inputs)s Beiträgen.") % {
            "theme": theme,
            "inputs": count(inputs),
        }
    else:
        sentence = gettext("Für Themenfelder gab es zu wenige Freitexte.")
    if space.hotspots:
        largest_spot = space.hotspots[0]
        sentence += " " + ngettext(
            "%(count)s Ort auf der Karte wurde gehäuft genannt: %(inputs)s Beiträge etwa "
            "%(distance)s m vom Standort.",
            "%(count)s Orte auf der Karte wurden gehäuft genannt, der größte mit %(inputs)s "
            "Beiträgen etwa %(distance)s m vom Standort.",
            len(space.hotspots),
        ) % {
            "count": count(len(space.hotspots)),
            "inputs": count(largest_spot.inputs),
            "distance": count(round(largest_spot.distance_m)),
        }
    return sentence


def _medians(snapshot: Snapshot) -> dict[str, float]:
    return {
        figure.key: figure.median
        for figure in snapshot.comparison.figures
        if figure.median is not None
    }


def _median_note(median: float | None, formatter) -> str:
    if median is None:
        return ""
    return gettext("Median anderer Einsätze: %(median)s") % {"median": formatter(median)}


# --- Recommendations -------------------------------------------------------------------------


def recommendation_items(recommendations: Sequence[dict]) -> list[Item]:
    """The curated recommendations in staff's order, numbered from 1."""
    return [
        _item(position, recommendation)
        for position, recommendation in enumerate(recommendations, start=1)
    ]


def _item(position: int, recommendation: dict) -> Item:
    evidence = recommendation.get("evidence") or {}
    if isinstance(evidence, list):  # staff-written rows keep the model's default, a list
        evidence = {"figures": evidence}
    priority = recommendation.get("priority") or Recommendation.Priority.MEDIUM
    contributions = len(evidence.get("contribution_ids") or [])
    events = len(evidence.get("event_ids") or [])
    basis = []
    if contributions:
        basis.append(
            ngettext("%(count)s Beitrag", "%(count)s Beiträgen", contributions)
            % {"count": count(contributions)}
        )
    if events:
        basis.append(
            ngettext("%(count)s Veranstaltung", "%(count)s Veranstaltungen", events)
            % {"count": count(events)}
        )
    if not (recommendation.get("rule") or evidence.get("rule")):
        source = gettext("Vom Team ergänzt.")
    elif recommendation.get("edited"):
        source = gettext("Aus der Auswertung, vom Team bearbeitet.")
    else:
        source = gettext("Vorschlag der Auswertung nach festen Regeln.")
    if basis:
        source += " " + gettext("Beruht auf %(basis)s.") % {"basis": gettext(" und ").join(basis)}
    return Item(
        number=position,
        finding=recommendation.get("finding", ""),
        action=recommendation.get("action", ""),
        addressee=recommendation.get("addressee", ""),
        priority=priority,
        priority_label=str(Recommendation.Priority(priority).label),
        evidence=[
            (figure.get("label", ""), figure.get("value", ""))
            for figure in evidence.get("figures") or []
        ],
        basis=source,
    )


# --- Programme -------------------------------------------------------------------------------


def programme_rows(figures: Figures) -> list[Row]:
    rows = [
        Row(gettext("Stattgefundene Veranstaltungen"), [count(figures.events_held)]),
        Row(gettext("Abgesagte Veranstaltungen"), [count(figures.events_cancelled)]),
    ]
    if figures.events_planned:
        rows.append(Row(gettext("Noch als „geplant“ erfasst"), [count(figures.events_planned)]))
    attendance_note = ""
    if figures.events_held_without_attendance:
        attendance_note = ngettext(
            "%(count)s Veranstaltung ohne erfasste Zahl",
            "%(count)s Veranstaltungen ohne erfasste Zahl",
            figures.events_held_without_attendance,
        ) % {"count": count(figures.events_held_without_attendance)}
    rows += [
        Row(gettext("Teilnehmende"), [count(figures.attendance)], attendance_note),
        Row(
            gettext("Eigene Veranstaltungen"),
            [count(figures.own_events)],
            gettext("Anteil %(share)s, Richtwert %(target)s")
            % {"share": percent(figures.own_share), "target": percent(figures.own_share_target)},
        ),
        Row(gettext("Anteil in Reihen"), [percent(figures.series_share)]),
        Row(gettext("Veranstaltungen je Woche"), [number(round(figures.events_per_week, 1))]),
        Row(
            gettext("… in den ersten zwei Wochen"),
            [_one_decimal(figures.start_phase_events_per_week)],
            gettext("Dichte des Starts: %(density)s")
            % {"density": _one_decimal(figures.start_phase_density)}
            if figures.start_phase_density is not None
            else "",
        ),
    ]
    return rows


def active_events(figures: Figures) -> int:
    return figures.events_held + figures.events_planned


def format_counts(figures: Figures) -> list[tuple[str, int]]:
    """Events per format, most frequent first; formats without an event left out."""
    counts = [
        (_choice_label(Event.Format, code), events)
        for code, events in figures.events_by_format.items()
        if events
    ]
    return sorted(counts, key=lambda item: -item[1])


def lead_counts(figures: Figures) -> tuple[int, int]:
    """Active events the lab ran itself, and those partners ran."""
    by_lead = figures.events_by_lead
    return by_lead.get(Event.Lead.OWN, 0), by_lead.get(Event.Lead.PARTNER, 0)


def event_rows(figures: Figures) -> list[Row]:
    states = {choice.value: str(choice.label) for choice in Event.State}
    return [
        Row(
            event["title"] or gettext("(unbekannte Veranstaltung)"),
            [states.get(event["state"] or "", "–"), count(event["inputs"])],
            emphasis=event["state"] == Event.State.CANCELLED,
        )
        for event in figures.inputs_by_event
    ]


# --- Participation ---------------------------------------------------------------------------


def channel_counts(figures: Figures) -> list[tuple[str, int]]:
    return [(_choice_label(Channel, code), n) for code, n in figures.inputs_by_channel.items()]


def kind_counts(figures: Figures) -> list[tuple[str, int]]:
    return [(_choice_label(Kind, code), n) for code, n in figures.inputs_by_kind.items()]


def inputs_outside_period(snapshot: Snapshot) -> int:
    starts, ends = snapshot.deployment.starts_on, snapshot.deployment.ends_on
    return sum(
        inputs
        for iso, inputs in snapshot.figures.inputs_by_day.items()
        if not starts <= iso <= ends
    )


def age_rows(snapshot: Snapshot) -> list[Row]:
    """Per age band: participants (said themselves), visitors (counted), residents."""
    representativeness = snapshot.representativeness
    participants = representativeness.participants
    visitors = representativeness.visitors
    rows = []
    for said, counted in zip(participants.bands, visitors.bands, strict=True):
        rows.append(
            Row(
                said.label,
                [
                    demographic_count(said.count),
                    "–" if is_suppressed(said.count) else share(said.share),
                    demographic_count(counted.count),
                    "–" if is_suppressed(counted.count) else share(counted.share),
                    share(said.expected_share),
                ],
                emphasis=said.under_reached,
            )
        )
    rows.append(
        Row(
            gettext("Zusammen"),
            [
                count(participants.n),
                "",
                count(visitors.n),
                "",
                count(representativeness.population_total),
            ],
            emphasis=False,
        )
    )
    return rows


def age_test_sentence(comparison: AgeComparison) -> str:
    """What the goodness-of-fit test says, in one or two sentences."""
    test = comparison.test
    if test.p_value is None:
        return test.caveat
    p_value = _p_value(test.p_value)
    if not test.reliable:
        return gettext("Chi-Quadrat-Test: p %(p)s. %(caveat)s") % {
            "p": p_value,
            "caveat": test.caveat,
        }
    if test.significant:
        return gettext(
            "Die Altersverteilung weicht deutlich von der der Einwohner:innen ab "
            "(Chi-Quadrat-Test, p %(p)s)."
        ) % {"p": p_value}
    return gettext(
        "Ein Unterschied zur Altersverteilung der Einwohner:innen lässt sich nicht belegen "
        "(Chi-Quadrat-Test, p %(p)s)."
    ) % {"p": p_value}


def newcomer_sentence(newcomers: NewcomerShare) -> str:
    if not newcomers.answered:
        return gettext("Niemand hat angegeben, wie er oder sie mit dem Kiez verbunden ist.")
    if is_suppressed(newcomers.newcomers):
        return gettext(
            "Von %(answered)s Personen, die ihren Bezug zum Kiez angegeben haben, sind weniger "
            "als 5 vor weniger als zwei Jahren hergezogen."
        ) % {"answered": count(newcomers.answered)}
    return gettext(
        "Von %(answered)s Personen, die ihren Bezug zum Kiez angegeben haben, sind %(newcomers)s "
        "vor weniger als zwei Jahren hergezogen (%(share)s)."
    ) % {
        "answered": count(newcomers.answered),
        "newcomers": count(newcomers.newcomers),
        "share": percent(newcomers.share),
    }


def estimated_sentence(snapshot: Snapshot) -> str:
    estimated = snapshot.representativeness.participants_estimated
    if not estimated.n:
        return ""
    return ngettext(
        "Bei %(n)s weiteren Beitrag hat das Team das Alter geschätzt; diese Schätzung ist oben "
        "nicht mitgezählt.",
        "Bei %(n)s weiteren Beiträgen hat das Team das Alter geschätzt; diese Schätzungen sind "
        "oben nicht mitgezählt.",
        estimated.n,
    ) % {"n": count(estimated.n)}


def topic_sections(snapshot: Snapshot) -> list[LanguageSection]:
    """German first, then each other language, never mixed; quotes capped."""
    topics = snapshot.topics
    limits = [(topics, MAX_PLAIN_QUOTES)] + [
        (other, MAX_OTHER_LANGUAGE_QUOTES) for other in topics.other_languages
    ]
    return [
        _language_section(language, limit=limit) for language, limit in limits if language.inputs
    ]


def _language_section(topics: LanguageTopics, *, limit: int) -> LanguageSection:
    quotes = topics.plain_list or []
    return LanguageSection(
        name=str(LANGUAGE_NAMES.get(topics.language, topics.language)),
        language=topics.language,
        inputs=count(topics.inputs),
        note=topics.note,
        clusters=[
            ClusterText(
                label=cluster.label,
                keywords=", ".join(keyword.term for keyword in cluster.keywords),
                inputs=count(cluster.inputs),
                share=share(cluster.share),
                quote=_quote(cluster.quote, topics.language),
            )
            for cluster in topics.clusters
        ],
        quotes=[_quote(quote, topics.language) for quote in quotes[:limit]],
        more_quotes=max(len(quotes) - limit, 0),
    )


def _quote(quote: Quote | None, language: str) -> QuoteText | None:
    if quote is None:
        return None
    support = ""
    if quote.support > 1:
        support = gettext("%(count)s-mal genannt") % {"count": count(quote.support)}
    return QuoteText(text=quote.text, language=language or "de", support=support)


def area_rows(snapshot: Snapshot) -> list[Row]:
    space = snapshot.space
    rows = [
        Row(area.name, [area.code, count(area.inputs), share(area.share)]) for area in space.areas
    ]
    if space.outside_areas:
        rows.append(
            Row(
                gettext("außerhalb der Prognoseräume"),
                ["", count(space.outside_areas), share(_share(space.outside_areas, space.pinned))],
            )
        )
    return rows


def ring_rows(snapshot: Snapshot) -> list[Row]:
    return [
        Row(ring.label, [count(ring.inputs), count(ring.mentions), share(ring.share)])
        for ring in snapshot.space.rings
    ]


def hotspot_rows(snapshot: Snapshot) -> list[Row]:
    areas = {area.code: area.name for area in snapshot.space.areas}
    rows = []
    for position, hotspot in enumerate(snapshot.space.hotspots, start=1):
        themes = (
            ", ".join(f"{theme.theme} ({count(theme.inputs)})" for theme in hotspot.themes) or "–"
        )
        rows.append(
            Row(
                str(position),
                [
                    count(hotspot.inputs),
                    count(hotspot.mentions),
                    f"{count(round(hotspot.distance_m))} m",
                    f"{count(round(hotspot.radius_m))} m",
                    areas.get(hotspot.area_code or "", hotspot.area_code or "–"),
                    themes,
                ],
            )
        )
    return rows


# --- Methodology -----------------------------------------------------------------------------


def definition_groups(snapshot: Snapshot) -> list[DefinitionGroup]:
    """Every definition the snapshot carries, grouped as the report's chapters are."""
    comparison = {
        key: text
        for key, text in snapshot.comparison.definitions.items()
        if key not in snapshot.figures.definitions
    }
    return [
        DefinitionGroup(gettext("Kennzahlen"), list(snapshot.figures.definitions.values())),
        DefinitionGroup(
            gettext("Vergleich mit anderen Einsätzen"),
            [
                gettext("Verglichen wurde mit %(count)s anderen Einsätzen derselben Organisation.")
                % {"count": count(snapshot.comparison.deployments_compared)},
                *comparison.values(),
            ],
        ),
        DefinitionGroup(
            gettext("Wer erreicht wurde"),
            list(snapshot.representativeness.definitions.values()),
        ),
        DefinitionGroup(
            gettext("Themen"),
            [
                *snapshot.topics.definitions.values(),
                gettext("Verfahren: ") + snapshot.topics.method,
            ],
        ),
        DefinitionGroup(gettext("Räumliche Verteilung"), list(snapshot.space.definitions.values())),
    ]


def _choice_label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _one_decimal(value: float | None) -> str:
    return "–" if value is None else number(round(value, 1))


def _p_value(p_value: float) -> str:
    if p_value < 0.001:
        return "< " + number_format(0.001, decimal_pos=3)
    return "= " + number_format(p_value, decimal_pos=3)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
