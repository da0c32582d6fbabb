"""``manage.py load_berlin_areas``: load Berlin's districts and Prognoseräume (safe to re-run)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from deployments.services.areas import areas_load_berlin


class Command(BaseCommand):
    help = (
        "Lädt Berlins 12 Bezirke und 58 Prognoseräume mit Einwohner:innen nach Altersgruppe "
        "und Status-Index (MSS) aus den mitgelieferten offenen Daten. Mehrfach ausführbar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="Verzeichnis mit den Dateien (Standard: deployments/data/berlin).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = areas_load_berlin(data_dir=options["data_dir"])
        summary = gettext(
            "%(districts)d Bezirke und %(forecast_areas)d Prognoseräume geladen; "
            "%(population)s Einwohner:innen (Stand %(date)s)"
        ) % {
            "districts": result.districts,
            "forecast_areas": result.forecast_areas,
            "population": number_format(result.population_total, force_grouping=True),
            "date": date_format(result.population_reference_date, "d.m.Y"),
        }
        self.stdout.write(self.style.SUCCESS(summary))
        if options["verbosity"] >= 2:
            self.stdout.write(
                gettext("%(created)d neu, %(updated)d geändert, %(unchanged)d unverändert.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
            )
