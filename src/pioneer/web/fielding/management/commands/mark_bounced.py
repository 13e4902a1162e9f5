"""``manage mark_bounced --wave YEAR FILE``: record the addresses that bounced.

The CSV needs an ``email`` column. All or nothing: an unknown or malformed address stops
the command, naming the row, and nothing is recorded.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pioneer.errors import PioneerError
from pioneer.web.fielding.mail import mark_bounced_file


class Command(BaseCommand):
    help = "Record bounced addresses (a CSV file with an 'email' column) for a wave."

    def add_arguments(self, parser):
        parser.add_argument("--wave", type=int, required=True, help="survey wave (year)")
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            result = mark_bounced_file(options["wave"], options["file"], label=options["file"])
        except PioneerError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from error
        self.stdout.write(
            f"{result.wave} wave: {result.recorded} bounces recorded, "
            f"{result.already} already recorded"
        )
