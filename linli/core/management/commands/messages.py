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


def apps_with_catalogue() -> list[str]:
    return sorted(p.parents[2].name for p in PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES"))


class Command(BaseCommand):
    help = "Refresh and compile the zh_Hans catalogues (the project one, or one app's own with --app)."

    def add_arguments(self, parser):
        parser.add_argument("--app", help="only this app's own catalogue (linli/<app>/locale)")

    def handle(self, *args, app=None, **options):
        own = apps_with_catalogue()
        if app and app not in own:
            raise SystemExit(f"messages: linli/{app}/locale/zh_Hans/LC_MESSAGES does not exist; create it first")
        targets = [(PACKAGE / app, [])] if app else [(PACKAGE, [f"{a}/*" for a in own])] + [(PACKAGE / a, []) for a in own]
        here = os.getcwd()
        try:
            for folder, ignore in targets:
                os.chdir(folder)
                call_command(MakeMessages(), locale=["zh_Hans"], no_obsolete=True, ignore_patterns=ignore + ["tests/*", "*/tests/*"],
                             verbosity=0)
                po = folder / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
                # compile this catalogue only (compilemessages would also rewrite the project's)
                subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
                self.stdout.write(f"messages: {folder.relative_to(PACKAGE.parent)}/locale/zh_Hans/LC_MESSAGES/django.po")
        finally:
            os.chdir(here)
