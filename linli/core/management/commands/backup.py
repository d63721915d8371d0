"""`linli backup [PATH]`: the database and the encryption key in one archive (linli.core.backup)."""

from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and the encryption key into a .tar.gz archive (0600)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="archive to write (default var/backups/linli-DATE.tar.gz)")
        parser.add_argument("--without-key", action="store_true",
                            help="leave the encryption key out; then keep the key safe apart: without it the ID numbers and phones are lost")

    def handle(self, *args, path=None, without_key=False, **options):
        try:
            written = backup.backup(path, with_key=not without_key)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup written: {written}")
        if without_key:
            self.stdout.write(self.style.WARNING("the archive holds no key: keep the key file (or LINLI_ENCRYPTION_KEY) safe apart, "
                                                 "without it the restored ID numbers and phones cannot be read"))
        else:
            self.stdout.write("the archive holds the encryption key: keep it as safe as the key itself")
