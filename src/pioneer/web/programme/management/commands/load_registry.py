"""``manage.py load_registry [programme]``: copy the registry's sites and organisations."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pioneer.errors import PioneerError
from pioneer.web.programme.registry import load_registry


class Command(BaseCommand):
    help = "Create or update the programme's sites and organisations from the registry."

    def add_arguments(self, parser):
        parser.add_argument("programme", nargs="?", default="pioneers")

    def handle(self, *args, **options):
        try:
            result = load_registry(options["programme"])
        except PioneerError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from error
        self.stdout.write(
            f"{result.programme_id}: {result.sites_created} sites created, "
            f"{result.sites_updated} updated, {result.organisations_created} organisations added"
        )
