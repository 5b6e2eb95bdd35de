"""Build the demo city: Beijing's union tree, demo staff accounts, demo workers and each subsystem's demo data.

Each app that has demo data provides `zhijia/<app>/demo.py` with `seed(stdout, options)`; they run in the order of
INSTALLED_APPS, each idempotent, so running the command twice changes nothing.
"""

import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Seed the demo city (idempotent). Refuses in production unless --allow-production is given."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=1000, help="demo worker accounts w000001... (default 1000)")
        parser.add_argument("--members", type=int, default=20000,
                            help="members in all (including the demo workers), default 20000")
        parser.add_argument("--allow-production", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEMO_ALLOWED and not options["allow_production"]:
            raise CommandError("ZHIJIA_ENV=production: the demo city is not seeded (use --allow-production to force)")
        for config in apps.get_app_configs():
            if not config.name.startswith("zhijia."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name == f"{config.name}.demo":
                    continue
                raise
            started = time.monotonic()
            module.seed(self.stdout, options)
            self.stdout.write(f"  {config.label}: {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS("demo city ready"))
