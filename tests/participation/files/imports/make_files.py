"""Write the import test files as the programs people use write them.

Run from the repository root: ``.venv/bin/python tests/participation/files/imports/make_files.py``.
German Excel saves ``;``-separated CSV in Windows-1252 ("CSV (Trennzeichen-getrennt)") or in
UTF-8 with a byte order mark ("CSV UTF-8"); LibreOffice and most platforms write ``,`` and
UTF-8 without one. Rows end in CRLF, as Excel writes them.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

PAPER_HEADER = [
    "Datum",
    "Art",
    "Ihre Idee / Ihre Rückmeldung",
    "Thema",
    "Alter",
    "Bezug zum Kiez",
    "Veranstaltung",
    "Bewertung (1–5)",
]
PAPER_ROWS = [
    [
        "06.05.2026",
        "Idee",
        "Mehr Bänke am Boxhagener Platz, damit Ältere sich ausruhen können.",
        "Grünflächen",
        "65+",
        "Ich wohne hier",
        "",
        "",
    ],
    [
        "06.05.2026 15:00",
        "Rückmeldung",
        "Die Werkstatt war großartig – bitte öfter!",
        "",
        "27–44",
        "zu Besuch",
        "Kiezwerkstatt",
        "5",
    ],
    [
        "2026-05-07",
        "Idee",
        "Die Kreuzung an der „Straße der Pariser Kommune“ braucht einen Zebrastreifen.",
        "Verkehr",
        "unter 18",
        "Ich wohne hier",
        "",
        "",
    ],
    [
        "07.05.2026",
        "Idee",
        "Ein Trinkbrunnen für heiße Sommertage wäre schön. Schreiben Sie mir: "
        "anna.beispiel@example.org",
        "grünflächen",
        "keine Angabe",
        "",
        "",
        "",
    ],
    [
        "08.05.2026",
        "Rückmeldung",
        "",
        "",
        "45 bis 54",
        "Ich arbeite hier",
        "Kiezwerkstatt",
        "4",
    ],
]


def paper_rows_broken() -> list[list[str]]:
    """Row 4 of the file (the third form) has an unknown age band, row 6 an impossible date."""
    rows = [list(row) for row in PAPER_ROWS]
    rows[2][4] = "unter 12"
    rows[4][0] = "31.02.2026"
    return rows


COUNTER_HEADER = ["Zeitstempel", "Eingang", "Ausgang"]


def counter_rows() -> list[list[str]]:
    """Three hours (10–13 Uhr on 6 May 2026) in five-minute steps; 10 Uhr: 78, 11: 90, 12: 102."""
    rows = []
    start = dt.datetime(2026, 5, 6, 10, 0)  # noqa: DTZ001 (the counter writes local time)
    for step in range(36):
        moment = start + dt.timedelta(minutes=5 * step)
        entries = 1 + step % 12 + moment.hour - 10
        rows.append([f"{moment:%d.%m.%Y %H:%M}", str(entries), str(max(entries - 1, 0))])
    return rows


MEINBERLIN_HEADER = [
    "Referenznummer",
    "Link",
    "Titel",
    "Beschreibung",
    "Kategorie",
    "Ort (Längengrad)",
    "Ort (Breitengrad)",
    "Ortsbezeichnung",
    "Erstellt",
    "Ersteller*in",
    "Kommentare",
    "Positive Bewertungen",
    "Negative Bewertungen",
]
MEINBERLIN_ROWS = [
    [
        "2026-00117",
        "https://mein.berlin.de/mapideas/2026-00117/",
        "Schattenplätze am Spielplatz",
        "<p>Im Sommer ist es am Spielplatz viel zu heiß.</p><p>Bäume oder ein Sonnensegel, "
        "bitte! Rückfragen gern an 0176 12345678.</p>",
        "Grünflächen",
        "13.4601",
        "52.5112",
        "Boxhagener Platz",
        "2026-05-05T09:12:45.123456+02:00",
        "kiezmama",
        "3",
        "12",
        "1",
    ],
    [
        "2026-00118",
        "https://mein.berlin.de/mapideas/2026-00118/",
        "Tempo 30 in der Simon-Dach-Straße",
        "Autos fahren hier viel zu schnell,\nbesonders abends.",
        "Verkehr",
        "",
        "",
        "",
        "2026-05-05T18:40:02+02:00",
        "radfahrer_fhain",
        "0",
        "7",
        "4",
    ],
]


def write(name: str, header: list[str], rows: list[list[str]], *, delimiter: str, encoding: str):
    with (HERE / name).open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    write(
        "paper_utf8_bom_semicolon.csv",
        PAPER_HEADER,
        PAPER_ROWS,
        delimiter=";",
        encoding="utf-8-sig",
    )
    write("paper_utf8_comma.csv", PAPER_HEADER, PAPER_ROWS, delimiter=",", encoding="utf-8")
    write("paper_cp1252_semicolon.csv", PAPER_HEADER, PAPER_ROWS, delimiter=";", encoding="cp1252")
    write(
        "paper_broken_row.csv",
        PAPER_HEADER,
        paper_rows_broken(),
        delimiter=";",
        encoding="utf-8-sig",
    )
    write("counter.csv", COUNTER_HEADER, counter_rows(), delimiter=";", encoding="cp1252")
    write(
        "meinberlin_export.csv", MEINBERLIN_HEADER, MEINBERLIN_ROWS, delimiter=",", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
