"""Deterministic benchmark data: deployments made with the test factories, inputs by SQL.

The inputs of the large deployments are generated inside PostgreSQL from ``generate_series``
with a fixed arithmetic hash of the row number (no random state anywhere), so every run has
exactly the same rows: a mix of channels, kinds, German texts, pins, demographics and
moderation states. Pins lie on one spot per theme (a few hundred metres from the site): the
analysis keys its hotspot recommendations by theme and fails when two hotspots share a main
theme (reported to the lead, /tmp/kl/requests.md).
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.db import connection, transaction

SEED = 8

# Texts are "<subject> <wish> <place>": a few thousand distinct sentences with real topics.
SUBJECTS = [
    "Mehr Bänke",
    "Ein Trinkbrunnen",
    "Mehr Bäume",
    "Ein sicherer Zebrastreifen",
    "Mehr Mülleimer",
    "Fahrradbügel",
    "Eine Tischtennisplatte",
    "Mehr Licht am Abend",
    "Ein Spielplatz für Kleine",
    "Weniger Autoverkehr",
    "Eine öffentliche Toilette",
    "Hochbeete zum Gärtnern",
    "Ein Bücherschrank",
    "Mehr Schatten",
    "Eine Tempo-30-Zone",
]
WISHES = [
    "wären schön",
    "fehlen dringend",
    "wünsche ich mir",
    "bräuchten wir",
    "würden helfen",
    "machen den Kiez lebenswerter",
    "sind überfällig",
    "für Ältere und Kinder",
]
PLACES = [
    "auf dem Boxhagener Platz.",
    "an der Ecke Gärtnerstraße.",
    "vor der Grundschule.",
    "rund um den Spielplatz.",
    "an der Simon-Dach-Straße.",
    "neben dem Markt.",
    "in der Wühlischstraße.",
    "am Eingang zum Park.",
    "vor dem Seniorenheim.",
    "an der Haltestelle.",
]
ENGLISH = [
    "More benches in the shade, please.",
    "A water fountain for hot summer days.",
    "Safer crossings for children near the school.",
    "More bins around the playground.",
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def _pick(values: list[str], salt: int) -> str:
    return f"({_array(values)})[1 + {_hash(salt)} % {len(values)}]"


def _hash(salt: int) -> str:
    """A deterministic pseudo-random non-negative integer of the row number ``i``."""
    return f"(((i::bigint * 2654435761 + {salt * 40503 + SEED}) % 4294967291) / 7)"


def insert_contributions(
    *,
    deployment_id: int,
    count: int,
    theme_ids: list[int],
    event_id: int,
    starts_on: dt.date,
    days: int,
    centre: tuple[float, float],
    first: int = 1,
) -> None:
    """Insert ``count`` inputs (row numbers from ``first`` on) with one INSERT … SELECT."""
    themes = "ARRAY[" + ", ".join(map(str, theme_ids)) + "]::bigint[]"
    lng, lat = centre
    h = _hash
    sql = f"""
    INSERT INTO participation_contribution (
        age_band, relation, heard_via, demographics_estimated, kind, channel, text,
        text_was_masked, language, location, rating, client_uuid, content_hash,
        created_on_device_at, received_at, moderation_status, rejection_reason,
        moderation_note, public_status, public_feedback, deployment_id, theme_id, event_id
    )
    SELECT
        {_pick(["", "18_26", "27_44", "27_44", "45_54", "55_64", "65_plus", "6_14", "15_17"], 1)},
        {
        _pick(
            ["", "lives_here", "lives_here", "lives_here", "newcomer", "works_here", "visiting"], 2
        )
    },
        {
        _pick(
            [
                "",
                "passing_by",
                "passing_by",
                "neighbours",
                "poster",
                "social_media",
                "partner",
                "press",
                "other",
            ],
            3,
        )
    },
        false,
        kind, channel,
        CASE WHEN kind = 'feedback' AND {h(4)} % 2 = 0 THEN ''
             WHEN language = 'en' THEN {_pick(ENGLISH, 5)}
             ELSE {_pick(SUBJECTS, 6)} || ' ' || {_pick(WISHES, 7)} || ' ' || {_pick(PLACES, 8)}
        END,
        false, language,
        CASE WHEN kind = 'idea' AND {h(14)} % 10 < 7 AND {h(9)} % 10 < 8
             THEN ST_SetSRID(ST_MakePoint(
                {lng} + (ARRAY[0.006, -0.006, 0.0, 0.0])[1 + {h(15)} % 4]
                    + ({h(10)} % 1001 - 500) * 0.0000012,
                {lat} + (ARRAY[0.0, 0.0, 0.004, -0.004])[1 + {h(15)} % 4]
                    + ({h(12)} % 1001 - 500) * 0.0000008), 4326) END,
        CASE WHEN kind = 'feedback' THEN 1 + {h(13)} % 5 END,
        md5('{SEED}:{deployment_id}:' || i)::uuid,
        '',
        received_at - interval '2 minutes', received_at,
        moderation, CASE WHEN moderation = 'rejected' THEN 'off_topic' ELSE '' END,
        '', 'received', '', {deployment_id},
        CASE WHEN kind = 'idea' AND {h(14)} % 10 < 7
             THEN ({themes})[1 + {h(15)} % {len(theme_ids)}] END,
        CASE WHEN kind = 'feedback' THEN {event_id} END
    FROM (
        SELECT i,
            CASE WHEN {h(16)} % 100 < 85 THEN 'idea' ELSE 'feedback' END AS kind,
            {_pick(["kiosk"] * 11 + ["online"] * 4 + ["paper"] * 3 + ["conversation"] * 2, 17)}
                AS channel,
            {_pick(["de"] * 85 + ["en"] * 6 + ["tr"] * 5 + ["ar"] * 2 + ["uk"] * 2, 18)}
                AS language,
            {_pick(["approved"] * 75 + ["new"] * 18 + ["rejected"] * 5 + ["hidden"] * 2, 19)}
                AS moderation,
            TIMESTAMPTZ '{starts_on.isoformat()} 10:00:00+02'
                + ({h(20)} % {days}) * interval '1 day'
                + ({h(21)} % 32400) * interval '1 second' AS received_at
        FROM generate_series({first}, {first + count - 1}) AS i
    ) AS rows
    """  # noqa: S608 (constants and integers only, no input)
    with connection.cursor() as cursor:
        cursor.execute(sql)


def make_deployment(*, label: str, inputs: int, starts_on: dt.date | None = None):
    """A deployment of its own organisation, site and forecast area, with four themes."""
    from tests import factories

    starts_on = starts_on or dt.date(2026, 5, 4)
    with transaction.atomic():
        organisation = factories.OrganisationFactory(name=f"Bench {label}", slug=f"bench-{label}")
        code = f"B{zlib.crc32(label.encode()) % 10**8:08d}"  # at most 12 characters
        factories.AreaFactory(code=code, name=f"Prognoseraum {label}")
        deployment = factories.DeploymentFactory(
            organisation=organisation,
            slug=f"bench-{label}",
            title=f"Kiezlabor Benchmark {label}",
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=27),
        )
        themes = [factories.ThemeFactory(organisation=organisation) for _ in range(4)]
        deployment.themes.set(themes)
        event = factories.EventFactory(deployment=deployment)
        if inputs:
            site = deployment.site.location
            insert_contributions(
                deployment_id=deployment.pk,
                count=inputs,
                theme_ids=[theme.pk for theme in themes],
                event_id=event.pk,
                starts_on=starts_on,
                days=28,
                centre=(site.x, site.y),
            )
    return deployment
