"""Issue 13 (8): nothing lost in a crash.

`linli serve` (gunicorn, 2 processes) and `linli worker` run as real processes on the test database (the SQLite file,
or PostgreSQL in the --postgres run) with the webhook pointed at a receiver in this test. A load of intakes (Open311 and
the JSON API, 8 clients) runs; cases fall due; the server and the worker are killed with SIGKILL in the middle (every
process of their groups), started again, and the load goes on. Then:

- every request answered 201 is in the database with its first timeline row (submit), its routing row and its outbox
  rows; no case anywhere lacks its first timeline row;
- after the restart every due escalation happens exactly once (one escalate row per case), and every webhook message is
  marked sent and reached the receiver, at most one of them twice (the one the killed worker may have been posting:
  the gateway dedupes by X-Linli-Message-Id).

N intakes: 2,000 by default, the issue's full load (79 s on SQLite, 89 s on PostgreSQL on 2 shared cores, 2026-12-01);
LINLI_CRASH_N sets another number.
"""

import collections
import datetime
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from linli.cases.models import Case, CaseEvent
from linli.cases.open311 import create_client
from linli.core.models import OutboxMessage
from linli.people.auth import issue_token

from .test_worker_kill import _database_url

N = int(os.environ.get("LINLI_CRASH_N", "2000"))
ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn and SIGKILL: Unix only")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(BaseHTTPRequestHandler):
    got: collections.Counter = collections.Counter()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.got[self.headers.get("X-Linli-Message-Id")] += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout  # a guard against a hang, not a measurement
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Stack:
    """linli serve + linli worker, each in its own process group (SIGKILL reaches every process)."""

    def __init__(self, env, port, logdir):
        self.env, self.port, self.logdir, self.procs, self.round = env, port, logdir, [], 0

    def start(self):
        self.round += 1
        if self.round == 1:  # migrations added to the tree since the test database was made (no-op otherwise)
            out = subprocess.run([sys.executable, "-m", "linli", "migrate", "-v", "0"], cwd=ROOT, env=self.env,
                                 capture_output=True, text=True)
            assert out.returncode == 0, out.stderr[-3000:]
        for name, args in (("serve", ["serve", "--port", str(self.port), "--workers", "2", "--threads", "4"]),
                           ("worker", ["worker", "--interval", "0.1"])):
            log = open(self.logdir / f"{name}-{self.round}.log", "w")
            self.procs.append((subprocess.Popen([sys.executable, "-m", "linli", *args], cwd=ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True), log))
        _wait(self.up, 300, "the server")

    def up(self) -> bool:
        assert self.procs[0][0].poll() is None, "the server exited:\n" + self.logs()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            conn.request("GET", "/open311/v2/services.json")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def kill(self, sig=signal.SIGKILL):
        for proc, log in self.procs:
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            proc.wait(timeout=60)
            log.close()
        self.procs = []

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in sorted(self.logdir.glob("*.log")))


def _intake(stack, i, key, token, home):
    """One intake; (i, status, number, server round) — status None when the request was sent and got no answer (the
    server was killed with it). A request that could not connect (the server was down) was never sent: it waits for
    the restarted server."""
    deadline = time.monotonic() + 600  # a guard, not a measurement
    while True:
        i, status, number = _send(stack.port, i, key, token, home)
        if status != "refused" or time.monotonic() > deadline:
            return i, status, number, stack.round
        time.sleep(0.2)


def _send(port, i, key, token, home):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        if i % 3 == 2:
            body = json.dumps({"description": f"楼上渗水第{i}次", "category": "home.leak", "dwelling": home})
            conn.request("POST", "/api/v1/cases", body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            r = conn.getresponse()
            data = r.read()
            return i, r.status, json.loads(data)["number"] if r.status == 201 else None
        body = urllib.parse.urlencode({"api_key": key, "service_code": "home.leak", "description": f"楼上渗水第{i}次",
                                       "lat": "40.0815", "long": "113.3015"})
        conn.request("POST", "/open311/v2/requests.json", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        data = r.read()
        return i, r.status, json.loads(data)[0]["service_request_id"] if r.status == 201 else None
    except ConnectionRefusedError:
        return i, "refused", None
    except (OSError, http.client.HTTPException, ValueError):
        return i, None, None
    finally:
        conn.close()


def _fall_due():
    """Every case not yet escalated falls due now (the response deadline passed).

    The open cases are locked first and the escalations read after: in one UPDATE on PostgreSQL the NOT EXISTS reads
    the statement's snapshot while the row waits for a worker's escalation to commit, and the row (still "assigned")
    passes the re-check, so a case just escalated would fall due again and escalate a second time, rightly. Locked
    first, no escalation can commit between what this reads and what it writes."""
    past = timezone.now() - datetime.timedelta(minutes=5)
    with transaction.atomic():
        open_cases = list(Case.objects.select_for_update().filter(state="assigned").values_list("pk", flat=True))
        return Case.objects.filter(pk__in=open_cases).exclude(events__action="escalate").update(response_due=past)


@pytest.mark.django_db(transaction=True)
def test_sigkill_server_and_worker_mid_load_loses_nothing_and_does_nothing_twice(tmp_path):
    from linli.cases.tests.conftest import make_categories
    from linli.testing.world import build_world

    w = build_world()
    make_categories()
    _, key = create_client("city app")
    _, token = issue_token(w.accounts["resident"], "crash test")
    home = w.dwellings["A1-101"].pk

    Receiver.got = collections.Counter()
    hook = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    env = dict(os.environ, LINLI_DATABASE_URL=_database_url(), LINLI_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
               LINLI_WEBHOOK_URL=f"http://127.0.0.1:{hook.server_address[1]}/hook", LINLI_WEBHOOK_SECRET="crash-test")
    env.pop("LINLI_SERVER", None)
    stack = Stack(env, _free_port(), tmp_path)
    results = []
    try:
        stack.start()
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(_intake, stack, i, key, token, home) for i in range(N)]

            def answered():
                return sum(1 for f in futures if f.done() and f.result()[1] == 201)

            _wait(lambda: answered() >= N // 3, 600, "a third of the load")
            _fall_due()
            _wait(lambda: CaseEvent.objects.filter(action="escalate").exists() or answered() >= N // 2, 600, "escalations")
            stack.kill()  # mid-load, mid-sweep: SIGKILL to the gunicorn master, its workers and the worker loop
            killed_at = sum(1 for f in futures if f.done())
            # a message the killed worker had claimed waits for its lease to run out (5 minutes): let it run out now
            OutboxMessage.objects.filter(status="pending", next_attempt_at__gt=timezone.now()).update(next_attempt_at=timezone.now())
            stack.start()
            results = [f.result() for f in futures]
        assert killed_at < N, "the kill must land in the middle of the load"
        ok = {number for _, status, number, _ in results if status == 201}
        assert len(ok) > N // 3, stack.logs()
        assert any(status == 201 and rnd == 2 for _, status, _, rnd in results), "the restarted server took the rest of the load"
        assert all(status in (201, None) for _, status, _, _ in results), [r for r in results if r[1] not in (201, None)]

        _fall_due()
        cases = Case.objects.count()
        _wait(lambda: CaseEvent.objects.filter(action="escalate").values("case").distinct().count() >= cases, 600,
              "every due case escalated")
        _wait(lambda: not OutboxMessage.objects.filter(status="pending").exists(), 600, "the outbox delivered")
        time.sleep(1.0)  # a doubled escalation or delivery would show up now
    finally:
        stack.kill(signal.SIGTERM)
        hook.shutdown()

    # every 201 answered is there, with its first timeline row, its routing row and its outbox rows
    stored = {c.number: c for c in Case.objects.filter(number__in=ok)}
    assert set(stored) == ok
    first = {}
    for e in CaseEvent.objects.order_by("at", "id").values("case_id", "action"):
        first.setdefault(e["case_id"], e["action"])
    assert all(first.get(c.pk) == "submit" for c in stored.values())
    assert set(first) == set(Case.objects.values_list("pk", flat=True)), "a case without its timeline"
    assert set(first.values()) == {"submit"}
    assigned = set(CaseEvent.objects.filter(action="assign").values_list("case_id", flat=True))
    assert {c.pk for c in stored.values()} <= assigned
    with_outbox = {int(k.split(":")[1]) for k in OutboxMessage.objects.values_list("event_key", flat=True)}
    assert {c.pk for c in stored.values()} <= with_outbox
    # every due escalation exactly once
    per_case = collections.Counter(CaseEvent.objects.filter(action="escalate").values_list("case_id", flat=True))
    assert set(per_case) == set(Case.objects.values_list("pk", flat=True)) and set(per_case.values()) == {1}
    # every notification delivered: marked sent, received, at most one received twice (killed mid-post)
    hooks = set(str(pk) for pk in OutboxMessage.objects.filter(channel="webhook").values_list("pk", flat=True))
    assert hooks and not OutboxMessage.objects.exclude(status="sent").exists()
    assert set(Receiver.got) == hooks
    assert sum(n - 1 for n in Receiver.got.values()) <= 1, [k for k, n in Receiver.got.items() if n > 1]
