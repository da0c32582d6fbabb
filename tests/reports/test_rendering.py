"""The Ortsanalyse as a reader gets it: the PDF's text, pages and metadata, and its charts."""

import dataclasses
import io
import itertools
import re
import subprocess
import zlib
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from matplotlib.figure import Figure

from analysis.formatting import number, percent
from analysis.models import Recommendation
from analysis.services import analysis_compute, recommendation_add, recommendations_refresh
from deployments.models import Area
from participation.models import VisitorCount
from reports.rendering import RenderedReport, charts, render_report
from reports.rendering.charts import Bar, Chart, horizontal_bars, share_chart
from reports.rendering.html import build_charts
from tests.factories import (
    BOXHAGENER_PLATZ,
    AreaFactory,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    ThemeFactory,
    UserFactory,
    berlin_time,
)

# django_db also makes pytest-django create the test database for the module fixture.
pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

POPULATION = {
    "0_5": 50,
    "6_14": 80,
    "15_17": 30,
    "18_26": 120,
    "27_44": 350,
    "45_54": 130,
    "55_64": 110,
    "65_plus": 130,
}
STAFF_FINDING = "Der Platz ist abends dunkel, viele meiden ihn nach 20 Uhr."


def _deployment():
    area = AreaFactory(name="Boxhagener Platz", population_by_age=POPULATION)
    district = AreaFactory(kind=Area.Kind.DISTRICT, code="02", name="Friedrichshain-Kreuzberg")
    deployment = DeploymentFactory(title="Boxi im Mai", status="running")
    deployment.site.areas.set([area, district])
    theme = ThemeFactory(organisation=deployment.organisation, name="Verkehr")
    first_day = deployment.starts_on
    for hour, lead, attendance in ((15, "own", 12), (17, "partner", 30), (19, "partner", 7)):
        EventFactory(
            deployment=deployment,
            format="workshop",
            lead=lead,
            state="held",
            attendance=attendance,
            starts_at=berlin_time(first_day, hour),
            ends_at=berlin_time(first_day, hour + 1),
        )
    VisitorCount.objects.create(
        deployment=deployment,
        hour_starts_at=berlin_time(first_day, 15),
        count=1234,
        source="counter",
    )
    # Twelve pins close together north-east of the site: a hotspot and a recommendation.
    for index in range(12):
        ContributionFactory(
            deployment=deployment,
            theme=theme,
            text=f"Die Kreuzung ist gefährlich, bitte eine Ampel ({index}).",
            location=Point(BOXHAGENER_PLATZ.x + 0.002, BOXHAGENER_PLATZ.y + 0.001 + index * 1e-5),
            received_at=berlin_time(first_day, 16),
            age_band="27_44",
            moderation_status="approved",
        )
    # Three people aged 65 and over: too few to be shown.
    for _ in range(3):
        ContributionFactory(
            deployment=deployment,
            received_at=berlin_time(first_day, 11),
            age_band="65_plus",
            moderation_status="approved",
        )
    return deployment


def _report_recommendations(deployment) -> list[dict]:
    """The recommendations as a report stores them (see ``reports.services``)."""
    return [
        {
            "finding": row.finding,
            "action": row.action,
            "addressee": row.addressee,
            "priority": row.priority,
            "evidence": row.evidence,
            "rule": row.rule,
            "edited": row.edited_at is not None,
        }
        for row in Recommendation.objects.filter(deployment=deployment, is_dropped=False)
    ]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """One deployment analysed and rendered once for the whole module; its rows rolled back."""
    steps = []
    with django_db_blocker.unblock(), transaction.atomic():
        deployment = _deployment()
        snapshot = analysis_compute(deployment=deployment)
        recommendations_refresh(deployment=deployment, proposals=snapshot.proposals)
        recommendation_add(
            deployment=deployment,
            by=UserFactory(),
            finding=STAFF_FINDING,
            action="Beleuchtung prüfen.",
            addressee="Straßen- und Grünflächenamt",
            priority="high",
        )
        recommendations = _report_recommendations(deployment)
        transaction.set_rollback(True)
    rendered = render_report(
        snapshot=snapshot,
        recommendations=recommendations,
        on_step=lambda name, progress: steps.append((name, progress)),
    )
    path = tmp_path_factory.mktemp("report") / "ortsanalyse.pdf"
    path.write_bytes(rendered.pdf)
    return snapshot, recommendations, rendered, path, steps


def _text(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _flat(text: str) -> str:
    """Text as read, whatever the line breaks: a break after a hyphen keeps the hyphen."""
    return " ".join(re.sub(r"-\s*\n\s*", "-", text).split())


def _pages(path: Path) -> list[str]:
    return [_flat(page) for page in _text(path).split("\f")]


def test_the_pdf_names_the_site_and_has_all_chapters(built) -> None:
    snapshot, _recommendations, rendered, path, _steps = built

    text = _flat(_text(path))

    assert isinstance(rendered, RenderedReport)
    assert rendered.page_count > 5
    assert snapshot.deployment.site_name in text
    assert "Ortsanalyse" in text
    assert "Boxi im Mai" in text
    for chapter in (
        "Inhalt",
        "Das Wichtigste in Kürze",
        "Programm",
        "Beteiligung",
        "Handlungsempfehlungen",
        "Methodik und Definitionen",
    ):
        assert chapter in text
    assert f"Seite 2 von {rendered.page_count}" in text


def test_the_summary_page_shows_the_key_figures_as_in_the_snapshot(built) -> None:
    snapshot, _recommendations, rendered, path, _steps = built
    figures = snapshot.figures
    [summary] = [
        page
        for page in _text(path).split("\f")
        if "Das Wichtigste in Kürze" in page and "Befunde" in page
    ]
    lines = {line.strip() for line in summary.splitlines()}
    boxes = re.findall(r'<div class="key-figure">(.*?)</div>', rendered.html, re.S)

    assert number(figures.visitors) == "1.234"
    key_figures = [
        (number(figures.visitors), "Besucher:innen"),
        (number(figures.inputs), "Beiträge"),
        (number(figures.participation_rate * 100), "Beiträge je 100 Besucher:innen"),
        (number(figures.events_held), "Veranstaltungen"),
        (number(figures.attendance), "Teilnehmende"),
        (percent(figures.own_share), "Eigene Veranstaltungen"),
        (number(len(snapshot.space.hotspots)), "Häufungen auf der Karte"),
    ]
    assert len(boxes) == len(key_figures)
    for (value, label), box in zip(key_figures, boxes, strict=True):
        assert value in lines  # a figure of its own on the page, not part of a longer number
        assert label in _flat(summary)
        assert f'<p class="key-value">{value}</p>' in box
        assert f">{label}<" in box


def test_every_recommendation_is_in_the_pdf(built) -> None:
    _snapshot, recommendations, _rendered, path, _steps = built
    text = _flat(_text(path))

    assert len(recommendations) >= 2
    assert STAFF_FINDING in text
    for recommendation in recommendations:
        assert _flat(recommendation["finding"]) in text
        assert _flat(recommendation["action"]) in text


def test_an_age_group_of_fewer_than_five_is_not_shown(built) -> None:
    snapshot, _recommendations, _rendered, path, _steps = built
    [older] = [
        band for band in snapshot.representativeness.participants.bands if band.band == "65_plus"
    ]
    assert older.count == 3

    rows = [line for line in _text(path, "-layout").splitlines() if "65 Jahre und älter" in line]

    # pdftotext's layout mode may drop the space in a right-aligned "< 5".
    assert any(re.search(r"65 Jahre und älter\s+<\s?5\s", row) for row in rows), rows
    assert "< 5" in _flat(_text(path))
    assert not any(re.search(r"65 Jahre und älter\s+3\b", row) for row in rows)


def test_the_pdf_has_a_title_a_language_and_tags(built) -> None:
    _snapshot, _recommendations, _rendered, path, _steps = built

    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout

    assert re.search(r"^Title:\s+Ortsanalyse – Boxi im Mai$", info, re.MULTILINE)
    assert re.search(r"^Author:\s+\S", info, re.MULTILINE)
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^Page size:.*\(A4\)$", info, re.MULTILINE)
    assert b"/Lang (de)" in _catalogue(path.read_bytes())


def test_the_fonts_are_embedded(built) -> None:
    _snapshot, _recommendations, _rendered, path, _steps = built

    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)

    rows = fonts.stdout.splitlines()[2:]
    assert rows
    assert all(re.search(r"\s+yes\s+yes\s+(yes|no)\s+\d+\s+\d+$", row) for row in rows), rows


def test_progress_is_reported_for_each_step(built) -> None:
    *_rest, steps = built

    assert [name for name, _progress in steps] == ["Diagramme", "Karten", "Seiten", "PDF"]
    progress = [value for _name, value in steps]
    assert progress == sorted(progress)
    assert progress[0] > 0
    assert progress[-1] < 100


def test_the_html_does_not_grow_with_the_pins(built) -> None:
    snapshot, recommendations, rendered, _path, _steps = built
    site_x, site_y = snapshot.map.site
    crowded_grid = [
        [site_x + 20 * i, site_y + 20 * j, 40] for i in range(-60, 60) for j in range(-60, 60)
    ]
    crowded = _replace_space(snapshot, pin_grid=crowded_grid, pinned=len(crowded_grid) * 40)

    html = render_report(snapshot=crowded, recommendations=recommendations).html

    assert len(html) < 3 * len(rendered.html)


def test_numbers_in_charts_are_german() -> None:
    chart = horizontal_bars(
        [Bar("Tablet", 1234.5), Bar("Papier", 12)], axis_label="Beiträge", description="Test"
    )

    labels = _svg_texts(chart.svg)

    assert "1.234,5" in labels
    assert not any(re.search(r"\d\.\d{1,2}(?!\d)|\d,\d{3}(?!\d)", label) for label in labels)
    assert "Beiträge" in labels  # the axis is labelled, as text, not as paths


@pytest.mark.parametrize(
    "draw",
    [
        lambda: horizontal_bars(
            [Bar("Ein recht langer Name einer Kategorie", 1234.5), Bar("Papier", 12)],
            axis_label="Beiträge",
            description="Test",
        ),
        lambda: share_chart(
            parts=[Bar("Stattgefunden", 3), Bar("Geplant", 1)],
            target=0.4,
            target_label="Ziel",
            description="Test",
        ),
    ],
    ids=["bars", "share"],
)
def test_charts_are_laid_out_as_matplotlib_itself_lays_them_out(monkeypatch, draw) -> None:
    # The charts are laid out before saving, so that savefig draws each figure once instead
    # of twice; the SVG must be the one that savefig's own constrained layout gives.
    laid_out_before_saving = draw()

    def new_figure(width_mm: float, height_mm: float) -> Figure:
        size = (width_mm / charts.MM_PER_INCH, height_mm / charts.MM_PER_INCH)
        return Figure(figsize=size, layout="constrained")

    def save(figure: Figure, width_mm: float, height_mm: float, description: str) -> Chart:
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
        svg = charts._SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
        return Chart(svg=svg, width_mm=width_mm, height_mm=height_mm, description=description)

    monkeypatch.setattr(charts, "_new_figure", new_figure)
    monkeypatch.setattr(charts, "_chart", save)

    assert laid_out_before_saving == draw()


@pytest.mark.parametrize("label", ["Idee", "Rückmeldung zu einer Veranstaltung"])
def test_the_numbers_on_a_value_axis_never_run_into_each_other(monkeypatch, label) -> None:
    drawn: list[Figure] = []
    save = charts._chart
    monkeypatch.setattr(
        charts, "_chart", lambda figure, *args: drawn.append(figure) or save(figure, *args)
    )

    horizontal_bars(
        [Bar(label, 78_002), Bar("Gesprächsnotiz", 0), Bar("Umfrage-Antwort", 14_996)],
        axis_label="Beiträge",
        description="Test",
    )

    (figure,) = drawn
    boxes = sorted(
        (
            text.get_window_extent()
            for text in figure.axes[0].xaxis.get_ticklabels()
            if text.get_visible() and text.get_text()
        ),
        key=lambda box: box.x0,
    )
    assert len(boxes) >= 2
    assert all(left.x1 < right.x0 for left, right in itertools.pairwise(boxes))


def test_the_report_charts_use_german_decimals(built) -> None:
    snapshot, *_rest = built

    labels = [
        label
        for chart in build_charts(snapshot).values()
        if chart
        for label in _svg_texts(chart.svg)
    ]

    assert any(re.search(r"\d,\d %", label) for label in labels)
    # A decimal point, not a date such as "04.05.".
    assert not any(re.search(r"\d\.\d{1,2}(?![\d.])", label) for label in labels)


def test_an_english_report_says_so(built) -> None:
    snapshot, recommendations, *_rest = built

    rendered = render_report(snapshot=snapshot, recommendations=recommendations, language="en")

    assert '<html lang="en">' in rendered.html
    assert b"/Lang (en)" in _catalogue(rendered.pdf)


def _svg_texts(svg: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<text\b.*?</text>", svg, re.S)
    ]


def _catalogue(pdf: bytes) -> bytes:
    """The PDF's objects, including those WeasyPrint packs into compressed object streams."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", match.end())
        try:
            chunks.append(zlib.decompress(pdf[match.end() : end]))
        except zlib.error:
            continue
    return b"".join(chunk for chunk in chunks if b"/Catalog" in chunk)


def _replace_space(snapshot, **changes):
    return dataclasses.replace(snapshot, space=dataclasses.replace(snapshot.space, **changes))


def test_a_deployment_without_any_data_still_gets_a_readable_report() -> None:
    deployment = DeploymentFactory(title="Leerer Einsatz")

    rendered = render_report(snapshot=analysis_compute(deployment=deployment), recommendations=[])

    text = _flat(
        subprocess.run(
            ["pdftotext", "-", "-"], input=rendered.pdf, check=True, capture_output=True
        ).stdout.decode()
    )
    assert "Leerer Einsatz" in text
    assert "Es sind keine Beiträge eingegangen." in text
    assert "Aus der Auswertung ergeben sich keine Empfehlungen" in text
