"""Handlungsempfehlungen: rules that turn the analysis' findings into recommendations.

Each rule looks at one kind of finding and proposes at most a few recommendations. A proposal
carries the finding in one sentence, the evidence it rests on (figures, the rule that fired, the
contributions or events behind it), a suggested action, an addressee and a priority. Proposals
have a stable ``key`` so that the recommendations staff curated can be matched to them the next
time the analysis runs (see ``analysis.models.Recommendation``).

The thresholds are deliberately few and named; each is explained where it is defined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from analysis.formatting import number, percent
from deployments.models import AgeBand, Event, Goal
from deployments.selectors.planning import GOAL_FORMATS, OWN_SHARE_WARNING, TOP_GOAL_RANK

HIGH, MEDIUM, LOW = "high", "medium", "low"

# Figures about people are only shown for groups of at least this many (data protection).
MIN_GROUP_SIZE = 5

# Fewer than 15 contributions per 100 counted visitors: most people who came by did not take
# part, so the offers to take part are not low-threshold enough. Needs enough visitors to say.
LOW_PARTICIPATION_RATE = 0.15
MIN_VISITORS_FOR_RATE = 50
# An under-reached band with less than a quarter of its expected share is a high priority.
SEVERELY_UNDER_REACHED_RATIO = 0.25
# A topic cluster that holds at least a quarter of all texts, and at least 10 of them, is a
# concern of the neighbourhood that the administration should hear about.
LARGE_CLUSTER_SHARE = 0.25
LARGE_CLUSTER_MIN_INPUTS = 10
# A hotspot with this many pins is a place residents point at; twice as many is urgent.
HOTSPOT_MIN_INPUTS = 5
# At least a fifth of the programme cancelled (and at least three events) points at agreements
# that did not hold.
CANCELLED_SHARE = 0.2
CANCELLED_MIN_EVENTS = 3

AGE_GROUP_ACTIONS = {
    "children": (
        ("0_5", "6_14"),
        gettext_lazy(
            "Angebote mit Kitas, Grundschulen und Familienzentren am Nachmittag; Mitmachformate "
            "zum Malen, Bauen und Spielen."
        ),
    ),
    "youth": (
        ("15_17", "18_26"),
        gettext_lazy(
            "Termine am späten Nachmittag und frühen Abend, gemeinsam mit Jugendclubs, Schulen "
            "und Hochschulen; kurze, spielerische Formate am Tablet."
        ),
    ),
    "adults": (
        ("27_44", "45_54"),
        gettext_lazy(
            "Termine am frühen Abend und am Wochenende, Angebote mit Kinderbetreuung, "
            "Sprechstunden zu Alltagsthemen wie Wohnen und Verkehr."
        ),
    ),
    "older": (
        ("55_64", "65_plus"),
        gettext_lazy(
            "Vormittagstermine mit Sitzplätzen, gemeinsam mit Seniorentreffs und "
            "Nachbarschaftshäusern; persönliche Ansprache und Papierbögen statt nur Tablet."
        ),
    ),
}


@dataclass(frozen=True)
class Evidence:
    """One figure a recommendation rests on, as it appears in the report."""

    label: str
    value: str


@dataclass(frozen=True)
class Proposal:
    """A recommendation as a rule proposes it, before staff curate it."""

    rule: str
    key: str
    finding: str
    action: str
    addressee: str
    priority: str
    evidence: list[Evidence]
    contribution_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Findings:
    """What the rules look at: the parts of one deployment's analysis, plus its goal profile."""

    figures: Any
    representativeness: Any
    topics: Any
    space: Any
    goals: Sequence[tuple[str, int]]
    event_formats: Sequence[str]
    district: str = ""


def propose(findings: Findings) -> list[Proposal]:
    """All proposals of all rules, high priority first, in rule order within a priority."""
    proposals = _unique_keys([proposal for rule in RULES for proposal in rule(findings)])
    order = {HIGH: 0, MEDIUM: 1, LOW: 2}
    return sorted(proposals, key=lambda proposal: order[proposal.priority])


def _unique_keys(proposals: list[Proposal]) -> list[Proposal]:
    """Number repeated keys (two hotspots about the same theme): keys match staff's edits."""
    seen: dict[str, int] = {}
    unique = []
    for proposal in proposals:
        seen[proposal.key] = seen.get(proposal.key, 0) + 1
        if seen[proposal.key] > 1:
            proposal = replace(proposal, key=f"{proposal.key}:{seen[proposal.key]}")
        unique.append(proposal)
    return unique


def under_reached_age_groups(findings: Findings) -> Iterator[Proposal]:
    comparison = findings.representativeness.participants
    bands = {band.band: band for band in comparison.bands}
    for group, (members, action) in AGE_GROUP_ACTIONS.items():
        missing = [bands[band] for band in members if band in comparison.under_reached]
        if not missing:
            continue
        worst = min(band.ratio for band in missing)
        labels = ", ".join(str(AgeBand(band.band).label) for band in missing)
        yield Proposal(
            rule="under_reached_age_group",
            key=f"under_reached_age_group:{group}",
            finding=gettext(
                "Die Altersgruppe %(bands)s war unter den Beteiligten deutlich seltener als "
                "unter den Einwohner:innen des Gebiets."
            )
            % {"bands": labels},
            action=str(action),
            addressee=gettext("Laborteam und Partner:innen"),
            priority=HIGH if worst < SEVERELY_UNDER_REACHED_RATIO else MEDIUM,
            evidence=[
                Evidence(
                    gettext("Anteil %(band)s") % {"band": AgeBand(band.band).label},
                    gettext("%(share)s unter den Beteiligten, %(expected)s im Gebiet")
                    % {"share": _share_of_group(band), "expected": percent(band.expected_share)},
                )
                for band in missing
            ]
            + [
                Evidence(gettext("Angaben zum Alter"), str(comparison.n)),
                Evidence(gettext("Regel"), gettext("Anteil unter der Hälfte des erwarteten")),
            ],
        )


def under_reached_newcomers(findings: Findings) -> Iterator[Proposal]:
    newcomers = findings.representativeness.newcomers
    if not newcomers.under_reached:
        return
    yield Proposal(
        rule="under_reached_newcomers",
        key="under_reached_newcomers",
        finding=gettext(
            "Neu Zugezogene haben sich seltener beteiligt, als es ihrem Anteil im Gebiet "
            "entspricht."
        ),
        action=gettext(
            "Mit Willkommensinitiativen, Sprachcafés und Hausverwaltungen neuer Wohnanlagen "
            "zusammenarbeiten; mehrsprachig einladen."
        ),
        addressee=gettext("Laborteam und Partner:innen"),
        priority=MEDIUM,
        evidence=[
            Evidence(gettext("Anteil neu Zugezogener"), percent(newcomers.share_of_residents)),
            Evidence(gettext("Erwarteter Anteil"), percent(newcomers.expected_share)),
        ],
    )


def low_participation(findings: Findings) -> Iterator[Proposal]:
    figures = findings.figures
    rate = figures.participation_rate
    if rate is None or figures.visitors < MIN_VISITORS_FOR_RATE or rate >= LOW_PARTICIPATION_RATE:
        return
    yield Proposal(
        rule="low_participation",
        key="low_participation",
        finding=gettext(
            "Von den Menschen, die vorbeikamen, haben sich nur wenige beteiligt: "
            "%(rate)s Beiträge je 100 Besucher:innen."
        )
        % {"rate": number(rate * 100)},
        action=gettext(
            "Mehr niedrigschwellige Formate anbieten: Punkte kleben, kurze Umfragen am Tablet, "
            "das Team spricht Vorbeigehende aktiv an."
        ),
        addressee=gettext("Laborteam"),
        priority=MEDIUM,
        evidence=[
            Evidence(gettext("Besucher:innen"), number(figures.visitors)),
            Evidence(gettext("Beiträge"), number(figures.inputs)),
            Evidence(
                gettext("Regel"),
                gettext("weniger als %(limit)s Beiträge je 100 Besucher:innen")
                % {"limit": number(LOW_PARTICIPATION_RATE * 100)},
            ),
        ],
    )


def large_topic_clusters(findings: Findings) -> Iterator[Proposal]:
    for cluster in findings.topics.clusters:
        if cluster.share < LARGE_CLUSTER_SHARE or cluster.inputs < LARGE_CLUSTER_MIN_INPUTS:
            continue
        evidence = [
            Evidence(gettext("Beiträge im Themenfeld"), number(cluster.inputs)),
            Evidence(gettext("Anteil an allen Nennungen"), percent(cluster.share)),
            Evidence(
                gettext("Stichwörter"), ", ".join(keyword.term for keyword in cluster.keywords[:5])
            ),
        ]
        if cluster.quote is not None:
            evidence.append(Evidence(gettext("Zitat"), f"„{cluster.quote.text}“"))
        yield Proposal(
            rule="large_topic_cluster",
            key=f"large_topic_cluster:{cluster.label}",
            finding=gettext("Viele Beiträge drehen sich um „%(label)s“.")
            % {"label": cluster.label},
            action=gettext(
                "Die Beiträge gebündelt an das zuständige Fachamt weitergeben und um eine "
                "öffentliche Rückmeldung bitten."
            ),
            addressee=_department(findings),
            priority=MEDIUM,
            evidence=evidence,
            contribution_ids=list(cluster.contribution_ids),
        )


def hotspots(findings: Findings) -> Iterator[Proposal]:
    for index, hotspot in enumerate(findings.space.hotspots, start=1):
        if hotspot.inputs < HOTSPOT_MIN_INPUTS:
            continue
        theme = hotspot.themes[0].theme if hotspot.themes else None
        about = (
            gettext("zum Thema „%(theme)s“") % {"theme": theme}
            if theme
            else gettext("zu verschiedenen Themen")
        )
        yield Proposal(
            rule="hotspot",
            key=f"hotspot:{theme or index}",
            finding=gettext(
                "%(count)s Beiträge %(about)s beziehen sich auf denselben Ort, etwa "
                "%(distance)s m vom Standort entfernt."
            )
            % {
                "count": hotspot.inputs,
                "about": about,
                "distance": number(round(hotspot.distance_m)),
            },
            action=gettext(
                "Den Ort mit dem zuständigen Fachamt begehen und die Beiträge mit Karte "
                "weitergeben."
            ),
            addressee=_department(findings),
            priority=HIGH if hotspot.inputs >= 2 * HOTSPOT_MIN_INPUTS else MEDIUM,
            evidence=[
                Evidence(gettext("Beiträge mit Ort an dieser Stelle"), number(hotspot.inputs)),
                Evidence(
                    gettext("Regel"),
                    gettext("Häufung von mindestens %(count)s Punkten auf der Karte")
                    % {"count": HOTSPOT_MIN_INPUTS},
                ),
            ],
            contribution_ids=list(hotspot.contribution_ids),
        )


def programme_gaps(findings: Findings) -> Iterator[Proposal]:
    formats = set(findings.event_formats)
    for goal, rank in sorted(findings.goals, key=lambda item: item[1]):
        fitting = GOAL_FORMATS.get(goal, frozenset())
        if rank > TOP_GOAL_RANK or fitting & formats:
            continue
        names = ", ".join(str(choice.label) for choice in Event.Format if choice in fitting)
        yield Proposal(
            rule="programme_gap",
            key=f"programme_gap:{goal}",
            finding=gettext(
                "Das Ziel „%(goal)s“ steht auf Rang %(rank)s, aber keine Veranstaltung dient ihm."
            )
            % {"goal": Goal(goal).label, "rank": rank},
            action=gettext("Beim nächsten Einsatz passende Formate einplanen: %(formats)s.")
            % {"formats": names},
            addressee=gettext("Laborteam"),
            priority=HIGH if rank == 1 else MEDIUM,
            evidence=[
                Evidence(gettext("Rang im Zielprofil"), str(rank)),
                Evidence(gettext("Veranstaltungen mit passendem Format"), "0"),
            ],
        )


def own_share_high(findings: Findings) -> Iterator[Proposal]:
    share = findings.figures.own_share
    if share is None or share <= OWN_SHARE_WARNING:
        return
    yield Proposal(
        rule="own_share_high",
        key="own_share_high",
        finding=gettext(
            "%(share)s der Veranstaltungen hat das Laborteam selbst getragen; angestrebt ist "
            "etwa ein Viertel."
        )
        % {"share": percent(share)},
        action=gettext(
            "Mehr Programm an Partner:innen aus dem Kiez geben, am besten als Reihen, die über "
            "den Einsatz hinaus weiterlaufen."
        ),
        addressee=gettext("Laborteam und Partner:innen"),
        priority=LOW,
        evidence=[
            Evidence(gettext("Eigene Veranstaltungen"), number(findings.figures.own_events)),
            Evidence(gettext("Anteil eigener Veranstaltungen"), percent(share)),
        ],
    )


def thin_start(findings: Findings) -> Iterator[Proposal]:
    density = findings.figures.start_phase_density
    if density is None or density >= 1:
        return
    yield Proposal(
        rule="thin_start",
        key="thin_start",
        finding=gettext(
            "In den ersten zwei Wochen gab es weniger Veranstaltungen als in einer "
            "durchschnittlichen Woche."
        ),
        action=gettext(
            "Den Start dichter planen: in den ersten Wochen entscheidet sich, ob der Kiez das "
            "Labor kennenlernt."
        ),
        addressee=gettext("Laborteam"),
        priority=LOW,
        evidence=[
            Evidence(
                gettext("Veranstaltungen je Woche am Anfang"),
                number(findings.figures.start_phase_events_per_week),
            ),
            Evidence(
                gettext("Veranstaltungen je Woche im Mittel"),
                number(findings.figures.events_per_week),
            ),
        ],
    )


def many_cancellations(findings: Findings) -> Iterator[Proposal]:
    figures = findings.figures
    total = figures.events_held + figures.events_cancelled + figures.events_planned
    if figures.events_cancelled < CANCELLED_MIN_EVENTS or not total:
        return
    share = figures.events_cancelled / total
    if share < CANCELLED_SHARE:
        return
    yield Proposal(
        rule="many_cancellations",
        key="many_cancellations",
        finding=gettext("%(count)s von %(total)s Veranstaltungen fielen aus.")
        % {"count": figures.events_cancelled, "total": total},
        action=gettext(
            "Absprachen mit Partner:innen schriftlich festhalten und für Ausfälle ein "
            "Ersatzangebot des Teams bereithalten."
        ),
        addressee=gettext("Laborteam und Partner:innen"),
        priority=MEDIUM,
        evidence=[
            Evidence(gettext("Abgesagte Veranstaltungen"), number(figures.events_cancelled)),
            Evidence(gettext("Anteil"), percent(share)),
        ],
    )


RULES: tuple[Callable[[Findings], Iterator[Proposal]], ...] = (
    under_reached_age_groups,
    under_reached_newcomers,
    low_participation,
    large_topic_clusters,
    hotspots,
    programme_gaps,
    own_share_high,
    thin_start,
    many_cancellations,
)


def _share_of_group(band) -> str:
    """A band's share, unless fewer than MIN_GROUP_SIZE people are behind it (data protection)."""
    if band.count < MIN_GROUP_SIZE:
        return gettext("weniger als %(count)s Personen") % {"count": MIN_GROUP_SIZE}
    return percent(band.share)


def _department(findings: Findings) -> str:
    if findings.district:
        return gettext("Zuständiges Fachamt im Bezirk %(district)s") % {
            "district": findings.district
        }
    return gettext("Zuständiges Fachamt")
