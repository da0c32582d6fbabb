"""Topics: clusters of residents' free texts, with the keywords that explain each cluster.

Each language is analysed on its own; German is the main result, the others are kept apart in
``Topics.other_languages`` (nothing is translated, so words of different languages never mix).

Pipeline for one language with at least ``MIN_TEXTS_FOR_CLUSTERS`` texts:

1. Words (two or more letters/digits, hyphens inside allowed) are reduced to their base form
   with simplemma; German stop words (``stopwords_de.txt``: function words and the filler words
   of Kiez contributions such as „mehr“, „bitte“, „gibt“) are dropped, by word and by base form.
2. TF-IDF over the distinct texts (duplicates were folded by the selector): a word must occur in
   at least ``MIN_DF`` texts (a word used once cannot characterise a group), the vocabulary is
   capped at the ``MAX_FEATURES`` most frequent base forms, term frequencies are dampened
   logarithmically.
3. NMF (``init="nndsvd"``, ``random_state`` fixed) on the TF-IDF rows. Each text goes to the
   cluster with its largest NMF weight; texts without any remaining word are listed as
   unclustered. ``support`` (1 + folded duplicates) weights the counts and shares, not the
   factorisation: a duplicate adds no new words, and weighting the rows made the clusters
   chase single popular texts instead of themes (tried on the planted corpus of the tests).
   Texts with the same words (often the very same text) have equal rows; each set of equal rows
   is factorised once, scaled by the square root of its size – the same squared error, so the
   same factorisation, on a few hundred rows where 100,000 texts repeat the same phrases.
4. The number of clusters k is the most stable one from 2 to 8 (at most the number of different
   texts): the texts (at most ``STABILITY_SAMPLE`` of them, a fixed random sample) are
   clustered once with k clusters and again on ``SUBSAMPLES`` fixed random subsamples of 80 %;
   the agreement of each subsample's clusters with the first (adjusted Rand index,
   1 = identical, 0 = chance) is averaged. Real themes come out the same on every subsample; a
   split of one theme into arbitrary parts does not, and which themes get merged when k is too
   small tends to vary as well. Scores are rounded to two decimals; of equally stable counts the
   larger wins (the finer split that is just as reproducible). All scores are returned for
   checking. (The silhouette was tried first and rejected: on short texts it keeps rising with
   k and splits every theme.)

With fewer texts than ``MIN_TEXTS_FOR_CLUSTERS`` (or too few shared words) there are no clusters:
the approved texts are listed as they are. Everything is deterministic: rows are sorted by id,
seeds are fixed and reported weights are rounded.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, fields
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import simplemma
from django.utils.translation import gettext, ngettext
from simplemma.strategies.dictionaries.dictionary_factory import (
    SUPPORTED_LANGUAGES as LEMMATISED_LANGUAGES,
)

if TYPE_CHECKING:
    from scipy import sparse

GERMAN = "de"
MIN_TEXTS_FOR_CLUSTERS = 20
CLUSTER_COUNTS = range(2, 9)
TOP_KEYWORDS = 8
LABEL_KEYWORDS = 3
MIN_DF = 2
# Without a curated stop word list, words in more than half of the texts are dropped instead.
MAX_DF_WITHOUT_STOPWORDS = 0.5
MAX_FEATURES = 5000
RANDOM_STATE = 0
NMF_MAX_ITER = 400
STABILITY_SAMPLE = 1000
SUBSAMPLES = 5
SUBSAMPLE_FRACTION = 0.8
# Up to this many cells (8 MB of float64) a factorised matrix is handled dense.
DENSE_CELLS = 1_000_000
DECIMALS = 4

STOPWORDS_FILE = Path(__file__).with_name("stopwords_de.txt")
_WORD = re.compile(r"\w[\w-]*\w")
_LEMMA_CACHE_SIZE = 200_000
# simplemma's dictionaries as their packed byte string with a sparse index (about 15 MB for
# German) instead of unpacked into dicts (about 100 MB per language, 330 MB for the five of a
# typical deployment, kept for the worker's life): slower per look-up, which the cache of base
# forms (_term) makes rare. The base forms are the same.
LOW_MEMORY = True


@dataclass(frozen=True)
class Keyword:
    term: str
    weight: float


@dataclass(frozen=True)
class Quote:
    contribution_id: int
    text: str
    support: int


@dataclass(frozen=True)
class Cluster:
    label: str
    keywords: list[Keyword]
    inputs: int
    mentions: int
    share: float
    quote: Quote | None
    contribution_ids: list[int]


@dataclass(frozen=True)
class LanguageTopics:
    language: str
    inputs: int
    mentions: int
    clusters: list[Cluster]
    plain_list: list[Quote] | None
    unclustered_ids: list[int]
    cluster_count_scores: dict[str, float]
    note: str


@dataclass(frozen=True)
class Topics(LanguageTopics):
    """The German result (inherited fields) plus the other languages, kept apart."""

    other_languages: list[LanguageTopics]
    method: str
    definitions: dict[str, str]


def topics(contributions: pd.DataFrame) -> Topics:
    """Cluster the free texts of ``contributions`` (the analysis contract's table) by language.

    Uses the columns ``id``, ``text``, ``language``, ``approved`` and ``support``; rows with an
    empty text are ignored. Only approved texts are ever quoted.
    """
    texts = _free_texts(contributions)
    # iter(): dict() would take the GroupBy's ``keys`` attribute for a mapping's keys().
    groups = dict(iter(texts.groupby("language", sort=True)))
    german = _language_topics(groups.pop(GERMAN, texts.iloc[0:0]), GERMAN)
    others = [_language_topics(group, language) for language, group in groups.items()]
    return Topics(
        **{field.name: getattr(german, field.name) for field in fields(LanguageTopics)},
        other_languages=others,
        method=_method(german),
        definitions=_definitions(),
    )


def _free_texts(contributions: pd.DataFrame) -> pd.DataFrame:
    texts = contributions.loc[:, ["id", "text", "language", "approved", "support"]].copy()
    texts["text"] = texts["text"].fillna("").astype(str).str.strip()
    texts = texts[texts["text"] != ""]
    texts["language"] = texts["language"].fillna("").astype(str)
    texts["approved"] = texts["approved"].fillna(False).astype(bool)
    texts["support"] = texts["support"].fillna(1).astype(int).clip(lower=1)
    texts["id"] = texts["id"].astype(int)
    return texts.sort_values("id", kind="stable").reset_index(drop=True)


def _language_topics(texts: pd.DataFrame, language: str) -> LanguageTopics:
    if texts.empty:
        return _plain(texts, language, gettext("Keine Freitexte."))
    if len(texts) < MIN_TEXTS_FOR_CLUSTERS:
        note = ngettext(
            "Nur %(count)d Text – zu wenige für Themencluster (ab %(minimum)d Texten). "
            "Aufgeführt sind die freigegebenen Texte.",
            "Nur %(count)d Texte – zu wenige für Themencluster (ab %(minimum)d Texten). "
            "Aufgeführt sind die freigegebenen Texte.",
            len(texts),
        ) % {"count": len(texts), "minimum": MIN_TEXTS_FOR_CLUSTERS}
        return _plain(texts, language, note)
    result = _clusters(texts, language)
    if result is None:
        note = gettext(
            "Die Texte haben zu wenige gemeinsame Wörter für Themencluster. "
            "Aufgeführt sind die freigegebenen Texte."
        )
        return _plain(texts, language, note)
    return result


def _plain(texts: pd.DataFrame, language: str, note: str) -> LanguageTopics:
    approved = texts[texts["approved"]].sort_values(["support", "id"], ascending=[False, True])
    return LanguageTopics(
        language=language,
        inputs=len(texts),
        mentions=int(texts["support"].sum()),
        clusters=[],
        plain_list=[
            Quote(contribution_id=int(row.id), text=row.text, support=int(row.support))
            for row in approved.itertuples(index=False)
        ],
        unclustered_ids=[],
        cluster_count_scores={},
        note=note,
    )


def _clusters(texts: pd.DataFrame, language: str) -> LanguageTopics | None:
    distinct, codes, terms = _tfidf(texts["text"], language)
    if distinct is None:
        return None
    # Numbered by first appearance over all texts, as if computed on their rows directly.
    rows = pd.factorize(_identical_rows(distinct)[codes])[0]
    matrix = distinct[codes]
    with_words = np.flatnonzero(matrix.getnnz(axis=1) > 0)
    # More clusters than different texts cannot be told apart (and NNDSVD cannot start them).
    largest_k = min(max(CLUSTER_COUNTS), len(terms), len(np.unique(rows[with_words])))
    if largest_k < min(CLUSTER_COUNTS):
        return None
    # One BLAS thread: the many small factorisations run faster than with threads competing
    # for the cores, and the floating-point results do not depend on the machine's core count.
    # Our own finite TF-IDF rows and fixed parameters need no re-checking on each of the 42
    # fits per language, where the checks cost about as much as the small fits themselves.
    from sklearn import config_context  # loaded only where texts are analysed
    from threadpoolctl import threadpool_limits

    with (
        threadpool_limits(limits=1),
        config_context(assume_finite=True, skip_parameter_validation=True),
    ):
        counts = range(min(CLUSTER_COUNTS), largest_k + 1)
        sample = _sample(with_words)
        scores = _stability(matrix[sample], rows[sample], counts)
        if not scores:
            return None
        best = max(scores, key=lambda k: (scores[k], k))
        memberships, components = _nmf(_DistinctRows.of(matrix, rows), best)
    return _language_result(texts, language, memberships, components, terms, scores)


def _tfidf(
    texts: pd.Series, language: str
) -> tuple[sparse.csr_matrix | None, np.ndarray, np.ndarray]:
    """TF-IDF rows of the distinct texts, the distinct text of each text, and the words.

    The numbers are those of ``TfidfVectorizer`` over all texts (same counts, same pruning, same
    weights), but each distinct text is split and counted once: residents often send the very
    same phrase, and counting word by word in Python was most of the time on 100,000 texts.
    """
    # scikit-learn and SciPy load only where texts are analysed, not in every web process.
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    codes, distinct = pd.factorize(texts)
    counter = CountVectorizer(
        tokenizer=partial(_terms, language=language),
        lowercase=False,
        token_pattern=None,
        dtype=np.float64,
    )
    try:
        distinct_counts = sparse.csr_matrix(counter.fit_transform(distinct))
    except ValueError:
        # scikit-learn's way of saying that no text has any word left.
        return None, codes, np.array([])
    kept = _kept_terms(distinct_counts[codes], language)
    if kept.size == 0:
        return None, codes, np.array([])
    distinct_counts = distinct_counts[:, kept]
    weighting = TfidfTransformer(sublinear_tf=True).fit(distinct_counts[codes])
    matrix = sparse.csr_matrix(weighting.transform(distinct_counts))
    return matrix, codes, counter.get_feature_names_out()[kept]


def _kept_terms(counts: sparse.csr_matrix, language: str) -> np.ndarray:
    """The columns ``TfidfVectorizer`` keeps: words in at least ``MIN_DF`` texts (and, without
    stop words, in at most ``MAX_DF_WITHOUT_STOPWORDS`` of them); of those at most
    ``MAX_FEATURES``, the most frequent, ties broken as scikit-learn breaks them."""
    in_texts = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = in_texts >= MIN_DF
    if not _stopwords(language):
        keep &= in_texts <= MAX_DF_WITHOUT_STOPWORDS * counts.shape[0]
    if keep.sum() > MAX_FEATURES:
        frequencies = np.asarray(counts.sum(axis=0)).ravel()
        candidates = np.flatnonzero(keep)
        keep = np.zeros_like(keep)
        keep[candidates[(-frequencies[candidates]).argsort()[:MAX_FEATURES]]] = True
    return np.flatnonzero(keep)


def _identical_rows(matrix: sparse.csr_matrix) -> np.ndarray:
    """A number per row, equal for equal rows (texts with the same words, e.g. the same text)."""
    matrix.sum_duplicates()  # sorted, unique column indices: equal rows have equal bytes
    bounds = zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)
    keys = [
        matrix.indices[start:end].tobytes() + matrix.data[start:end].tobytes()
        for start, end in bounds
    ]
    return pd.factorize(pd.Series(keys, dtype=object))[0]


@dataclass(frozen=True)
class _DistinctRows:
    """The different rows of a matrix (equal rows: same number in ``rows``), each scaled by the
    square root of how often it occurs, ready to be factorised with any number of clusters."""

    scaled: sparse.csr_matrix | np.ndarray
    scale: np.ndarray
    inverse: np.ndarray

    @classmethod
    def of(cls, matrix: sparse.csr_matrix, rows: np.ndarray) -> _DistinctRows:
        from scipy import sparse  # loaded only where texts are analysed

        _codes, first, inverse, repeats = np.unique(
            rows, return_index=True, return_inverse=True, return_counts=True
        )
        scale = np.sqrt(repeats)
        scaled = _small_dense(sparse.diags(scale) @ matrix[first])
        return cls(scaled=scaled, scale=scale, inverse=inverse.reshape(-1))


def _nmf(rows: _DistinctRows, k: int) -> tuple[np.ndarray, np.ndarray]:
    """NMF of a matrix with equal rows factorised once.

    n equal rows weigh in the squared error like one row scaled by the square root of n, whose
    NMF weights are those of the single row scaled alike: the same factorisation, computed on
    the different rows only (a few hundred for 100 000 texts written from the same phrases).
    """
    from sklearn.decomposition import NMF  # loaded only where texts are analysed
    from sklearn.exceptions import ConvergenceWarning

    model = NMF(n_components=k, init="nndsvd", random_state=RANDOM_STATE, max_iter=NMF_MAX_ITER)
    # The iteration cap bounds the run time; a factorisation stopped there is still
    # deterministic and its clusters usable. When the fit is exact, scikit-learn takes the
    # square root of a reconstruction error that rounding made slightly negative; unused here.
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        memberships = model.fit_transform(rows.scaled)
    return (memberships / rows.scale[:, np.newaxis])[rows.inverse], model.components_


def _small_dense(matrix: sparse.csr_matrix) -> sparse.csr_matrix | np.ndarray:
    """A small matrix as a dense array: each of the solver's up to NMF_MAX_ITER steps then
    costs microseconds instead of the overhead of SciPy's sparse operations."""
    if matrix.shape[0] * matrix.shape[1] > DENSE_CELLS:
        return matrix
    return matrix.toarray()


def _sample(rows: np.ndarray) -> np.ndarray:
    if len(rows) <= STABILITY_SAMPLE:
        return rows
    rng = np.random.default_rng(RANDOM_STATE)
    return np.sort(rng.choice(rows, size=STABILITY_SAMPLE, replace=False))


def _stability(matrix: sparse.csr_matrix, rows: np.ndarray, counts: range) -> dict[int, float]:
    rng = np.random.default_rng(RANDOM_STATE)
    size = int(SUBSAMPLE_FRACTION * matrix.shape[0])
    subsamples = [
        np.sort(rng.choice(matrix.shape[0], size=size, replace=False)) for _ in range(SUBSAMPLES)
    ]
    # The same samples for every number of clusters: their different rows are found once.
    sample = _DistinctRows.of(matrix, rows)
    parts = [
        (subsample, _DistinctRows.of(matrix[subsample], rows[subsample]))
        for subsample in subsamples
    ]
    # Every fit needs at least k different rows (NNDSVD starts from k singular vectors).
    fewest = min(part.scale.size for _subsample, part in parts)
    scores = {}
    for k in (k for k in counts if k <= fewest):
        reference = _nmf(sample, k)[0].argmax(axis=1)
        agreement = [
            _adjusted_rand_index(reference[subsample], _nmf(part, k)[0].argmax(axis=1))
            for subsample, part in parts
        ]
        scores[k] = round(float(np.mean(agreement)), 2)
    return scores


def _adjusted_rand_index(first: np.ndarray, second: np.ndarray) -> float:
    """scikit-learn's ``adjusted_rand_score`` of two clusterings numbered 0, 1, …: the same
    exact pair counts and formula, without the input checks and sparse contingency table that
    took longer than the small factorisations compared (35 comparisons per language)."""
    size = int(max(first.max(), second.max())) + 1
    table = np.bincount(first.astype(np.int64) * size + second, minlength=size * size)
    table = table.reshape(size, size)
    # Pairs of texts: in one cluster in both clusterings, only in the first, only in the
    # second, in neither.
    squares = int((table**2).sum())
    both = squares - first.size
    first_only = int((table.T @ table.sum(axis=1)).sum()) - squares
    second_only = int((table @ table.sum(axis=0)).sum()) - squares
    neither = first.size**2 - first_only - second_only - squares
    if first_only == 0 and second_only == 0:
        return 1.0
    return (
        2.0
        * (both * neither - first_only * second_only)
        / (
            (both + first_only) * (first_only + neither)
            + (both + second_only) * (second_only + neither)
        )
    )


def _language_result(
    texts: pd.DataFrame,
    language: str,
    memberships: np.ndarray,
    components: np.ndarray,
    terms: np.ndarray,
    scores: dict[int, float],
) -> LanguageTopics:
    strongest = memberships.max(axis=1)
    labels = np.where(strongest > 0, memberships.argmax(axis=1), -1)
    total_mentions = int(texts["support"].sum())
    clusters = [
        _cluster(texts, labels == number, memberships[:, number], components[number], terms)
        for number in range(components.shape[0])
        if (labels == number).any()
    ]
    clusters.sort(key=lambda cluster: (-cluster.mentions, -cluster.inputs, cluster.label))
    return LanguageTopics(
        language=language,
        inputs=len(texts),
        mentions=total_mentions,
        clusters=clusters,
        plain_list=None,
        unclustered_ids=texts.loc[labels == -1, "id"].astype(int).tolist(),
        cluster_count_scores={str(k): score for k, score in sorted(scores.items())},
        note="",
    )


def _cluster(
    texts: pd.DataFrame,
    members: np.ndarray,
    weights: np.ndarray,
    component: np.ndarray,
    terms: np.ndarray,
) -> Cluster:
    keywords = _keywords(component, terms)
    mentions = int(texts.loc[members, "support"].sum())
    return Cluster(
        label=", ".join(keyword.term for keyword in keywords[:LABEL_KEYWORDS]),
        keywords=keywords,
        inputs=int(members.sum()),
        mentions=mentions,
        share=round(mentions / int(texts["support"].sum()), DECIMALS),
        quote=_quote(texts, members, weights),
        contribution_ids=texts.loc[members, "id"].astype(int).tolist(),
    )


def _keywords(component: np.ndarray, terms: np.ndarray) -> list[Keyword]:
    total = component.sum()
    # Highest weight first; equal weights in alphabetical order.
    order = np.lexsort((terms, -component))[:TOP_KEYWORDS]
    return [
        Keyword(term=str(terms[index]), weight=round(float(component[index] / total), DECIMALS))
        for index in order
        if component[index] > 0
    ]


def _quote(texts: pd.DataFrame, members: np.ndarray, weights: np.ndarray) -> Quote | None:
    candidates = np.flatnonzero(members & texts["approved"].to_numpy())
    if candidates.size == 0:
        return None
    # argmax takes the first of equal weights: rows are sorted by id, so the oldest id wins.
    row = texts.iloc[candidates[np.argmax(weights[candidates])]]
    return Quote(contribution_id=int(row["id"]), text=row["text"], support=int(row["support"]))


def _terms(text: str, *, language: str) -> list[str]:
    return [term for word in _WORD.findall(text) if (term := _term(word, language)) is not None]


@lru_cache(maxsize=_LEMMA_CACHE_SIZE)
def _term(word: str, language: str) -> str | None:
    if not any(character.isalpha() for character in word):
        return None
    stopwords = _stopwords(language)
    if word.lower() in stopwords:
        return None
    lemma = _lemma(word, language)
    if len(lemma) < 2 or lemma.lower() in stopwords:
        return None
    return lemma


def _lemma(word: str, language: str) -> str:
    if language != GERMAN:
        lowered = word.lower()
        if language in LEMMATISED_LANGUAGES:
            return simplemma.lemmatize(lowered, lang=language, low_memory=LOW_MEMORY)
        return lowered
    # German nouns keep their capital letter, so the case of a word is kept as written; only
    # words written in capitals throughout (not abbreviations) are read like a capitalised word.
    if word.isupper() and len(word) > 4:
        word = word.capitalize()
    return simplemma.lemmatize(word, lang=GERMAN, low_memory=LOW_MEMORY)


@cache
def _stopwords(language: str) -> frozenset[str]:
    if language == GERMAN:
        lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
        return frozenset(
            word for line in lines if (word := line.strip().lower()) and not word.startswith("#")
        )
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # see _tfidf

        return frozenset(ENGLISH_STOP_WORDS)
    return frozenset()


def _method(german: LanguageTopics) -> str:
    chosen = (
        gettext("gewählt: %(count)d Cluster") % {"count": len(german.clusters)}
        if german.clusters
        else gettext("keine Cluster")
    )
    return gettext(
        "Grundformen mit simplemma, deutsche Füllwortliste (%(stopwords)d Wörter); TF-IDF "
        "(Wort in mindestens %(min_df)d Texten, höchstens %(max_features)d Wörter, "
        "logarithmische Häufigkeit); NMF (init=nndsvd, random_state=%(seed)d); Clusterzahl "
        "%(low)d–%(high)d nach der größten Stabilität "
        "(Übereinstimmung mit %(subsamples)d Teilstichproben, bis %(sample)d Texte), "
        "%(chosen)s. Ab %(minimum)d Texten je Sprache; jede Sprache für sich."
    ) % {
        "stopwords": len(_stopwords(GERMAN)),
        "min_df": MIN_DF,
        "max_features": MAX_FEATURES,
        "seed": RANDOM_STATE,
        "low": min(CLUSTER_COUNTS),
        "high": max(CLUSTER_COUNTS),
        "subsamples": SUBSAMPLES,
        "sample": STABILITY_SAMPLE,
        "chosen": chosen,
        "minimum": MIN_TEXTS_FOR_CLUSTERS,
    }


def _definitions() -> dict[str, str]:
    return {
        "inputs": gettext(
            "Texte: Beiträge mit Freitext in der jeweiligen Sprache; Doppelte zählen einmal."
        ),
        "mentions": gettext(
            "Nennungen: Texte einschließlich der mit ihnen zusammengeführten Doppelten."
        ),
        "clusters": gettext(
            "Themencluster: Gruppen von Texten mit ähnlichem Wortschatz, rechnerisch gebildet "
            "(NMF); jeder Text gehört zu dem Cluster, zu dem er am stärksten passt."
        ),
        "keywords": gettext(
            "Stichwörter: die %(count)d Grundformen mit dem größten Gewicht im Cluster; das "
            "Gewicht ist ihr Anteil am Gesamtgewicht aller Wörter des Clusters. Die Bezeichnung "
            "eines Clusters sind seine ersten drei Stichwörter."
        )
        % {"count": TOP_KEYWORDS},
        "share": gettext(
            "Anteil: Nennungen des Clusters geteilt durch alle Nennungen mit Freitext in "
            "derselben Sprache (auch die ohne Stichwort)."
        ),
        "quote": gettext(
            "Zitat: der freigegebene Text, der am stärksten zum Cluster passt; nicht "
            "freigegebene Texte werden nie zitiert."
        ),
        "unclustered": gettext(
            "Ohne Stichwort: Texte, die nach Entfernen der Füllwörter kein Wort enthalten, das "
            "in mindestens %(min_df)d Texten vorkommt."
        )
        % {"min_df": MIN_DF},
        "cluster_count_scores": gettext(
            "Stabilität je Clusterzahl: wie gleich die Cluster ausfallen, wenn nur 80 %% der "
            "Texte ausgewertet werden (bereinigter Rand-Index, gemittelt über %(subsamples)d "
            "Teilstichproben; 1 = gleich, 0 = zufällig). Gewählt wird die stabilste Clusterzahl, "
            "bei Gleichstand die größere."
        )
        % {"subsamples": SUBSAMPLES},
        "plain_list": gettext(
            "Liste: Bei weniger als %(minimum)d Texten einer Sprache werden keine Cluster "
            "gebildet, sondern die freigegebenen Texte aufgeführt (meistgenannte zuerst)."
        )
        % {"minimum": MIN_TEXTS_FOR_CLUSTERS},
        "other_languages": gettext(
            "Andere Sprachen: Texte in anderen Sprachen als Deutsch werden getrennt und "
            "unübersetzt ausgewertet, nach denselben Regeln."
        ),
    }
