"""linli subject_access <person id | mobile | resident ID number> --reason TEXT [--as USERNAME] [--out FILE.json]

A copy of everything linli holds about one person (PIPL art. 45), as JSON: the person, households, tags,
history, posts, accounts, and each app's records (cases reported, care visits, volunteer records, points…).
Taken as USERNAME (who must be allowed to reveal that person's data) or, without --as, as the system; one
audit row either way.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.errors import OutOfScope
from linli.people import privacy
from linli.people.models import Account, Person
from linli.people.scopes import resolve, system


class Command(BaseCommand):
    help = "Write a copy of everything linli holds about one person (JSON), audited."

    def add_arguments(self, parser):
        parser.add_argument("person", help="the person's id, mobile number or resident ID number")
        parser.add_argument("--reason", required=True, help="why the copy is taken (e.g. the resident's written request of DATE)")
        parser.add_argument("--as", dest="username", default="")
        parser.add_argument("--out", default="", help="file to write (default: standard output)")

    def handle(self, *args, **opts):
        if opts["username"]:
            try:
                scope = resolve(Account.objects.get(username=opts["username"], is_active=True))
            except Account.DoesNotExist:
                raise CommandError(_("No active account %(u)s") % {"u": opts["username"]})
        else:
            scope = system()
        try:
            person = privacy.find_person(opts["person"])
        except Person.DoesNotExist:
            raise CommandError(_("No such person."))
        try:
            data = privacy.subject_access(scope, person, opts["reason"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        except OutOfScope as exc:
            raise CommandError(str(exc))
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        if opts["out"]:
            path = Path(opts["out"])
            path.write_text(text, encoding="utf-8")
            path.chmod(0o600)
            self.stdout.write(_("Written: %(f)s") % {"f": opts["out"]})
        else:
            self.stdout.write(text)
