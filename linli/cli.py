"""The `linli` command (also `python3 -m linli`).

    linli demo [--host H] [--port P]   migrate, build the demo data once, print the accounts,
                                       serve the web app and run the worker beside it
    linli serve [--host H] [--port P]  the web app only (gunicorn: --workers N processes, default one
               [--workers N]           per CPU core, × --threads; waitress where gunicorn cannot run)
    linli worker                       the background worker loop only (stops cleanly on SIGTERM/SIGINT)
    linli test [--postgres] [ARGS…]    the architecture contracts (lint-imports) and the whole test suite
                                       (pytest ARGS…; with test paths, those only); --postgres runs it on
                                       a throwaway PostgreSQL 15 cluster with a hot standby (the read replica)
    linli <django command> …           anything else: Django management commands
                                       (migrate, createsuperuser, import_register, shell …)
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

OWN_COMMANDS = ("demo", "serve", "worker", "test")
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def _(message: str) -> str:
    """gettext once Django is set up; the English source before that (e.g. in `linli test`)."""
    try:
        from django.apps import apps

        if apps.ready:
            from django.utils.translation import gettext

            return gettext(message)
    except Exception:
        pass
    return message


def _say(message: str = "") -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------- demo / serve / worker
def _server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("LINLI_HOST", "127.0.0.1"), help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINLI_PORT", "8000")), help="port (default 8000)")
    parser.add_argument("--threads", type=int, default=8, help="web server threads per process (default 8)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LINLI_WORKERS", "0")) or None,
                        help="web server processes (default: one per CPU core; gunicorn, Linux/Unix only)")


def _migrate() -> None:
    from django.core.management import call_command

    _say(_("Preparing the database …"))
    call_command("migrate", interactive=False, verbosity=0)


def _pending_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal: CJK characters take two columns, so str.ljust misaligns them."""
    import unicodedata

    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def _print_demo(result: dict) -> None:
    import linli.demo as demo

    if result.get("created"):
        _say(_("Demo data created in %(s)s s.") % {"s": result.get("seconds")})
    else:
        _say(_("Demo data found (subdistrict %(code)s); reusing it.") % {"code": demo.SUBDISTRICT[0]})
    labels = {
        "grids": _("grids"), "dedicated_grids": _("dedicated grids"), "residential_grids": _("residential grids"),
        "micro_grids": _("micro-grids"), "compounds": _("compounds"), "buildings": _("buildings"),
        "institutions": _("resident institutions"), "shops": _("shops (incl. nine-small venues)"),
        "building_leaders": _("building leaders"), "party_levels": _("party levels"), "residents": _("residents"),
        "households": _("households"), "dwellings": _("dwellings"),
    }
    _say(_("%(community)s (figures counted in the database, as the home pages count them; where seed 000 gives a figure, it is shown beside):") % {"community": demo.MAIN[1]})
    for key, label in labels.items():
        if key in result:
            expected = demo.HEADLINE.get(key)
            if expected is None:
                mark = ""
            elif result[key] == expected:
                mark = "  " + _("(as in the report)")
            else:
                mark = "  " + _("(the report says %(n)s)") % {"n": expected}
            _say(f"  {_pad(label, 34)} {result[key]:>6,}{mark}")
    _say()
    _say(_("Demo accounts (password for all, the administrator included: %(pw)s)") % {"pw": demo.PASSWORD})
    rows = demo.accounts_by_role()
    width = max((len(r[1]) for r in rows), default=8)
    for label, username, name, where in rows:
        _say(f"  {_pad(label, 24)} {username:<{width}}  {_pad(name, 8)}  {where}")
    _say("  " + _("Every building leader signs in as leader01 … leader35 (unless they hold another post first);"))
    _say("  " + _("neighbouring communities, to compare scopes: funan_secretary, funan_grid1, qiaonan_secretary, qiaonan_grid1."))
    _say()


def _serve(host: str, port: int, threads: int, with_worker: bool, workers: int | None = None) -> int:
    """gunicorn (workers × threads, the app and the classifier loaded before the socket opens) where it
    runs, waitress otherwise (linli.server). With the worker, one loop beside the web processes: a
    separate process under gunicorn, a thread under waitress."""
    from django.conf import settings
    from django.core.management import call_command

    from linli import server as server_mod
    from linli.core import worker as worker_mod

    # whitenoise serves what collectstatic gathers into STATIC_ROOT (admin, API docs, vendored JS/CSS)
    call_command("collectstatic", interactive=False, verbosity=0)
    busy = server_mod.port_free(host, port)
    if busy is not None:
        _say(_("Cannot listen on %(host)s:%(port)s (%(err)s). Is another server running there? Try --port.") % {"host": host, "port": port, "err": busy.strerror or busy})
        return 1
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    sweeps = ", ".join(worker_mod.registered()) or "-"

    def ready(actual_port):
        return _("linli is running at http://%(host)s:%(port)s/  (database: %(db)s; Ctrl+C to stop)") % {
            "host": shown_host, "port": actual_port, "db": db}

    if not server_mod.gunicorn_available():
        def start_worker():
            thread, stop = worker_mod.start_in_thread()
            _say(_("Background worker running (sweeps: %(s)s).") % {"s": sweeps})
            return lambda: (_say(_("Stopping …")), stop.set(), thread.join(timeout=10))

        return server_mod.run_waitress(server_mod.load_linli, host=host, port=port, threads=threads, ready_message=ready,
                                       on_start=start_worker if with_worker else None)
    workers = workers or server_mod.cpu_cores()
    _say(_("Web server: gunicorn, %(w)s processes × %(t)s threads; one access-log line per request follows.") % {"w": workers, "t": threads})
    loop = None
    if with_worker:
        loop = subprocess.Popen([sys.executable, "-m", "linli", "worker"])  # says itself that it runs
    try:
        return server_mod.run_gunicorn(server_mod.load_linli, host=host, port=port, workers=workers, threads=threads, ready_message=ready)
    finally:
        _say(_("Stopping …"))
        if loop is not None:
            loop.terminate()
            try:
                loop.wait(timeout=15)
            except subprocess.TimeoutExpired:
                loop.kill()


def cmd_demo(argv) -> int:
    parser = argparse.ArgumentParser(prog="linli demo", description=_("Migrate, create the demo data once, then serve the web app and run the worker beside it."))
    _server_args(parser)
    parser.add_argument("--residents", type=int, default=None, help="residents of 柳航里 on first build (default 3200)")
    parser.add_argument("--no-serve", action="store_true", help="build and print, then exit")
    args = parser.parse_args(argv)
    _django()
    import linli.demo as demo

    _migrate()
    result = demo.build(verbosity=1, residents=args.residents or demo.DEFAULT_RESIDENTS)
    _print_demo(result)
    if args.no_serve:
        return 0
    return _serve(args.host, args.port, args.threads, with_worker=True, workers=args.workers)


def cmd_serve(argv) -> int:
    parser = argparse.ArgumentParser(prog="linli serve", description=_("Serve the web app (no worker; run `linli worker` beside it)."))
    _server_args(parser)
    args = parser.parse_args(argv)
    _django()
    if _pending_migrations():
        _say(_("The database has unapplied migrations: run `linli migrate` first."))
        return 1
    return _serve(args.host, args.port, args.threads, with_worker=False, workers=args.workers)


def cmd_worker(argv) -> int:
    parser = argparse.ArgumentParser(prog="linli worker", description=_("Run the background worker loop until SIGTERM or Ctrl+C."))
    parser.add_argument("--interval", type=float, default=2.0, help="seconds to wait when there is nothing to do")
    args = parser.parse_args(argv)
    _django()
    from linli.core import worker as worker_mod

    stop = threading.Event()

    def _stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    _say(_("Worker running (sweeps: %(s)s); stop with Ctrl+C or SIGTERM.") % {"s": ", ".join(worker_mod.registered()) or "-"})
    worker_mod.run_forever(stop, interval=args.interval)
    _say(_("Worker stopped."))
    return 0


# ---------------------------------------------------------------------------- test
def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_browser() -> None:
    """Headless chromium and CJK fonts for the browser tests, poppler, gettext and nginx: installed with apt-get when we are root."""
    chromium = os.path.exists("/usr/bin/chromium") or shutil.which("chromium")
    fonts = any(os.path.exists(p) for p in CJK_FONT_FILES)
    pdftoppm = bool(shutil.which("pdftoppm"))  # poppler-utils: the monthly report's PDF pages rendered to images
    xgettext = bool(shutil.which("xgettext") and shutil.which("msgmerge"))  # gettext: the catalogues checked against the source
    nginx = bool(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"))  # deploy/nginx-linli.conf run in front of linli serve
    missing = [pkg for pkg, ok in (("chromium", chromium), ("fonts-noto-cjk", fonts), ("poppler-utils", pdftoppm), ("gettext", xgettext),
                                   ("nginx-light", nginx)) if not ok]
    if not missing:
        return
    if _is_root() and shutil.which("apt-get"):
        _say(_("Installing %(p)s for the browser tests …") % {"p": " ".join(missing)})
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        ok = subprocess.run(["apt-get", "update"], env=env).returncode == 0
        ok = ok and subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing], env=env).returncode == 0
        if ok:
            return
        _say(_("apt-get could not install chromium; browser tests will not find a browser."))
        return
    _say(_("Browser tests need %(p)s, which are missing. Install them (e.g. `sudo apt-get install chromium fonts-noto-cjk`) "
           "and run the tests again.") % {"p": " and ".join(missing)})


def _project_root() -> Path | None:
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() else None


def run_pytest(args, env=None) -> int:
    root = _project_root()
    cmd = [sys.executable, "-m", "pytest", *args]
    if root is None and not any(not a.startswith("-") for a in args):
        cmd = [sys.executable, "-m", "pytest", "--pyargs", "linli", *args]
    env = dict(os.environ if env is None else env)
    if os.path.exists("/usr/bin/chromium"):
        env.setdefault("LINLI_CHROMIUM", "/usr/bin/chromium")
    rc = subprocess.run(cmd, cwd=root or os.getcwd(), env=env).returncode
    if rc == 5:
        _say(_("pytest collected no tests: counted as a failure."))
        return 1
    return rc


def _vendor_of_env() -> str:
    """The database vendor LINLI_DATABASE_URL names (sqlite when it is unset, as in settings)."""
    url = os.environ.get("LINLI_DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite" if not url or url.startswith("sqlite") else url.split(":", 1)[0]


def run_contracts() -> int:
    """import-linter over the contracts in pyproject.toml (the layers of docs/architecture.md)."""
    root = _project_root()
    if root is None:
        return 0
    _say(_("Checking the architecture contracts (lint-imports) …"))
    cmd = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())", "--no-cache"]
    return subprocess.run(cmd, cwd=root, env=dict(os.environ, PYTHONPATH=str(root))).returncode


def cmd_test(argv) -> int:
    args = list(argv)
    postgres = "--postgres" in args
    if postgres:
        args.remove("--postgres")
    if any(a in ("-h", "--help") for a in args) and not postgres:
        _say(__doc__)
    ensure_browser()
    if not any(not a.startswith("-") for a in args):  # the whole suite: the contracts first
        rc = run_contracts()
        if rc:
            return rc
    if not postgres:
        # linli/core/tests/test_database.py fails if the suite did not run on the database asked for.
        return run_pytest(args, env=dict(os.environ, LINLI_EXPECT_DB_VENDOR=os.environ.get("LINLI_EXPECT_DB_VENDOR", _vendor_of_env())))
    from linli.testing.pg import TemporaryPostgres

    with TemporaryPostgres() as pg:
        _say(_("PostgreSQL %(v)s running on 127.0.0.1:%(port)s (throwaway cluster in %(dir)s)") % {"v": pg.version, "port": pg.port, "dir": pg.directory})
        standby = pg.start_standby()  # the cockpit and reports read from a read replica, as in production
        _say(_("and a hot standby of it on 127.0.0.1:%(port)s (the read replica)") % {"port": standby.port})
        env = dict(os.environ, LINLI_DATABASE_URL=pg.url, LINLI_REPLICA_URL=standby.url, LINLI_EXPECT_DB_VENDOR="postgresql",
                   LINLI_EXPECT_REPLICA="1")
        return run_pytest(args, env=env)


# ---------------------------------------------------------------------------- entry point
def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help") and len(argv) == 1:
        _say(__doc__)
        if argv:
            _django()
            from django.core.management import execute_from_command_line

            execute_from_command_line(["linli", "help"])
        return 0
    command, rest = argv[0], argv[1:]
    if command == "care" and rest and rest[0] in ("simulate", "receiver"):  # `linli care simulate` = `linli care-simulate`
        command, rest = f"care_{rest[0]}", rest[1:]
    handlers = {"demo": cmd_demo, "serve": cmd_serve, "worker": cmd_worker, "test": cmd_test}
    if command in handlers:
        sys.exit(handlers[command](rest))
    _django()
    from django.core.management import execute_from_command_line

    # `linli train-classifier` runs the Django command train_classifier
    execute_from_command_line(["linli", command.replace("-", "_"), *rest])


if __name__ == "__main__":
    main()
