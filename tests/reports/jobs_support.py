"""Shared data and stand-ins for the tests of report jobs, permissions and the portal."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from analysis.services import analysis_compute, recommendations_refresh
from deployments.models import Area, Deployment
from participation.models import ExportJob, VisitorCount
from reports.models import Report
from tests.factories import (
    BOXHAGENER_PLATZ,
    AreaFactory,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    SiteFactory,
    ThemeFactory,
    berlin_time,
    square,
)

POPULATION = {
    "0_5": 520,
    "6_14": 810,
    "15_17": 260,
    "18_26": 1200,
    "27_44": 3900,
    "45_54": 1500,
    "55_64": 1200,
    "65_plus": 1400,
}
IDEAS = [
    ("Verkehr", "Die Kreuzung Krossener Straße braucht einen sicheren Übergang."),
    ("Verkehr", "Autos fahren viel zu schnell um den Platz, bitte Tempo 20."),
    ("Grünflächen", "Mehr Schatten auf dem Spielplatz, zum Beispiel durch Bäume."),
    ("Grünflächen", "Die Beete am Rand sollten Nachbarinnen mitgestalten dürfen."),
    ("Sauberkeit", "Nach dem Wochenmarkt liegt viel Müll herum."),
]
AGE_BANDS = ["27_44", "27_44", "45_54", "18_26", "65_plus", "27_44", ""]
CHANNELS = ["kiosk", "kiosk", "online", "paper", "conversation"]


def district(code: str = "02", name: str = "Friedrichshain-Kreuzberg", center=None) -> Area:
    """A Bezirk (district) around ``center`` (Boxhagener Platz by default)."""
    return AreaFactory(
        kind=Area.Kind.DISTRICT,
        code=code,
        name=name,
        geometry=square(center or BOXHAGENER_PLATZ, 0.05),
    )


def lab_deployment(
    *,
    title: str = "Kiezlabor am Boxi",
    site_name: str = "Boxhagener Platz",
    organisation=None,
    area_district: Area | None = None,
) -> Deployment:
    """A held deployment with what a real one collects: programme, visitors, inputs with pins,
    and the curated recommendations taken from the analysis (as staff would)."""
    forecast = AreaFactory(name=f"Prognoseraum {site_name}", population_by_age=POPULATION)
    extra = {"organisation": organisation} if organisation is not None else {}
    site = SiteFactory(name=site_name, **extra)
    deployment = DeploymentFactory(
        title=title, site=site, organisation=site.organisation, status="closed"
    )
    site.areas.set([forecast, area_district or district()])
    first_day = deployment.starts_on
    EventFactory(
        deployment=deployment,
        title="Fahrradwerkstatt",
        format="workshop",
        state="held",
        attendance=14,
        starts_at=berlin_time(first_day, 15),
        ends_at=berlin_time(first_day, 17),
    )
    EventFactory(
        deployment=deployment,
        title="Sprechstunde mit dem Bezirksbürgermeister",
        format="consultation",
        lead="partner",
        state="held",
        attendance=23,
        starts_at=berlin_time(first_day + dt.timedelta(days=2), 10),
        ends_at=berlin_time(first_day + dt.timedelta(days=2), 12),
    )
    EventFactory(
        deployment=deployment,
        title="Kiezspaziergang",
        format="workshop",
        state="cancelled",
        cancel_reason="Regen",
        cancelled_on=first_day,
        starts_at=berlin_time(first_day + dt.timedelta(days=5), 16),
        ends_at=berlin_time(first_day + dt.timedelta(days=5), 18),
    )
    for day in range(6):
        for hour in (11, 14, 17):
            VisitorCount.objects.create(
                deployment=deployment,
                hour_starts_at=berlin_time(first_day + dt.timedelta(days=day), hour),
                count=10 + (day * 3 + hour) % 11,
                source="counter",
            )
    themes = {
        name: ThemeFactory(organisation=deployment.organisation, name=name)
        for name in {theme for theme, _text in IDEAS}
    }
    for index in range(36):
        theme, text = IDEAS[index % len(IDEAS)]
        hotspot = index % 3 == 0
        ContributionFactory(
            deployment=deployment,
            theme=themes[theme],
            text=f"{text} ({index + 1})",
            channel=CHANNELS[index % len(CHANNELS)],
            location=Point(
                BOXHAGENER_PLATZ.x + (0.002 if hotspot else 0.0005 * (index % 5)),
                BOXHAGENER_PLATZ.y + (0.001 if hotspot else -0.0004 * (index % 4)) + index * 1e-6,
            ),
            received_at=berlin_time(first_day + dt.timedelta(days=index % 6), 11 + index % 8),
            age_band=AGE_BANDS[index % len(AGE_BANDS)],
            moderation_status="approved",
        )
    recommendations_refresh(
        deployment=deployment, proposals=analysis_compute(deployment=deployment).proposals
    )
    return deployment


def add_inputs(deployment: Deployment, count: int) -> None:
    """New inputs arriving after a report was built."""
    for index in range(count):
        ContributionFactory(
            deployment=deployment,
            text=f"Nachzügler: noch mehr Bänke bitte ({index}).",
            received_at=berlin_time(deployment.starts_on, 12),
            moderation_status="approved",
        )


def stored_report(deployment: Deployment, *, state: str = "done", by=None) -> Report:
    """A report in ``state`` as a build leaves it (with its PDF once done), without building."""
    report = Report.objects.create(deployment=deployment, language="de", created_by=by)
    now = timezone.now()
    if state == "done":
        pdf = f"%PDF-1.7\n% Ortsanalyse {deployment.title}\n%%EOF\n".encode()
        name = default_storage.save(f"reports/ortsanalyse-{report.pk}.pdf", ContentFile(pdf))
        changes = {
            "file": name,
            "file_hash": sha256(pdf),
            "page_count": 3,
            "progress": 100,
            "started_at": now - dt.timedelta(seconds=42),
            "finished_at": now,
        }
    elif state == "running":
        changes = {"progress": 45, "step": "Karten", "started_at": now, "attempts": 1}
    elif state == "failed":
        changes = {"error": "Die Erstellung ist fehlgeschlagen: Testfehler", "finished_at": now}
    else:
        changes = {}
    Report.objects.filter(pk=report.pk).update(state=state, **changes)
    report.refresh_from_db()
    return report


def stored_export(deployment: Deployment, *, for_moderators: bool = False) -> ExportJob:
    """A finished CSV export; ``for_moderators`` holds unapproved inputs and people's answers."""
    name = default_storage.save(
        "exports/test.csv", ContentFile("\ufeffNr.;Text\r\n1;Bänke\r\n".encode())
    )
    return ExportJob.objects.create(
        deployment=deployment,
        format="csv",
        state="done",
        file=name,
        row_count=1,
        include_unapproved=for_moderators,
        include_demographics=for_moderators,
        finished_at=timezone.now(),
    )


class FakeRenderer:
    """Stands in for ``render_report`` where the PDF's content does not matter.

    Calls ``on_step`` like the real one, remembers what it was given, and returns a small PDF
    whose bytes differ from build to build (so a rewrite of the file is visible).
    """

    STEPS = (("Diagramme", 30), ("Karten", 45), ("Seiten", 55), ("PDF", 65))

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.steps_seen: list[tuple[str, str, int]] = []

    def __call__(self, *, snapshot, recommendations, language="de", on_step=None):
        self.calls.append(
            {"snapshot": snapshot, "recommendations": recommendations, "language": language}
        )
        for name, progress in self.STEPS:
            if on_step is not None:
                on_step(name, progress)
                report = Report.objects.order_by("-pk").first()
                self.steps_seen.append((name, report.step, report.progress))
        body = f"%PDF-1.7\n% {snapshot.deployment.title} build {len(self.calls)}\n%%EOF\n"
        return SimpleNamespace(pdf=body.encode(), page_count=12, html="<html></html>")


def drain(response) -> bytes:
    """A file response's body, read to the end: that also closes the file (and, unlike
    ``response.close()``, leaves the test's database connection open)."""
    return b"".join(response.streaming_content)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as ``pdftotext`` reads it, whitespace folded to single spaces."""
    return fold(" ".join(pdf_pages(pdf)))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF (``pdftotext``), whitespace folded."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    return [fold(page) for page in text.split("\f")]


def fold(text: str) -> str:
    """Whitespace (and soft hyphens) folded, so that line breaks in a PDF do not matter."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()
