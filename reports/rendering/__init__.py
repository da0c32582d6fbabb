"""From an analysis snapshot and the curated recommendations to the Ortsanalyse as a PDF.

``render_report`` draws the charts (matplotlib, SVG) and maps (SVG from the snapshot's
geometry), renders the HTML template and lets WeasyPrint set it as a tagged A4 PDF with the
fonts embedded. It reads nothing but the snapshot, the recommendations and the names of the
target groups, and fetches nothing: the HTML is self-contained.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import weasyprint
from django.utils import translation
from django.utils.translation import gettext
from weasyprint.pdf import VARIANTS

from analysis.snapshot import Snapshot
from reports.rendering.html import build_charts, build_maps, report_html

logger = logging.getLogger(__name__)

# Accessible PDF (tagged, with title and language) where the installed WeasyPrint offers it.
PDF_VARIANT = "pdf/ua-1"

# Progress as each step starts, in percent of the whole build: the task spends the first
# quarter on the analysis and reports 100 when the file is stored.
PROGRESS_CHARTS = 30
PROGRESS_MAPS = 45
PROGRESS_HTML = 55
PROGRESS_PDF = 65


@dataclass(frozen=True)
class RenderedReport:
    """The finished document: the PDF, its number of pages, and the HTML it was set from."""

    pdf: bytes
    page_count: int
    html: str


def render_report(
    *,
    snapshot: Snapshot,
    recommendations: Sequence[dict],
    language: str = "de",
    on_step: Callable[[str, int], object] | None = None,
) -> RenderedReport:
    """Render the Ortsanalyse of ``snapshot`` with ``recommendations`` (as a report stores them).

    ``on_step(name, progress)`` is called as each step starts, with the step's name in the
    report's language (for the progress display) and the overall progress in percent.
    """

    def step(name: str, progress: int) -> None:
        if on_step is not None:
            on_step(name, progress)

    with translation.override(language):
        step(gettext("Diagramme"), PROGRESS_CHARTS)
        charts = build_charts(snapshot)
        step(gettext("Karten"), PROGRESS_MAPS)
        maps = build_maps(snapshot)
        step(gettext("Seiten"), PROGRESS_HTML)
        html = report_html(
            snapshot=snapshot,
            recommendations=list(recommendations),
            charts_by_name=charts,
            maps_by_name=maps,
            language=language,
        )
        step(gettext("PDF"), PROGRESS_PDF)
        pdf, page_count = html_to_pdf(html)
    return RenderedReport(pdf=pdf, page_count=page_count, html=html)


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """Set ``html`` as a PDF; returns the file and its number of pages."""
    options = pdf_options()
    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(**options)
    return document.write_pdf(**options), len(document.pages)


def pdf_options() -> dict[str, object]:
    """PDF/UA-1 if this WeasyPrint knows it, else tags if it knows them, else a plain PDF."""
    if PDF_VARIANT in VARIANTS:
        return {"pdf_variant": PDF_VARIANT}
    logger.warning("WeasyPrint %s has no %s; writing a tagged PDF", weasyprint.VERSION, PDF_VARIANT)
    if "pdf_tags" in weasyprint.DEFAULT_OPTIONS:
        return {"pdf_tags": True}
    return {}
