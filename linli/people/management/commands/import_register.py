"""linli import_register residents|buildings|venues FILE --as USERNAME [--dry-run] [--community CODE] [--errors OUT.xlsx]

Runs an import as that user (their scope decides what they may write), prints the counts
and every invalid row, and writes the error sheet next to the file (or to --errors).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.models import AuditLog
from linli.people.importers import import_residents
from linli.people.models import Account
from linli.people.scopes import resolve
from linli.places.importers import import_buildings, import_venues

IMPORTERS = {"residents": import_residents, "buildings": import_buildings, "venues": import_venues}


class Command(BaseCommand):
    help = "Import residents, buildings or venues from an Excel register (Chinese headers; see docs/import-mapping.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="the account the import runs as (its scope applies)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--community", help="the community (code or id) the sheet is for, when the account sees several")
        parser.add_argument("--errors", help="where to write the error sheet (default: FILE-errors.xlsx)")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(f)s") % {"f": path})
        try:
            account = Account.objects.get(username=opts["username"], is_active=True)
        except Account.DoesNotExist:
            raise CommandError(_("No active account %(u)s") % {"u": opts["username"]})
        scope = resolve(account)
        last = {"n": 0}

        def progress(done, total=None):
            if done - last["n"] >= 5000:
                last["n"] = done
                self.stderr.write(f"… {done}" + (f"/{total}" if total else ""))

        with path.open("rb") as fh:
            report = IMPORTERS[opts["kind"]](scope, fh, dry_run=opts["dry_run"], on_progress=progress, community=opts["community"])
        if not opts["dry_run"]:
            audit.record(account, AuditLog.Action.IMPORT, subject_label=f"{opts['kind']}: {path.name}",
                         created=report.created, updated=report.updated, unchanged=report.unchanged, invalid=report.invalid_rows)
        self.stdout.write(report.summary())
        for e in report.errors:
            self.stdout.write(f"  {e.row}\t{e.column}\t{e.rule}\t{e.message}")
        if report.errors:
            out = Path(opts["errors"]) if opts["errors"] else path.with_name(path.stem + "-errors.xlsx")
            out.write_bytes(report.error_xlsx())
            self.stdout.write(_("Error sheet: %(f)s") % {"f": out})
