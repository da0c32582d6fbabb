import json
import random
from collections import Counter
from dataclasses import asdict
from functools import partial

import numpy as np
import pandas as pd
import pytest

from analysis.topics import MIN_TEXTS_FOR_CLUSTERS, TOP_KEYWORDS, topics

pytestmark = pytest.mark.smoke

THEMES = {
    "traffic": {
        "subjects": [
            "Die Kreuzung an der Sonnenallee",
            "Der Radweg in der Weserstraße",
            "Die Ampel am Hermannplatz",
            "Der Schulweg über die Karl-Marx-Straße",
            "Der Zebrastreifen vor der Grundschule",
            "Die Busspur in der Hauptstraße",
            "Die Einmündung an der Pannierstraße",
            "Die Fahrbahn vor dem Supermarkt",
        ],
        "problems": [
            "ist für Radfahrer gefährlich",
            "ist zu eng für Fahrräder und Autos",
            "wird ständig von Autos zugeparkt",
            "hat eine viel zu kurze Grünphase für Fußgänger",
            "ist abends dunkel und die Autos rasen",
            "ist im Berufsverkehr völlig verstopft",
            "wird von Lieferwagen blockiert",
            "ist für Kinder auf dem Fahrrad unsicher",
        ],
        "wishes": [
            "Tempo 30",
            "sichere Radwege",
            "weniger Durchgangsverkehr",
            "Poller gegen Falschparker",
            "eine Fahrradstraße",
            "Blitzer gegen Raser",
            "einen Zebrastreifen",
            "eine längere Ampelphase",
            "breitere Gehwege für Fußgänger",
        ],
    },
    "green": {
        "subjects": [
            "Der Park am Kanal",
            "Die Baumscheiben in unserer Straße",
            "Der Innenhof hinter dem Haus",
            "Die Grünfläche am Reuterplatz",
            "Das Ufer am Landwehrkanal",
            "Die Wiese neben der Kirche",
            "Der kleine Park an der Ecke",
            "Die Beete am Platz",
        ],
        "problems": [
            "ist völlig vermüllt",
            "hat im Sommer keinen Schatten",
            "vertrocknet jeden Sommer",
            "hat kaum Bänke und Bäume",
            "ist nur Beton und Asphalt",
            "wird nicht gepflegt",
            "hat zu wenig Blumen und Sträucher",
            "ist voller Hundekot und Müll",
        ],
        "wishes": [
            "mehr Bäume",
            "Blumenbeete",
            "Urban Gardening",
            "Hochbeete für die Nachbarschaft",
            "eine Wiese statt Beton",
            "Mülleimer und Bänke im Grünen",
            "schattige Bäume",
            "Sträucher und Blumenwiesen für Bienen",
            "Patenschaften für Baumscheiben",
        ],
    },
    "youth": {
        "subjects": [
            "Die Jugendlichen im Kiez",
            "Teenager aus der Nachbarschaft",
            "Der Jugendclub",
            "Junge Leute zwischen 14 und 18",
            "Die Kids ab zwölf",
            "Schüler nach der Schule",
            "Die Jugendlichen aus dem Block",
            "Meine Tochter und ihre Freundinnen",
        ],
        "problems": [
            "haben keinen Treffpunkt",
            "werden überall weggeschickt",
            "langweilen sich abends",
            "finden nach der Schule keinen Ort für sich",
            "haben kein Jugendzentrum in der Nähe",
            "hängen am Späti herum, weil es nichts gibt",
            "wünschen sich einen eigenen Raum",
            "haben keine Sportangebote",
        ],
        "wishes": [
            "ein Jugendzentrum mit längeren Öffnungszeiten",
            "einen Bolzplatz",
            "eine Skateanlage",
            "Sportangebote für Jugendliche",
            "einen Proberaum für Musik",
            "Streetworker",
            "einen Treffpunkt für Jugendliche",
            "ein Jugendcafé",
            "Basketballkörbe für Teenager",
        ],
    },
}

TEMPLATES = [
    "{subject} {problem}.",
    "{subject} {problem}. Wir wünschen uns {wish}.",
    "Bitte {wish}! {subject} {problem}.",
    "Ich fände {wish} gut, denn {subject_lower} {problem}.",
    "{wish_cap} wäre toll. {subject} {problem}.",
    "Es sollte {wish} geben, {subject_lower} {problem}.",
    "{subject} {problem} – dringend {wish}!",
]


def planted_corpus(*, per_theme: int = 30, seed: int = 7) -> pd.DataFrame:
    """Distinct German texts on three themes, combined at random from everyday phrasings."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    rows = []
    for theme, words in THEMES.items():
        texts: set[str] = set()
        while len(texts) < per_theme:
            subject, wish = rng.choice(words["subjects"]), rng.choice(words["wishes"])
            text = rng.choice(TEMPLATES).format(
                subject=subject,
                subject_lower=subject[0].lower() + subject[1:],
                problem=rng.choice(words["problems"]),
                wish=wish,
                wish_cap=wish[0].upper() + wish[1:],
            )
            if text in texts:
                continue
            texts.add(text)
            rows.append(
                row(
                    len(rows) + 1,
                    text,
                    approved=rng.random() < 0.7,
                    support=rng.choice([1, 1, 1, 2, 3]),
                    planted=theme,
                )
            )
    return pd.DataFrame(rows)


def row(id_, text, *, language="de", approved=True, support=1, planted=None):
    return {
        "id": id_,
        "kind": "idea",
        "text": text,
        "language": language,
        "theme": None,
        "approved": approved,
        "support": support,
        "planted": planted,
    }


def dominant_clusters(result, corpus):
    """For each planted theme: the cluster holding most of its texts and that share."""
    cluster_of = {
        id_: index
        for index, cluster in enumerate(result.clusters)
        for id_ in cluster.contribution_ids
    }
    found = {}
    for theme, ids in corpus.groupby("planted")["id"]:
        counts = Counter(cluster_of.get(id_) for id_ in ids)
        cluster, count = counts.most_common(1)[0]
        found[theme] = (cluster, count / len(ids))
    return found


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_each_planted_theme_lands_mostly_in_its_own_cluster(seed):
    corpus = planted_corpus(seed=seed)

    result = topics(corpus)

    found = dominant_clusters(result, corpus)
    assert all(share >= 0.8 for _cluster, share in found.values()), found
    assert len({cluster for cluster, _share in found.values()}) == 3, found


def test_clusters_explain_themselves_with_keywords():
    corpus = planted_corpus()

    result = topics(corpus)

    labels = " ".join(cluster.label for cluster in result.clusters)
    for word in ("Auto", "Baum", "Jugendliche"):
        assert word in labels
    for cluster in result.clusters:
        assert len(cluster.keywords) == TOP_KEYWORDS
        weights = [keyword.weight for keyword in cluster.keywords]
        assert weights == sorted(weights, reverse=True)
        assert cluster.label == ", ".join(keyword.term for keyword in cluster.keywords[:3])
    assert result.method
    assert {"share", "keywords", "quote", "cluster_count_scores"} <= set(result.definitions)


def test_filler_words_never_become_keywords():
    result = topics(planted_corpus())

    terms = {keyword.term.lower() for cluster in result.clusters for keyword in cluster.keywords}
    assert not terms & {"mehr", "bitte", "geben", "gibt", "sollen", "sollte", "sein", "wäre"}


def test_same_input_gives_the_same_output():
    corpus = planted_corpus()

    first = topics(corpus)
    second = topics(corpus)
    shuffled = topics(corpus.sample(frac=1, random_state=3))

    assert first == second == shuffled
    assert json.dumps(asdict(first)) == json.dumps(asdict(second))


def test_shares_count_folded_duplicates():
    corpus = planted_corpus()

    result = topics(corpus)

    support = dict(zip(corpus["id"], corpus["support"], strict=True))
    assert result.mentions == corpus["support"].sum()
    assert result.inputs == len(corpus)
    for cluster in result.clusters:
        assert cluster.inputs == len(cluster.contribution_ids)
        assert cluster.mentions == sum(support[id_] for id_ in cluster.contribution_ids)
        assert cluster.share == round(cluster.mentions / result.mentions, 4)


def test_a_cluster_quotes_only_an_approved_text_of_its_own():
    corpus = planted_corpus()
    corpus.loc[corpus["planted"] == "youth", "approved"] = False

    result = topics(corpus)

    approved = set(corpus.loc[corpus["approved"], "id"])
    youth = set(corpus.loc[corpus["planted"] == "youth", "id"])
    for cluster in result.clusters:
        if set(cluster.contribution_ids) <= youth:
            assert cluster.quote is None
        else:
            assert cluster.quote.contribution_id in approved
            assert cluster.quote.contribution_id in cluster.contribution_ids
            assert (
                cluster.quote.text
                == corpus.set_index("id").loc[cluster.quote.contribution_id, "text"]
            )


def test_a_tiny_deployment_gets_a_plain_list_of_approved_texts():
    corpus = pd.DataFrame(
        [
            row(1, "Mehr Bänke am Platz", support=1),
            row(2, "Tempo 30 in der Weserstraße", support=3),
            row(3, "Nicht freigegeben: beleidigender Text", approved=False),
            row(4, "  ", support=5),
            row(5, "Ein Jugendclub fehlt", support=3),
        ]
    )

    result = topics(corpus)

    assert result.clusters == []
    assert [quote.contribution_id for quote in result.plain_list] == [2, 5, 1]
    assert result.inputs == 4
    assert result.mentions == 8
    assert "zu wenige" in result.note
    assert len(corpus) < MIN_TEXTS_FOR_CLUSTERS


def test_texts_in_other_languages_are_kept_apart():
    corpus = planted_corpus()
    foreign = [
        row(1001, "We need safer bike lanes", language="en"),
        row(1002, "More trees in the park please", language="en", support=2),
        row(1003, "Not approved yet", language="en", approved=False),
        row(1004, "Parkta daha fazla bank olsun", language="tr"),
    ]
    corpus = pd.concat([corpus, pd.DataFrame(foreign)], ignore_index=True)

    result = topics(corpus)

    clustered = {id_ for cluster in result.clusters for id_ in cluster.contribution_ids}
    assert not clustered & {1001, 1002, 1003, 1004}
    by_language = {group.language: group for group in result.other_languages}
    assert sorted(by_language) == ["en", "tr"]
    english = by_language["en"]
    assert (english.inputs, english.mentions) == (3, 4)
    assert english.clusters == []
    assert [quote.contribution_id for quote in english.plain_list] == [1002, 1001]
    assert by_language["tr"].inputs == 1


def test_a_language_with_enough_texts_gets_its_own_clusters():
    bikes = [f"The bike lane on street {n} is dangerous for cyclists" for n in range(12)]
    trees = [f"Plant shady trees and flowers in park number {n}" for n in range(12)]
    corpus = pd.DataFrame(
        [row(n, text, language="en") for n, text in enumerate(bikes + trees, start=1)]
    )

    result = topics(corpus)

    assert result.inputs == 0
    (english,) = result.other_languages
    assert english.plain_list is None
    assert len(english.clusters) >= 2
    cluster_of = {id_: c.label for c in english.clusters for id_ in c.contribution_ids}
    assert len({cluster_of[n] for n in range(1, 13)}) == 1
    assert cluster_of[1] != cluster_of[13]


def test_texts_without_any_keyword_are_listed_as_unclustered():
    corpus = planted_corpus()
    corpus = pd.concat(
        [corpus, pd.DataFrame([row(2001, "Bitte mehr!"), row(2002, "Danke, super!")])],
        ignore_index=True,
    )

    result = topics(corpus)

    assert result.unclustered_ids == [2001, 2002]
    clustered = {id_ for cluster in result.clusters for id_ in cluster.contribution_ids}
    assert not clustered & {2001, 2002}


def test_no_texts_at_all():
    result = topics(pd.DataFrame([row(1, "")]))

    assert result.inputs == 0
    assert result.clusters == []
    assert result.plain_list == []
    assert result.other_languages == []


def test_many_texts_without_shared_words_get_a_plain_list():
    corpus = pd.DataFrame([row(n, "Danke!" if n % 2 else "Bitte mehr!") for n in range(1, 26)])

    result = topics(corpus)

    assert result.clusters == []
    assert len(result.plain_list) == 25
    assert "zu wenige gemeinsame Wörter" in result.note


def test_the_result_round_trips_through_json():
    result = asdict(topics(planted_corpus()))

    assert json.loads(json.dumps(result)) == result


def test_as_many_clusters_as_different_texts_at_most():
    sentences = [
        "More benches in the shade, please.",
        "A water fountain for hot summer days.",
        "Safer crossings for children near the school.",
    ]
    corpus = pd.DataFrame([row(n, sentences[n % 3], language="en") for n in range(1, 301)])

    (english,) = topics(corpus).other_languages

    assert max(map(int, english.cluster_count_scores)) == 3
    assert sorted(cluster.inputs for cluster in english.clusters) == [100, 100, 100]


def test_texts_sent_many_times_cluster_like_texts_sent_once():
    corpus = planted_corpus()
    repeated = pd.concat(
        [corpus.assign(id=corpus["id"] + copy * 100_000) for copy in range(20)],
        ignore_index=True,
    )

    found = dominant_clusters(topics(repeated), repeated)

    assert all(share >= 0.8 for _cluster, share in found.values()), found
    assert len({cluster for cluster, _share in found.values()}) == 3, found


@pytest.mark.parametrize("language", ["de", "xx"])
def test_word_weights_are_those_of_tfidf_over_all_texts(language):
    # Counted once per distinct text, the weights must still be TfidfVectorizer's over every
    # text, also where the vocabulary is capped (ties included) and, without stop words, where
    # words in more than half of the texts are dropped.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis import topics as module

    rng = random.Random(5)  # noqa: S311 - reproducible test data
    words = [f"wort{n}" for n in range(module.MAX_FEATURES + 2000)]
    distinct = [" ".join(rng.choices(words, k=rng.randint(2, 12))) for _ in range(4000)]
    common = "gemeinsam"
    texts = pd.Series([*distinct, *distinct[:1500], *[common] * 6000])

    matrix, codes, terms = module._tfidf(texts, language)

    reference = TfidfVectorizer(
        tokenizer=partial(module._terms, language=language),
        lowercase=False,
        token_pattern=None,
        min_df=module.MIN_DF,
        max_df=1.0 if module._stopwords(language) else module.MAX_DF_WITHOUT_STOPWORDS,
        max_features=module.MAX_FEATURES,
        sublinear_tf=True,
    )
    expected = reference.fit_transform(texts).tocsr()
    expected.sum_duplicates()
    found = matrix[codes].tocsr()
    found.sum_duplicates()
    assert list(terms) == list(reference.get_feature_names_out())
    assert len(terms) == module.MAX_FEATURES
    assert (common in terms) == bool(module._stopwords(language))
    assert (found != expected).nnz == 0


def test_stability_agreement_is_the_adjusted_rand_index():
    from sklearn.metrics import adjusted_rand_score

    from analysis.topics import _adjusted_rand_index

    rng = np.random.default_rng(3)
    for size in [1, 2, 50, 1000]:
        first = rng.integers(0, 5, size)
        for second in [first, rng.integers(0, 8, size), np.where(first == 1, 2, first)]:
            assert _adjusted_rand_index(first, second) == adjusted_rand_score(first, second)
