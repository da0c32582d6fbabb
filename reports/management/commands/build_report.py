"""Build a deployment's site analysis here and now, without a worker (for staff and checks)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import number_format

from deployments.models import Deployment
from reports import services
from reports.models import Report


class Command(BaseCommand):
    help = (
        "Erstellt die Ortsanalyse eines Einsatzes sofort (ohne Worker) und zeigt Datei, "
        "Seitenzahl und Dauer."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("deployment_id", type=int, help="Nummer des Einsatzes")
        parser.add_argument(
            "--lang",
            default=Report.Language.GERMAN,
            choices=Report.Language.values,
            help="Sprache des Berichts (Standard: de)",
        )
        parser.add_argument("--out", type=Path, help="das PDF zusätzlich in diese Datei schreiben")

    def handle(self, *args, deployment_id: int, lang: str, out: Path | None, **options) -> None:
        translation.activate("de")
        deployment = Deployment.objects.filter(pk=deployment_id).first()
        if deployment is None:
            raise CommandError(f"Einsatz {deployment_id} gibt es nicht.")
        if out is not None and not out.parent.is_dir():
            raise CommandError(f"Den Ordner {out.parent} gibt es nicht.")
        report = services.report_create(deployment=deployment, language=lang, by=None)
        started = time.monotonic()
        try:
            services.report_build(report_id=report.pk)
        except Exception as error:
            report.refresh_from_db()
            raise CommandError(report.error or str(error)) from error
        seconds = time.monotonic() - started
        report.refresh_from_db()
        path = Path(report.file.path)
        if out is not None:
            with report.file.open("rb") as source, out.open("wb") as target:
                shutil.copyfileobj(source, target)
            path = out.resolve()
        self.stdout.write(
            f"Ortsanalyse {report.pk} für „{deployment}“: {path}\n"
            f"  Seiten: {report.page_count}\n"
            f"  Dauer: {number_format(seconds, 1)} Sekunden"
        )
