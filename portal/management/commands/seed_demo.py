import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Add demo data (idempotent: running it again changes nothing)."

    def handle(self, *args, **options):
        """Each app that has a `demo` module with a `seed(stdout)` function adds its part,
        in INSTALLED_APPS order, so later apps can build on earlier ones."""
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                module_name = f"{app_config.name}.demo"
                if importlib.util.find_spec(module_name) is None:
                    continue
                self.stdout.write(f"Seeding {app_config.label} …")
                importlib.import_module(module_name).seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
