"""Print a deployment's headline figures and recommendations, for staff and for checking."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from analysis.comparison import HEADLINE_FIGURES
from analysis.formatting import number
from analysis.services import analysis_compute, recommendations_for_report, recommendations_refresh
from deployments.models import Deployment


class Command(BaseCommand):
    help = "Analysiert einen Einsatz und zeigt Kennzahlen und Handlungsempfehlungen."

    def add_arguments(self, parser) -> None:
        parser.add_argument("deployment_id", type=int)
        parser.add_argument(
            "--no-save",
            action="store_true",
            help="Empfehlungen nur zeigen, nicht in die gespeicherten übernehmen.",
        )

    def handle(self, *args, deployment_id: int, no_save: bool, **options) -> None:
        translation.activate("de")
        try:
            deployment = Deployment.objects.select_related("site", "organisation").get(
                pk=deployment_id
            )
        except Deployment.DoesNotExist as missing:
            raise CommandError(f"Einsatz {deployment_id} gibt es nicht.") from missing
        snapshot = analysis_compute(deployment=deployment)
        self.stdout.write(self.style.MIGRATE_HEADING(f"{deployment} ({deployment.site})"))
        definitions = snapshot.figures.definitions
        for key in HEADLINE_FIGURES:
            value = getattr(snapshot.figures, key)
            label = definitions.get(key, key).split(":")[0]
            self.stdout.write(f"  {label}: {number(value)}")
        self.stdout.write(self.style.MIGRATE_HEADING("Handlungsempfehlungen"))
        if no_save:
            items = [(p.priority, p.finding, p.action, p.addressee) for p in snapshot.proposals]
        else:
            recommendations_refresh(deployment=deployment, proposals=snapshot.proposals)
            items = [
                (r.priority, r.finding, r.action, r.addressee)
                for r in recommendations_for_report(deployment=deployment)
            ]
        if not items:
            self.stdout.write("  keine")
        for position, (priority, finding, action, addressee) in enumerate(items, start=1):
            self.stdout.write(f"  {position}. [{priority}] {finding}")
            self.stdout.write(f"     → {action} ({addressee})")
