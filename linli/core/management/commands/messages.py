"""Refresh the zh_Hans catalogues and compile them: `linli messages [--app patrols]`.

The project catalogue (linli/locale) holds the strings of the apps without a catalogue of their
own; an app with linli/<app>/locale keeps its strings there, so people working on different apps
never edit the same .po file. After running, translate the new entries (msgstr), remove any
"#, fuzzy" marks and run the command again to compile.
"""

import os
import subprocess
from pathlib import Path

from django.core.management import BaseCommand, call_command
from django.core.management.commands import makemessages


class MakeMessages(makemessages.Command):
    """makemessages without fuzzy matching: a new message never inherits a neighbour's translation."""

    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

PACKAGE = Path(__file__).resolve().parents[3]  # linli/


def apps_with_catalogue(package: Path = PACKAGE) -> list[str]:
    return sorted(p.parents[2].name for p in package.glob("*/locale/zh_Hans/LC_MESSAGES"))


def refresh(package: Path = PACKAGE, app: str | None = None, compile: bool = True) -> list[Path]:
    """Extract the messages of `package` (linli/, or a copy of it) into its zh_Hans catalogues; compile them unless told
    not to. Returns the .po files written. The project catalogue skips the apps that have their own."""
    own = apps_with_catalogue(package)
    if app and app not in own:
        raise SystemExit(f"messages: linli/{app}/locale/zh_Hans/LC_MESSAGES does not exist; create it first")
    targets = [(package / app, [])] if app else [(package, [f"{a}/*" for a in own])] + [(package / a, []) for a in own]
    here = os.getcwd()
    written = []
    try:
        for folder, ignore in targets:
            os.chdir(folder)
            call_command(MakeMessages(), locale=["zh_Hans"], no_obsolete=True, ignore_patterns=ignore + ["tests/*", "*/tests/*"],
                         verbosity=0)
            po = folder / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
            if compile:  # this catalogue only (compilemessages would also rewrite the project's)
                subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
            written.append(po)
    finally:
        os.chdir(here)
    return written


class Command(BaseCommand):
    help = "Refresh and compile the zh_Hans catalogues (the project one, or one app's own with --app)."

    def add_arguments(self, parser):
        parser.add_argument("--app", help="only this app's own catalogue (linli/<app>/locale)")

    def handle(self, *args, app=None, **options):
        for po in refresh(PACKAGE, app):
            self.stdout.write(f"messages: {po.relative_to(PACKAGE.parent)}")
