"""``manage send_invitations --wave YEAR``: invite every contact not yet invited.

Safe to repeat (contacts added later are invited by the next run). Prints a summary
(counts only); exits 1 only if the mail server failed part-way.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pioneer.errors import PioneerError
from pioneer.web.fielding.mail import send_invitations


class Command(BaseCommand):
    help = "E-mail the invitation to every contact of the wave who has not had one."

    def add_arguments(self, parser):
        parser.add_argument("--wave", type=int, required=True, help="survey wave (year)")
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

    def handle(self, *args, **options):
        try:
            summary = send_invitations(options["wave"], dry_run=options["dry_run"])
        except PioneerError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from error
        self.stdout.write(str(summary))
        if not summary.ok:
            raise CommandError(summary.error)
