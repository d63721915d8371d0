"""`linli restore PATH`: put back a `linli backup` archive (stop the servers and the worker first)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "Restore the database (and the encryption key) from a `linli backup` archive. Stop linli's servers and worker first."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="archive written by `linli backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask: the current database is replaced")
        parser.add_argument("--replace-key", action="store_true",
                            help="when the archive's key differs from the key file, install the archive's (the old one is kept beside it)")

    def handle(self, *args, path, yes=False, replace_key=False, **options):
        try:
            manifest = backup.read_manifest(path)
        except (backup.BackupError, OSError, KeyError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not yes:
            answer = input(f"Replace the current database with the backup of {manifest['created']}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("restore cancelled")
        try:
            notes = backup.restore(path, replace_key=replace_key)
        except (backup.BackupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for note in notes:
            self.stdout.write(note)
