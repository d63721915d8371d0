"""`linli status [--json]`: is linli working? Every check of the status page (linli.core.health), one line each;
exits 0 when all are ok, 1 when one warns, 2 when one fails — for cron, a monitor or a deployment script."""

import json

from django.core.management.base import BaseCommand
from django.utils.translation import pgettext

from linli.core import health


class Command(BaseCommand):
    help = "Check the database, disk space, the background workers, the outbox, the jobs, the read replica and the " \
           "classifier; exit 0 (ok), 1 (warn) or 2 (fail)."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object: the overall level and every check")
        parser.add_argument("--details", action="store_true", help="each check's figures under its line")

    def handle(self, *args, details=False, **options):
        checks = health.run()
        level = health.worst(checks)
        if options["json"]:
            self.stdout.write(json.dumps({"status": level, "checks": [c.as_dict() for c in checks]}, ensure_ascii=False))
        else:
            marks = {health.OK: pgettext("health", "ok"), health.WARN: pgettext("health", "warn"), health.FAIL: pgettext("health", "FAIL")}
            for c in checks:
                self.stdout.write(f"{marks[c.level]:5} {c.label}: {c.summary}")
                if details:
                    for key, value in c.details:
                        self.stdout.write(f"      {key}: {value}")
        if health.EXIT_CODES[level]:
            raise SystemExit(health.EXIT_CODES[level])
