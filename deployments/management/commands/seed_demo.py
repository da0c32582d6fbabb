from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = "Lädt die Demodaten (idempotent): jede App mit einem Modul demo.py trägt ihren Teil bei."

    def handle(self, *args, **options) -> None:
        # Apps seed in INSTALLED_APPS order, so planning data exists before participation data.
        for config in apps.get_app_configs():
            if not module_has_submodule(config.module, "demo"):
                continue
            demo = import_module(f"{config.name}.demo")
            counts = demo.seed()
            summary = ", ".join(f"{value} {name}" for name, value in counts.items())
            self.stdout.write(f"{config.verbose_name}: {summary}")
