"""linli export_register persons|households|buildings|venues|grids OUT.xlsx --as USERNAME [--reason TEXT] [filters]

Writes what that user sees. ID numbers and phones are masked unless a reason is given (like a single reveal)
and the user may reveal them; one audit row per export (with its row count).
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.people import exports as people_exports
from linli.people.models import Account
from linli.people.queries import PersonFilter
from linli.people.scopes import resolve
from linli.places import exports as place_exports

KINDS = ("persons", "households", "buildings", "venues", "grids")


class Command(BaseCommand):
    help = "Export a register the user can see to xlsx (masked unless they may reveal)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("out")
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument("--reason", default="", help="why full ID numbers and phones are needed (kept in the audit log); without it the sheet is masked")
        parser.add_argument("--masked", action="store_true", help="mask ID numbers and phones (the default without --reason)")
        parser.add_argument("--tag", default="")
        parser.add_argument("--grid", type=int)
        parser.add_argument("--building", type=int)
        parser.add_argument("--community", type=int)
        parser.add_argument("--age-band", default="")
        parser.add_argument("--status", default="living_here", help="living_here, moved_out, deceased or '' for all")

    def handle(self, *args, **opts):
        try:
            account = Account.objects.get(username=opts["username"], is_active=True)
        except Account.DoesNotExist:
            raise CommandError(_("No active account %(u)s") % {"u": opts["username"]})
        scope = resolve(account)
        kind = opts["kind"]
        reason = "" if opts["masked"] else opts["reason"]
        try:
            if kind == "persons":
                f = PersonFilter(tag=opts["tag"], grid=opts["grid"], building=opts["building"], community=opts["community"],
                                 age_band=opts["age_band"], status=opts["status"])
                data = people_exports.export_persons(scope, f, reason=reason)
            elif kind == "households":
                data = people_exports.export_households(scope, reason=reason)
            elif kind == "venues":
                data = place_exports.export_venues(scope, reason=reason)
            else:
                data = getattr(place_exports, f"export_{kind}")(scope)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        Path(opts["out"]).write_bytes(data)
        self.stdout.write(_("Written: %(f)s") % {"f": opts["out"]})
