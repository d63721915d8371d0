"""The web server behind `linli serve` and `linli demo`.

On Linux (and other Unix) gunicorn runs one process per CPU core (`--workers N` to change), each
with `--threads` threads (gthread workers). The application is loaded once in the master before
the listening socket is opened (preload): Django, the classifier, the jieba dictionary, the templates
and the URL tables are built before the first connection is accepted, the intake's two ways are answered
once inside a transaction that is rolled back (warm_requests), and every worker forked from the master
(also one restarted later) starts with all that built. What a worker's first requests still do is open
their database connections, read the rows their caches keep (core.memo) and copy the pages they write.

Where gunicorn cannot run (Windows, or LINLI_SERVER=waitress), waitress serves in one process with
threads, after the same warm-up.

Both write one access line per request: address, time, method, path, status, bytes, milliseconds,
pid. Never the query string: Open311 clients pass their api_key there.
"""

import gc
import logging
import os
import socket
import sys
import time
from pathlib import Path

log = logging.getLogger("linli.server")
access_log = logging.getLogger("linli.access")

ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s'
WARM_TEXT = "楼道里堆满了纸箱，消防通道被堵住了"


def cpu_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def gunicorn_available() -> bool:
    if os.environ.get("LINLI_SERVER", "").lower() == "waitress" or sys.platform == "win32":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def _say(message: str) -> None:
    print(message, flush=True)


# ---------------------------------------------------------------------------- warm-up
def warm_up() -> dict:
    """Load the classifier (the trained file, or train from the taxonomy) and the jieba dictionary, run one
    prediction so every lazy structure is built, and build the grid index. Returns what was loaded."""
    from django.db import DatabaseError
    from django.utils.translation import gettext as _

    from linli.cases import classifier
    from linli.places import locator

    t0 = time.perf_counter()
    model = classifier.current()
    code, _confidence = model.predict(WARM_TEXT)
    seconds = time.perf_counter() - t0
    info = {"pid": os.getpid(), "labels": len(model.labels), "seconds": round(seconds, 1), "sample": code}
    try:
        info["grids"] = len(locator.current_index())  # no first report builds it
    except DatabaseError as exc:  # the database not reachable yet: the first look-up builds it
        info["grids"] = None
        _say(_("The grid index was not built before start (%(error)s); the first look-up builds it.") % {"error": type(exc).__name__})
    _say(_("Classifier and jieba dictionary loaded in %(s).1f s (%(n)s categories, process %(pid)s).") % {
        "s": seconds, "n": len(model.labels), "pid": os.getpid()})
    return info


def template_names() -> list[str]:
    """Every template of linli's own folders (the project's and each linli app's), as get_template names them."""
    from django.apps import apps
    from django.conf import settings

    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", ())]
    folders += [Path(config.path) / "templates" for config in apps.get_app_configs() if config.name.startswith("linli.")]
    return sorted({path.relative_to(folder).as_posix() for folder in folders if folder.is_dir()
                   for path in folder.rglob("*") if path.suffix in (".html", ".txt", ".xml")})


def warm_django() -> dict:
    """Build, once in the master, what Django and linli otherwise build lazily in each worker's first requests: the
    models' relation graph, the regular expression of every URL pattern and the reverse look-up table of each
    language (some 40 ms on the first page that links anywhere), both languages' message catalogs, every template
    of linli's (compiled by the cached loader), and the prepared look-ups (core.prepared). Forked workers inherit
    them. Nothing here reads or writes data."""
    from django.apps import apps
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    from linli.core import prepared

    for model in apps.get_models():
        model._meta.get_fields()
        model._meta.related_objects  # noqa: B018 (the relation graph of all models, built on first use)
    resolver = get_resolver()

    def compile_patterns(urls) -> int:
        count = 0
        for pattern in urls.url_patterns:
            pattern.pattern.regex  # noqa: B018 (compiled on first use, per language where translated)
            count += 1 + (compile_patterns(pattern) if hasattr(pattern, "url_patterns") else 0)
        return count

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("linli")  # the language's catalogs, merged from every app
            patterns = compile_patterns(resolver)
            resolver.reverse_dict  # noqa: B018 (filled per language on the first reverse())
    names = template_names()
    for name in names:
        get_template(name)
    return {"models": len(apps.get_models()), "url_patterns": patterns, "templates": len(names), "prepared": prepared.warm_all()}


class _Rollback(Exception):
    pass


def _allowed_host() -> str:
    """A host name the settings allow (a request under any other is refused before it reaches a view)."""
    from django.conf import settings

    host = next(iter(settings.ALLOWED_HOSTS), "*")
    if host == "*":
        return "localhost"
    return "warm" + host if host.startswith(".") else host  # ".example.org" allows any name under example.org


def wsgi_call(application, method: str, path: str, body: bytes = b"", headers: dict | None = None, *, host: str | None = None,
              secure: bool = False) -> tuple[str, bytes]:
    """(status line, body) of one request to a WSGI application in-process, with the environ a server builds: HTTP
    headers by their names (Content-Type among them), the host an allowed one unless given, behind TLS when `secure`
    (as a proxy forwards it). The response is closed as a server closes it: that is when Django sends
    request_finished (left open, the thread stays "inside the request", and core.memo's per-request snapshot with it).
    Used by warm_requests and by the benches that send intakes without a server."""
    import io

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "443" if secure else "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": host or _allowed_host(),
               "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "https" if secure else "http", "wsgi.input": io.BytesIO(body),
               "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body))}
    if secure:
        environ.update(HTTPS="on", HTTP_X_FORWARDED_PROTO="https")
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    started = []
    response = application(environ, lambda status, response_headers, *exc_info: started.append(status))
    try:
        reply = b"".join(response)
    finally:
        response.close()
    return started[0], reply


def warm_requests(application) -> dict:
    """Answer the intake's requests once, in the master, inside a transaction that is rolled back: a resident's
    report through the API and a report through Open311, each with a credential made for it in the same
    transaction. What Django, ninja, pydantic and linli build on a path's first use (the replies' plans, the
    inserts' plans, cached properties, ABC caches, compiled regular expressions, …) is then built once and
    shared by every forked worker, instead of being built in each worker's first report with the pages it
    writes copied. Nothing stays: not the cases, not the credentials, not a timeline or outbox row; the process
    caches drop what they read inside (their generations were moved by the rolled-back writes, core.memo). On
    PostgreSQL the tables' id sequences advance, as after any rolled-back insert; a case's number of the day comes
    from the day's counter row, which the rollback restores. On SQLite the write lock is held for the two requests
    (about 50 ms at start; a background worker's write waits that long). Skipped, with the reason, on a database
    without a resident at home, a located building or a category."""
    import json
    import urllib.parse

    from django.conf import settings
    from django.core import signals
    from django.db import DatabaseError, close_old_connections, transaction
    from django.utils import translation
    from django.utils.translation import gettext as _

    from linli.cases.models import Category
    from linli.cases.open311 import create_client
    from linli.people.auth import issue_token
    from linli.people.models import Account, Person
    from linli.places.models import Building

    def find():
        category = Category.objects.filter(active=True, parent__isnull=False).order_by("id").first()
        at_home = Person.objects.filter(status=Person.Status.LIVING_HERE, dwelling__building__grid__isnull=False).order_by("id")
        # one without an account gets one for the warm-up; else one whose account can sign in
        person = at_home.filter(account__isnull=True).first() or at_home.filter(account__is_active=True).first()
        building = Building.objects.filter(grid__isnull=False, lat__isnull=False, lng__isnull=False).order_by("id").first()
        return category, person, building

    def code_of(answer) -> int:
        return int(answer[0].split(" ", 1)[0])

    secure = settings.SECURE_SSL_REDIRECT  # in production a plain-HTTP request is only redirected
    statuses = {}
    # a test client's way: the connection must outlive these requests (its transaction is rolled back below)
    detached = [signal for signal in (signals.request_started, signals.request_finished) if signal.disconnect(close_old_connections)]
    try:  # the requests' language (the locale middleware's) is not left active in the caller's thread
        with translation.override(translation.get_language()), transaction.atomic():
            category, person, building = find()
            if category is None or person is None or building is None:
                return {"skipped": "no category, resident at home or located building yet"}
            account = Account.objects.filter(person=person, is_active=True).first() or Account.objects.create_user(
                username=f"warm-up-{person.pk}", password=None, person=person)
            _token, secret = issue_token(account, "warm-up")
            _client, api_key = create_client("warm-up")
            body = json.dumps({"source": "resident", "description": WARM_TEXT, "category": category.code,
                               "dwelling": person.dwelling_id}).encode()
            statuses["api"] = code_of(wsgi_call(application, "POST", "/api/v1/cases", body, secure=secure, headers={
                "Authorization": f"Bearer {secret}", "Content-Type": "application/json"}))
            form = urllib.parse.urlencode({"api_key": api_key, "service_code": category.code, "lat": building.lat,
                                           "long": building.lng, "description": WARM_TEXT}).encode()
            statuses["open311"] = code_of(wsgi_call(application, "POST", "/open311/v2/requests.json", form, secure=secure,
                                                    headers={"Content-Type": "application/x-www-form-urlencoded"}))
            raise _Rollback
    except _Rollback:
        pass
    except DatabaseError as exc:  # no database yet: the first reports build what this would have
        return {"skipped": type(exc).__name__}
    finally:
        for signal in detached:
            signal.connect(close_old_connections)
    if any(code != 201 for code in statuses.values()):
        _say(_("Warm-up reports were answered %(statuses)s, not 201: the first reports build what they would have.") % {
            "statuses": ", ".join(f"{k} {v}" for k, v in statuses.items())})
    return statuses


def load_linli():
    """The WSGI application of linli, warmed up (called once, before the socket is opened)."""
    from django.db import connections

    from django.urls import get_resolver

    from linli.wsgi import application

    get_resolver().url_patterns  # imports every page and API module now, not in the first request
    warm_up()
    warm_django()
    warm_requests(application)
    connections.close_all()  # nothing the master opened may be shared with forked workers
    # The classifier and jieba's dictionary are some 230,000 long-lived objects: collect once, then move everything
    # loaded so far out of the collector's sight, so that no worker's full collection walks them again (a 0.6–0.8 s
    # pause of a fresh worker on a loaded 2-core machine), and forked workers share those pages instead of copying
    # them when the collector would touch them.
    gc.collect()
    gc.freeze()
    return application


# ---------------------------------------------------------------------------- port check
def port_free(host: str, port: int) -> OSError | None:
    """None when host:port can be listened on; the error otherwise (checked before the warm-up, so a
    busy port is reported at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc
    return None


# ---------------------------------------------------------------------------- gunicorn
def run_gunicorn(load, *, host: str, port: int, workers: int, threads: int, ready_message=None, name: str = "linli") -> int:
    """Serve load() with gunicorn until SIGTERM/SIGINT. load runs once in the master, before the
    listening socket is opened and before the workers are forked."""
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": max(1, threads),
        "preload_app": True,
        "timeout": 120,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-",
        "access_log_format": ACCESS_FORMAT,
        "errorlog": "-",
        # gunicorn's own start-up lines (in English) only when asked; its access log is one line per request either way
        "loglevel": os.environ.get("LINLI_SERVER_LOG_LEVEL", "warning"),
        "proc_name": name,
        "control_socket_disable": True,  # gunicorn ≥ 24: no control socket in $HOME shared by every instance
    }

    def when_ready(server):
        if ready_message:
            _say(ready_message(port))

    def post_fork(server, worker):
        # a worker starts without the master's database connections (closed in load_linli; once more,
        # in case the loader opened one): Django opens its own, one per thread, and keeps them.
        from django.db import connections

        for conn in connections.all(initialized_only=True):
            conn.close()

    class App(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # control_socket_disable is newer than gunicorn 22
                    self.cfg.set(key, value)
            self.cfg.set("when_ready", when_ready)
            self.cfg.set("post_fork", post_fork)

        def load(self):
            return load()

    master = os.getpid()
    try:
        App().run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if os.getpid() != master:
            # a worker forked inside App().run() leaving: it must not unwind through the caller's
            # clean-up (that belongs to the master), only end
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        return code
    return 0


# ---------------------------------------------------------------------------- waitress (fallback)
class AccessLog:
    """WSGI middleware: one access line per request in gunicorn's format, without the query string."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        t0 = time.perf_counter()
        seen = {}

        def _start(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["bytes"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.app(environ, _start)
        finally:
            ms = int((time.perf_counter() - t0) * 1000)
            line = '%s [%s] "%s %s %s" %s %s %dms pid=%d' % (
                environ.get("REMOTE_ADDR", "-"), time.strftime("%d/%b/%Y:%H:%M:%S %z"), environ.get("REQUEST_METHOD", "-"),
                environ.get("PATH_INFO", "") or "/", environ.get("SERVER_PROTOCOL", "-"), seen.get("status", "-"),
                seen.get("bytes", "-"), ms, os.getpid())
            _say(line)


def run_waitress(load, *, host: str, port: int, threads: int, ready_message=None, on_start=None) -> int:
    """Serve load() with waitress (one process, threads) until SIGTERM/SIGINT."""
    import signal

    from waitress import create_server

    application = AccessLog(load())
    server = create_server(application, host=host, port=port, threads=threads)
    stop = on_start() if on_start else None

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)  # also when started in the background, where SIGINT starts ignored
    if ready_message:
        _say(ready_message(server.effective_port))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if stop is not None:
            stop()
        server.close()
    return 0
