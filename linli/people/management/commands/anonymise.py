"""linli anonymise --before YYYY-MM-DD [--dry-run]

Replaces the name, ID number, phone and free text of everyone who moved out or died before the date with
placeholders (已匿名-<id>), keeps what statistics need (gender, birth year, community, status, tags, the kinds and
dates of their history), deactivates their accounts, and lets each app clear its copies (e.g. a case's reporter
name and phone). One audit row per run. See docs/privacy.md for the retention periods.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.people import privacy
from linli.people.scopes import system


class Command(BaseCommand):
    help = "Anonymise the records of people who moved out or died before a date (retention ended)."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: who left before this day is anonymised")
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")

    def handle(self, *args, **opts):
        try:
            before = datetime.date.fromisoformat(opts["before"])
        except ValueError:
            raise CommandError(_("--before: a date as YYYY-MM-DD"))
        if before > datetime.date.today():
            raise CommandError(_("--before: a date in the past"))
        report = privacy.anonymise(system(), before, dry_run=opts["dry_run"])
        if opts["dry_run"]:
            self.stdout.write(_("Would anonymise %(n)d persons who left before %(d)s.") % {"n": report["persons"], "d": before})
        else:
            self.stdout.write(_("Anonymised %(n)d persons who left before %(d)s (%(o)d other rows cleared).")
                              % {"n": report["persons"], "d": before, "o": report["other_rows"]})
