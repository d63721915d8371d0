"""Serve the bare reference the way `linli serve` serves linli (linli.server: gunicorn gthread,
--workers × --threads, preload; waitress where gunicorn cannot run), after migrating its database.

    python3 bench/bare/serve.py --port 8100 [--workers N] [--threads 8]
"""

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent.parent))  # linli (its server module)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bare.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description="the bare Django + django-ninja reference")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from linli import server

    call_command("migrate", interactive=False, verbosity=0)
    connections.close_all()

    def load():
        from django.urls import get_resolver

        from bare.wsgi import application

        get_resolver().url_patterns  # as linli.server.load_linli: the URLconf imported before the first request
        return application

    def ready(port):
        return f"bare is running at http://{args.host}:{port}/api/reports"

    if server.gunicorn_available():
        return server.run_gunicorn(load, host=args.host, port=args.port, workers=args.workers or server.cpu_cores(),
                                   threads=args.threads, ready_message=ready, name="bare")
    return server.run_waitress(load, host=args.host, port=args.port, threads=args.threads, ready_message=ready)


if __name__ == "__main__":
    sys.exit(main())
