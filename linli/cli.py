"""The `linli` command."""

import os
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    _django()
    from django.core.management import execute_from_command_line

    if not argv:
        argv = ["help"]
    execute_from_command_line(["linli", *argv])


if __name__ == "__main__":
    main()
