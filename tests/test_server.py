"""`linli serve` as a real process on a fresh SQLite database: the classifier and the jieba dictionary
are loaded before the server accepts its first request (no cold start in a request), every web
process is forked from the warmed master, and each request leaves one access line without its
query string (Open311 keys travel there). Nothing here measures time: it reads the order of the
server's own lines."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="
SECRET = "sekrit-in-the-query"
WARM = r"(?:[Cc]lassifier and jieba dictionary loaded|分类器与结巴词典已载入)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    var = tmp_path_factory.mktemp("serve-var")
    env = dict(os.environ, LINLI_VAR_DIR=str(var), LINLI_ENCRYPTION_KEY=KEY, PYTHONUNBUFFERED="1", LINLI_LOG_LEVEL="WARNING",
               LINLI_SERVER_LOG_LEVEL="info")  # gunicorn's start-up lines, which these tests read
    env.pop("LINLI_DATABASE_URL", None)  # a fresh SQLite database, also in the --postgres run
    env.pop("LINLI_REPLICA_URL", None)  # and so no read replica
    env.pop("LINLI_SERVER", None)
    out = subprocess.run([sys.executable, "-m", "linli", "migrate", "-v", "0"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return env


def _serve(env, *args):
    port = _free_port()
    log = Path(env["LINLI_VAR_DIR"]) / f"serve-{port}.log"
    fh = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "linli", "serve", "--port", str(port), *args], cwd=ROOT, env=env,
                            stdout=fh, stderr=subprocess.STDOUT)
    return proc, port, log, fh


def _first_answer(proc, port, path) -> int:
    """Poll until the server answers one request (the first it serves); its status."""
    deadline = time.monotonic() + 300  # a guard against a server that never comes up, not a measurement
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            return status
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


def _stop(proc, fh) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    finally:
        fh.close()


def _index(lines, pattern) -> int:
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"no line matches {pattern!r}:\n" + "\n".join(lines[-40:]))


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_gunicorn_workers_start_warm_and_log_requests_without_query_strings(fresh_env):
    proc, port, log, fh = _serve(fresh_env, "--workers", "2", "--threads", "2")
    try:
        assert _first_answer(proc, port, f"/open311/v2/services.json?api_key={SECRET}") == 200
        # the served application dispatches: a machine request (no cookie) gets the API's policy, a browser's the pages'
        policies = {}
        for cookie in ("", "sessionid=none"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/open311/v2/services.json", headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            resp.read()
            policies[bool(cookie)] = (resp.status, resp.getheader("Content-Security-Policy"))
            conn.close()
    finally:
        rc = _stop(proc, fh)
    assert policies[False] == (200, "default-src 'none'; frame-ancestors 'none'")
    assert policies[True][0] == 200 and "script-src 'self'" in policies[True][1]
    assert rc == 0
    text = log.read_text()
    lines = text.splitlines()
    warm = _index(lines, WARM)
    listening = _index(lines, r"Listening at: http://127\.0\.0\.1:%d" % port)
    access = _index(lines, r'"GET /open311/v2/services\.json HTTP/1\.1" 200')
    # the model was loaded in the master before the socket existed, so before any request could be accepted
    assert warm < listening < access
    # the request was served by a web process forked from the warmed master, one of two
    worker_pid = re.search(r"<(\d+)>\s*$", lines[access]).group(1)
    booted = _index(lines, rf"Booting worker with pid: {worker_pid}\b")
    assert warm < booted < access
    assert len(re.findall(r"Booting worker with pid", text)) >= 2
    assert re.search(r"(?:process|进程) (\d+)", lines[warm]).group(1) != worker_pid
    assert SECRET not in text and "api_key" not in text
    assert text.count("Stopping") + text.count("正在停止") == 1  # the master cleans up; the workers only end


def test_waitress_fallback_also_warms_up_before_listening(fresh_env):
    env = dict(fresh_env, LINLI_SERVER="waitress")
    proc, port, log, fh = _serve(env)
    try:
        assert _first_answer(proc, port, f"/open311/v2/services.json?api_key={SECRET}") == 200
    finally:
        rc = _stop(proc, fh)
    assert rc == 0
    text = log.read_text()
    lines = text.splitlines()
    warm = _index(lines, WARM)
    running = _index(lines, rf"127\.0\.0\.1:{port}/")
    access = _index(lines, r'"GET /open311/v2/services\.json HTTP/1\.1" 200')
    assert warm < running < access
    assert "Listening at" not in text  # not gunicorn
    assert SECRET not in text and "api_key" not in text


@pytest.mark.django_db
def test_the_master_freezes_what_it_loaded_so_workers_never_collect_it():
    """The classifier and jieba's dictionary (about 230,000 objects) are moved out of the collector's sight before
    the workers fork: a fresh worker's first full collection no longer pauses a request for most of a second."""
    import gc

    from linli import server

    gc.unfreeze()
    try:
        server.load_linli()
        assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()
    finally:
        gc.unfreeze()


WARM_PROBE = r"""
import json
import django
django.setup()
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from linli import server
from linli.core import prepared

get_resolver().url_patterns  # every module imported, as in load_linli, so every prepared look-up exists


def state():
    cache = engines["django"].engine.template_loaders[0].get_template_cache  # the cached loader's
    return {
        "templates_missing": sorted(name for name in server.template_names() if not hasattr(cache.get(name), "render")),
        "reverse_languages": sorted(get_resolver()._reverse_dict),
        "prepared": [p.compiled() for p in prepared._ALL],
        "models_without_relations": sorted(m.__name__ for m in apps.get_models() if "related_objects" not in m._meta.__dict__),
    }


before = state()
server.load_linli()
print(json.dumps({"before": before, "after": state(), "languages": [code for code, _name in settings.LANGUAGES]}))
"""


def test_the_master_builds_what_each_workers_first_requests_would_build(fresh_env):
    """load_linli compiles, before the fork, what Django builds lazily on first use: every template of linli's, the
    reverse look-up of URLs in each language, the prepared look-ups, the models' relation graph. Read in a fresh
    process, before and after (a process that ran other tests may have built them already)."""
    env = dict(fresh_env, DJANGO_SETTINGS_MODULE="linli.settings")
    out = subprocess.run([sys.executable, "-c", WARM_PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    before, after = seen["before"], seen["after"]
    assert len(before["templates_missing"]) > 100 and "base.html" in before["templates_missing"]
    assert before["reverse_languages"] == [] and not any(before["prepared"]) and before["models_without_relations"]
    assert after["templates_missing"] == []
    assert after["reverse_languages"] == sorted(seen["languages"]) == ["en", "zh-hans"]
    assert after["prepared"] and all(after["prepared"])
    assert after["models_without_relations"] == []


# ---------------------------------------------------------------------------- the intake's requests, answered once in the master
def _rows():
    from linli.cases.models import Case, CaseEvent, Open311Client
    from linli.core.models import OutboxMessage
    from linli.people.models import Account, ApiToken

    return {model.__name__: model.objects.count() for model in (Case, CaseEvent, OutboxMessage, ApiToken, Account, Open311Client)}


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_the_master_answers_both_intakes_once_and_keeps_nothing_of_them(world, settings, monkeypatch, capsys, production):
    """warm_requests sends a resident's API report and an Open311 report through the WSGI application inside a
    transaction it rolls back: both are answered 201 (behind TLS and under an allowed host name in production, where
    a plain request would only be redirected), and afterwards no case, timeline or outbox row, token, account or client
    is left, the credentials it made are refused (no process cache kept them), and the connection clean-up that
    every request runs is connected again."""
    from django.core import signals
    from django.db import close_old_connections
    from django.test import Client

    from linli import server
    from linli.cases import open311
    from linli.cases.models import Category
    from linli.core import api_chain
    from linli.people import auth
    from linli.places.models import Building

    if production:
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.ALLOWED_HOSTS = [".linli.example"]
    application = api_chain.application()  # its middleware read these settings
    made = {}
    real_token, real_client = auth.issue_token, open311.create_client
    monkeypatch.setattr(auth, "issue_token", lambda *a, **k: made.setdefault("token", real_token(*a, **k)))
    monkeypatch.setattr(open311, "create_client", lambda *a, **k: made.setdefault("client", real_client(*a, **k)))
    before = _rows()
    assert server.warm_requests(application) == {"api": 201, "open311": 201}
    assert _rows() == before
    assert "Warm-up" not in capsys.readouterr().out
    for signal in (signals.request_started, signals.request_finished):
        assert signal.disconnect(close_old_connections)  # it was connected again
        signal.connect(close_old_connections)
    settings.SECURE_SSL_REDIRECT = False
    client = Client(HTTP_HOST="warm.linli.example" if production else "localhost")
    secret, api_key = made["token"][1], made["client"][1]
    assert client.get("/api/v1/people/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    # the same report as the warm-up's: refused for its key alone (a key made now gets it through)
    category = Category.objects.filter(active=True, parent__isnull=False).order_by("id").first()
    building = Building.objects.filter(grid__isnull=False, lat__isnull=False).order_by("id").first()
    report = {"service_code": category.code, "lat": building.lat, "long": building.lng, "description": server.WARM_TEXT}
    assert client.post("/open311/v2/requests.json", {"api_key": api_key, **report}).status_code == 403
    assert _rows() == before
    assert client.post("/open311/v2/requests.json", {"api_key": real_client("now")[1], **report}).status_code == 201


@pytest.mark.django_db
def test_the_masters_warm_up_skips_a_database_without_residents():
    from linli import server
    from linli.wsgi import application

    before = _rows()
    assert server.warm_requests(application) == {"skipped": "no category, resident at home or located building yet"}
    assert _rows() == before


def test_a_warm_up_report_that_fails_is_said_and_does_not_stop_the_start(world, monkeypatch, capsys):
    from linli import server
    from linli.wsgi import application

    # a description shorter than a report may have: both ways refuse it, the start goes on and says so
    before = _rows()
    monkeypatch.setattr(server, "WARM_TEXT", "灯")
    assert server.warm_requests(application) == {"api": 422, "open311": 400}
    assert "Warm-up reports were answered api 422, open311 400, not 201" in capsys.readouterr().out
    assert _rows() == before
