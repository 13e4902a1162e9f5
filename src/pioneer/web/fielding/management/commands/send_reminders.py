"""``manage send_reminders --wave YEAR``: remind those who are due, for cron.

Idempotent: run it daily; only invitations the reminder rule says are due get a message,
so a second run the same day sends nothing. Prints a summary (counts only). Exits 0 when
the run completes, 1 if the mail server failed part-way (what was sent is recorded).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from pioneer.errors import PioneerError
from pioneer.web.fielding.mail import send_reminders


class Command(BaseCommand):
    help = "E-mail a reminder to everyone in the wave who is due one (safe to repeat)."

    def add_arguments(self, parser):
        parser.add_argument("--wave", type=int, required=True, help="survey wave (year)")
        parser.add_argument(
            "--max", type=int, default=3, dest="max_reminders", help="reminders per person (3)"
        )
        parser.add_argument(
            "--min-gap-days",
            type=float,
            default=7,
            help="days since the last message before another (7)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

    def handle(self, *args, **options):
        if options["max_reminders"] < 0 or options["min_gap_days"] < 0:
            raise CommandError("--max and --min-gap-days must be 0 or more")
        try:
            summary = send_reminders(
                options["wave"],
                max_reminders=options["max_reminders"],
                min_gap=dt.timedelta(days=options["min_gap_days"]),
                dry_run=options["dry_run"],
            )
        except PioneerError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from error
        self.stdout.write(str(summary))
        if not summary.ok:
            raise CommandError(summary.error)
