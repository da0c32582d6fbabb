"""Who was reached: the participants' ages against the residents of the site's forecast area.

Three separate views of age, never mixed: what participants said about themselves, what the team
estimated in conversations (``demographics_estimated``), and the team's visitor counts by age
band. Each is compared with the population of the site's forecast area (Prognoseraum) in the
age bands of Berlin's population register (``deployments.models.AgeBand``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext, ngettext

from deployments.models import AgeBand
from participation.models import Relation
from participation.models.records import VisitorCount

AGE_BANDS: tuple[str, ...] = tuple(AgeBand.values)

# The usual conditions for the chi-square approximation: every expected count at least 5, and
# at least 30 answers overall. Below that the p-value is shown but claims nothing.
MIN_EXPECTED_COUNT = 5
MIN_SAMPLE = 30

# A band is under-reached when it has less than half the share it has among residents, it is
# big enough among residents (5 %) that missing it matters, and at least MIN_EXPECTED_COUNT of
# its people were to be expected among those reached: with one answer, every other band would
# otherwise count as under-reached by chance.
UNDER_REACHED_RATIO = 0.5
UNDER_REACHED_MIN_EXPECTED_SHARE = 0.05
SIGNIFICANCE_LEVEL = 0.05

RESIDENT_RELATIONS = (Relation.LIVES_HERE, Relation.NEWCOMER)


@dataclass(frozen=True)
class BandShare:
    """One age band: how many were reached, their share, and the share among residents."""

    band: str
    label: str
    count: int
    share: float | None
    expected_share: float | None
    ratio: float | None
    under_reached: bool


@dataclass(frozen=True)
class GoodnessOfFit:
    """Chi-square goodness-of-fit test of the age distribution against the residents'.

    ``significant`` is None when the test is not reliable (``caveat`` says why) or could not be
    run; only a reliable test claims a difference (True) or none (False).
    """

    statistic: float | None
    p_value: float | None
    degrees_of_freedom: int | None
    reliable: bool
    significant: bool | None
    caveat: str


@dataclass(frozen=True)
class AgeComparison:
    """One view of ages (participants, estimated, visitors) against the residents."""

    n: int
    bands: list[BandShare]
    under_reached: list[str]
    test: GoodnessOfFit


@dataclass(frozen=True)
class NewcomerShare:
    """How many of those who said how they relate to the Kiez moved in less than two years ago."""

    answered: int
    newcomers: int
    share: float | None
    residents_answered: int
    share_of_residents: float | None
    expected_share: float | None
    ratio: float | None
    under_reached: bool | None


@dataclass(frozen=True)
class Representativeness:
    """Who was reached compared with who lives around the site; see ``definitions``."""

    population_total: int
    participants: AgeComparison
    participants_estimated: AgeComparison
    visitors: AgeComparison
    newcomers: NewcomerShare
    newcomers_estimated: NewcomerShare
    definitions: dict[str, str]


def deployment_representativeness(
    *,
    contributions: pd.DataFrame,
    visitor_counts: pd.DataFrame,
    population: Mapping[str, int],
    expected_newcomer_share: float | None = None,
) -> Representativeness:
    """Compare participants and visitors with the residents of the site's forecast area.

    ``population`` maps age bands to residents (``Area.population_by_age``);
    ``expected_newcomer_share`` is the share of residents who moved in less than two years ago,
    if known: without it the newcomer share is reported but not compared.
    """
    estimated = contributions["demographics_estimated"].fillna(False).astype(bool)
    said = contributions[~estimated]
    guessed = contributions[estimated]
    manual = visitor_counts[visitor_counts["source"].eq(VisitorCount.Source.MANUAL)]
    visitors_by_band = pd.to_numeric(manual["count"]).groupby(manual["age_band"]).sum()
    return Representativeness(
        population_total=sum(int(population.get(band, 0)) for band in AGE_BANDS),
        participants=age_comparison(said["age_band"].value_counts(), population),
        participants_estimated=age_comparison(guessed["age_band"].value_counts(), population),
        visitors=age_comparison(visitors_by_band, population),
        newcomers=newcomer_share(said["relation"], expected_share=expected_newcomer_share),
        newcomers_estimated=newcomer_share(
            guessed["relation"], expected_share=expected_newcomer_share
        ),
        definitions=representativeness_definitions(),
    )


def expected_shares(
    population: Mapping[str, int], bands: Sequence[str] = AGE_BANDS
) -> dict[str, float | None]:
    """Each band's share of the residents; None for all bands when no residents are known."""
    residents = pd.Series({band: int(population.get(band, 0)) for band in bands}, dtype="int64")
    total = int(residents.sum())
    return {band: (int(count) / total if total else None) for band, count in residents.items()}


def age_comparison(
    counts: Mapping[str, int] | pd.Series,
    population: Mapping[str, int],
    bands: Sequence[str] = AGE_BANDS,
) -> AgeComparison:
    """Compare counts per age band with the residents; bands outside ``bands`` are ignored."""
    observed = pd.Series(counts, dtype="int64").reindex(list(bands), fill_value=0)
    n = int(observed.sum())
    expected = expected_shares(population, bands)
    rows = [_band_share(band, int(observed[band]), n, expected[band]) for band in bands]
    return AgeComparison(
        n=n,
        bands=rows,
        under_reached=[row.band for row in rows if row.under_reached],
        test=goodness_of_fit([row.count for row in rows], [row.expected_share for row in rows]),
    )


def goodness_of_fit(
    observed: Sequence[int], expected_shares: Sequence[float | None]
) -> GoodnessOfFit:
    """Chi-square test of observed counts against expected shares, with a small-sample caveat.

    Bands nobody lives in are left out if nobody was reached in them either; if someone was,
    the test cannot be run.
    """
    n = sum(observed)
    if n == 0:
        return _no_test(gettext("Keine Angaben: kein Test möglich."))
    if any(share is None for share in expected_shares):
        return _no_test(gettext("Keine Einwohnerzahlen für das Gebiet: kein Test möglich."))
    pairs = [(count, share) for count, share in zip(observed, expected_shares, strict=True)]
    if any(count and not share for count, share in pairs):
        return _no_test(
            gettext("Angaben in einer Altersgruppe, die im Gebiet niemand hat: kein Test möglich.")
        )
    pairs = [(count, share) for count, share in pairs if share]
    if len(pairs) < 2:
        return _no_test(gettext("Weniger als zwei Altersgruppen: kein Test möglich."))
    f_obs = [count for count, _share in pairs]
    f_exp = [n * share for _count, share in pairs]
    from scipy.stats import chisquare  # SciPy loads only where reports are analysed

    result = chisquare(f_obs, f_exp)
    reasons = []
    if n < MIN_SAMPLE:
        reasons.append(
            ngettext(
                "nur %(n)s Angabe (mindestens %(min)s nötig)",
                "nur %(n)s Angaben (mindestens %(min)s nötig)",
                n,
            )
            % {"n": n, "min": MIN_SAMPLE}
        )
    if min(f_exp) < MIN_EXPECTED_COUNT:
        reasons.append(
            gettext("in mindestens einer Altersgruppe weniger als %(min)s erwartete Angaben")
            % {"min": MIN_EXPECTED_COUNT}
        )
    p_value = float(result.pvalue)
    caveat = ""
    if reasons:
        caveat = gettext(
            "Der Test ist nicht belastbar: %(reasons)s. Ein Unterschied zur Bevölkerung lässt "
            "sich damit weder belegen noch ausschließen."
        ) % {"reasons": "; ".join(reasons)}
    return GoodnessOfFit(
        statistic=float(result.statistic),
        p_value=p_value,
        degrees_of_freedom=len(pairs) - 1,
        reliable=not reasons,
        significant=None if reasons else p_value < SIGNIFICANCE_LEVEL,
        caveat=caveat,
    )


def newcomer_share(relations: pd.Series, *, expected_share: float | None = None) -> NewcomerShare:
    """The newcomers among those who answered how they relate to the Kiez.

    ``share`` is taken over everyone who answered; the comparison with ``expected_share`` (a
    share of residents) uses ``share_of_residents``, over those who live here, newcomers
    included, since people who work here or visit are not residents.
    """
    answered = int(relations.fillna("").ne("").sum())
    newcomers = int(relations.eq(Relation.NEWCOMER).sum())
    residents = int(relations.isin(RESIDENT_RELATIONS).sum())
    share_of_residents = newcomers / residents if residents else None
    ratio = (
        share_of_residents / expected_share
        if share_of_residents is not None and expected_share
        else None
    )
    return NewcomerShare(
        answered=answered,
        newcomers=newcomers,
        share=newcomers / answered if answered else None,
        residents_answered=residents,
        share_of_residents=share_of_residents,
        expected_share=expected_share,
        ratio=ratio,
        under_reached=(
            None if ratio is None else _is_under_reached(ratio, expected_share, residents)
        ),
    )


def representativeness_definitions() -> dict[str, str]:
    """What each part of the comparison counts, in German."""
    return {
        "participants": gettext(
            "Teilnehmende nach Alter: Beiträge, bei denen die Person ihre Altersgruppe selbst "
            "angegeben hat; ohne Angabe zählen sie nicht. Wer mehrere Beiträge abgibt, zählt "
            "mehrfach (die Beiträge sind anonym). Vom Team geschätzte Angaben zählen hier nicht."
        ),
        "participants_estimated": gettext(
            "Vom Team geschätzt: Beiträge (meist Gesprächsnotizen), bei denen das Team Alter "
            "und Bezug eingeschätzt hat; getrennt ausgewiesen und nicht mit den eigenen "
            "Angaben zusammengezählt."
        ),
        "visitors": gettext(
            "Besucher:innen nach Alter: Handzählungen mit Altersgruppe, summiert je Gruppe; die "
            "Lichtschranke kennt kein Alter und zählt hier nicht."
        ),
        "expected_share": gettext(
            "Erwarteter Anteil: Anteil der Altersgruppe an den gemeldeten Einwohner:innen des "
            "Prognoseraums, in dem der Standort liegt (Einwohnerregister, Amt für Statistik "
            "Berlin-Brandenburg)."
        ),
        "ratio": gettext(
            "Verhältnis: Anteil unter den Erreichten geteilt durch den erwarteten Anteil; 1 "
            "heißt so oft erreicht wie im Gebiet vertreten, 0,5 halb so oft."
        ),
        "under_reached": gettext(
            "Unterrepräsentiert: Verhältnis unter %(ratio)s bei einer Altersgruppe, die "
            "mindestens %(share)s %% der Einwohner:innen ausmacht und von der bei der Zahl der "
            "Angaben mindestens %(count)s Personen zu erwarten waren (sonst kann das Fehlen "
            "Zufall sein)."
        )
        % {
            "ratio": str(UNDER_REACHED_RATIO).replace(".", ","),
            "share": round(UNDER_REACHED_MIN_EXPECTED_SHARE * 100),
            "count": MIN_EXPECTED_COUNT,
        },
        "test": gettext(
            "Chi-Quadrat-Anpassungstest der Altersverteilung gegen die der Einwohner:innen; "
            "signifikant bei p < %(alpha)s. Nicht belastbar (und ohne Aussage) bei weniger als "
            "%(n)s Angaben oder wenn in einer Altersgruppe weniger als %(count)s Angaben zu "
            "erwarten sind."
        )
        % {
            "alpha": str(SIGNIFICANCE_LEVEL).replace(".", ","),
            "n": MIN_SAMPLE,
            "count": MIN_EXPECTED_COUNT,
        },
        "newcomers": gettext(
            "Neu Zugezogene (vor weniger als zwei Jahren hergezogen): Anteil an allen, die ihren "
            "Bezug zum Kiez selbst angegeben haben; verglichen wird der Anteil unter den "
            "Bewohner:innen (wohnt hier oder neu zugezogen) mit dem erwarteten Anteil, wenn "
            "einer bekannt ist, nach derselben Regel für „unterrepräsentiert“."
        ),
        "newcomers_estimated": gettext(
            "Neu Zugezogene nach Einschätzung des Teams, getrennt ausgewiesen."
        ),
    }


def _band_share(band: str, count: int, n: int, expected: float | None) -> BandShare:
    share = count / n if n else None
    ratio = share / expected if share is not None and expected else None
    return BandShare(
        band=band,
        label=str(AgeBand(band).label),
        count=count,
        share=share,
        expected_share=expected,
        ratio=ratio,
        under_reached=bool(ratio is not None and _is_under_reached(ratio, expected, n)),
    )


def _is_under_reached(ratio: float, expected_share: float | None, n: int) -> bool:
    return (
        expected_share is not None
        and expected_share >= UNDER_REACHED_MIN_EXPECTED_SHARE
        and n * expected_share >= MIN_EXPECTED_COUNT
        and ratio < UNDER_REACHED_RATIO
    )


def _no_test(caveat: str) -> GoodnessOfFit:
    return GoodnessOfFit(
        statistic=None,
        p_value=None,
        degrees_of_freedom=None,
        reliable=False,
        significant=None,
        caveat=caveat,
    )
