"""``manage.py contacts import|carry-forward``: mailing lists from the command line."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pioneer.errors import PioneerError
from pioneer.web.fielding.contacts import carry_forward, import_contacts
from pioneer.web.fielding.models import SurveyWave


def _wave(year: int) -> SurveyWave:
    try:
        return SurveyWave.objects.get(year=year)
    except SurveyWave.DoesNotExist:
        years = ", ".join(str(y) for y in SurveyWave.objects.values_list("year", flat=True))
        raise CommandError(f"there is no {year} wave; the waves are: {years or 'none'}") from None


class Command(BaseCommand):
    help = "Import a contacts CSV into a wave, or carry a wave's list into the next one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="add the contacts of a CSV file to a wave")
        load.add_argument("wave", type=int)
        load.add_argument("file")
        carry = sub.add_parser("carry-forward", help="start a wave's list from an earlier one")
        carry.add_argument("from_wave", type=int)
        carry.add_argument("to_wave", type=int)
        carry.add_argument("--remove", help="CSV file with an 'email' column of people to drop")
        carry.add_argument("--add", help="contacts CSV file of people to add")

    def handle(self, *args, **options):
        try:
            if options["action"] == "import":
                result = import_contacts(_wave(options["wave"]), options["file"])
                self.stdout.write(
                    f"{result.added} contacts added to the {result.wave} wave "
                    f"({result.returning} from earlier waves)"
                )
            else:
                result = carry_forward(
                    _wave(options["from_wave"]),
                    _wave(options["to_wave"]),
                    removals=options["remove"],
                    additions=options["add"],
                    removals_label=options["remove"] or "removals.csv",
                    additions_label=options["add"] or "additions.csv",
                )
                self.stdout.write(
                    f"{result.carried} contacts carried from {result.from_wave} to "
                    f"{result.to_wave}, {result.removed} removed, {result.added} added"
                )
        except PioneerError as error:
            raise CommandError(f"{type(error).__name__}: {error}") from error
