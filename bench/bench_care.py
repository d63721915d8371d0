"""The alarm desk under load (issue 16): 600 simulated devices send their heartbeats (a minute's worth, compressed into
10 s: 60 a second) while a burst of 200 alarms arrives in the same 10 s, all over the signed HTTP endpoint, against a
real `linli serve` (gunicorn) on a fresh SQLite database. An operator polls the desk's JSON feed every 100 ms.

Reported: alarms sent / acknowledged (2xx) / in the database / seen on the desk (0 lost means all four equal), and the
latency from the send to the first poll that shows the alarm (p50 / p99 / max), beside the sender's own round trip.
Results go between <!-- bench:care --> and <!-- /bench:care --> in docs/benchmarks.md.

    python3 bench/bench_care.py [--devices 600] [--alarms 200] [--seconds 10] [--no-write]
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import benchdoc  # noqa: E402

VAR = ROOT / "var" / "bench" / "care"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="
SECRET = "bench-gateway-secret"
PASSWORD = "bench-operator-pass-1"

SETUP = """
import datetime
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from linli.people.models import Account
from linli.care.models import Device, Gateway, Station
from linli.testing.world import build_world
w = build_world()
st = Station.objects.create(community=w.a, name="初心助老站")
gw = Gateway.objects.create(station=st, key="bench", name="bench", secret=%(secret)r)
op = Account.objects.create(username="bench-operator", password=make_password(%(password)r))
st.operators.add(op)
people = [p for k, p in sorted(w.persons.items()) if p.community_id == w.a.pk]
now = timezone.now()
Device.objects.bulk_create([Device(station=st, community=w.a, person=people[i %% len(people)], kind="sos", serial=f"BN-{i:04d}",
                                   gateway=gw, heartbeat_minutes=1, last_heartbeat_at=now, check_at=now + datetime.timedelta(hours=1))
                            for i in range(%(devices)d)])
print("station", st.pk)
"""

COUNT = """
from linli.care.models import Alarm
print("alarms", Alarm.objects.count(), Alarm.objects.values("event_id").distinct().count())
"""


def _env():
    env = dict(os.environ, LINLI_VAR_DIR=str(VAR), LINLI_ENCRYPTION_KEY=KEY, PYTHONUNBUFFERED="1", LINLI_LOG_LEVEL="WARNING")
    env.pop("LINLI_DATABASE_URL", None)
    env.pop("LINLI_SERVER", None)
    return env


def _linli(env, *args, stdin=None) -> str:
    out = subprocess.run([sys.executable, "-m", "linli", *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Operator:
    """A signed-in browser session, without a browser: the login form with its CSRF token, then the feed."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def _request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body, h)
        r = conn.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return r.status, data

    def login(self):
        _, page = self._request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = f"username=bench-operator&password={PASSWORD}&csrfmiddlewaretoken={token}"
        status, _ = self._request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/login/"})
        assert status == 302, status

    def feed(self, station):
        status, data = self._request("GET", f"/care/{station}/desk/feed.json")
        return json.loads(data) if status == 200 else None


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """As linli.care.services.receiving.signature_of (not imported: this process has no Django settings)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _post(port, body: dict):
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/care/gateway/events", raw, {"Content-Type": "application/json", "X-Linli-Gateway": "bench",
                                                           "X-Linli-Timestamp": ts, "X-Linli-Signature": signature_of(SECRET, ts, raw)})
        r = conn.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else {}
    except OSError as exc:
        return f"error {exc}", {}
    finally:
        conn.close()


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def run(devices: int, alarms: int, seconds: float) -> dict:
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    env = _env()
    _linli(env, "migrate", "-v", "0")
    station = int(re.search(r"station (\d+)", _linli(env, "shell", stdin=SETUP % {"secret": SECRET, "password": PASSWORD, "devices": devices})).group(1))
    port = _free_port()
    log = open(VAR / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "linli", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        op = Operator(port)
        deadline = time.monotonic() + 300
        while True:
            try:
                op.login()
                break
            except (OSError, AttributeError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the server did not come up") from None
                time.sleep(0.3)
        seen: dict[int, float] = {}
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                data = op.feed(station)
                t = time.time()
                for a in (data or {}).get("alarms", []):
                    seen.setdefault(a["id"], t)
                time.sleep(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        sent = {}  # event id -> (sent, acked, status, alarm id)
        beats = []

        def heartbeat(i):
            time.sleep(max(0.0, start + i * seconds / devices - time.time()))
            t0 = time.time()
            status, _ = _post(port, {"device": f"BN-{i:04d}", "type": "heartbeat", "battery": 80})
            beats.append((status, time.time() - t0))

        def alarm(i):
            time.sleep(max(0.0, start + i * seconds / alarms - time.time()))
            ev = f"bench-{i:04d}"
            t0 = time.time()
            status, answer = _post(port, {"device": f"BN-{(i * 7) % devices:04d}", "type": "alarm", "code": "sos", "event_id": ev})
            sent[ev] = (t0, time.time(), status, answer.get("alarm"))

        start = time.time() + 0.5
        with ThreadPoolExecutor(max_workers=24) as hb_pool, ThreadPoolExecutor(max_workers=16) as alarm_pool:
            hb = [hb_pool.submit(heartbeat, i) for i in range(devices)]
            al = [alarm_pool.submit(alarm, i) for i in range(alarms)]
            for f in hb + al:
                f.result()
        # let the poller catch up (an alarm not on the desk within 10 s counts as lost to the desk)
        wanted = {v[3] for v in sent.values() if v[3]}
        until = time.time() + 10
        while time.time() < until and not wanted <= set(seen):
            time.sleep(0.1)
        stop.set()
        poller.join(timeout=5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    acked = {ev: v for ev, v in sent.items() if isinstance(v[2], int) and 200 <= v[2] < 300}
    db = re.search(r"alarms (\d+) (\d+)", _linli(env, "shell", stdin=COUNT))
    visible = [seen[v[3]] - v[0] for v in acked.values() if v[3] in seen]
    rtt = [v[1] - v[0] for v in acked.values()]
    return {"devices": devices, "alarms": alarms, "seconds": seconds, "acked": len(acked), "in_db": int(db.group(1)),
            "distinct": int(db.group(2)), "on_desk": len(visible), "beats_ok": sum(1 for s, _ in beats if s == 200),
            "beat_p50": statistics.median(t for _, t in beats) * 1000 if beats else float("nan"),
            "vis_p50": _pct(visible, 50), "vis_p99": _pct(visible, 99), "vis_max": max(visible) if visible else float("nan"),
            "rtt_p50": _pct(rtt, 50) * 1000, "rtt_p99": _pct(rtt, 99) * 1000, "within_2s": sum(1 for v in visible if v <= 2.0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=600)
    parser.add_argument("--alarms", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    m = benchdoc.machine()
    r = run(args.devices, args.alarms, args.seconds)
    m_after = benchdoc.machine()
    lost = r["alarms"] - min(r["acked"], r["in_db"], r["on_desk"])
    lines = [
        f"Run {datetime.date.today().isoformat()} on {m['cpu']}, {m['nproc']} CPUs, {m['ram']}, Python {m['python']}; "
        f"load average before {m['load']}, after {m_after['load']}. `python3 bench/bench_care.py` — `linli serve` (gunicorn defaults) "
        "on a fresh SQLite database; the load generator, the poller and the server share the machine.",
        "",
        "| load | sent | acknowledged (2xx) | in the database (distinct events) | on the desk | lost |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| {r['devices']} heartbeats + {r['alarms']} alarms in {r['seconds']:g} s (HTTP, signed) | {r['alarms']} | {r['acked']} | "
        f"{r['in_db']} ({r['distinct']}) | {r['on_desk']} | {lost} |",
        "",
        f"Send → visible on the desk feed (polled every 100 ms; the page itself polls every 1.5 s): p50 **{r['vis_p50']:.2f} s**, "
        f"p99 **{r['vis_p99']:.2f} s**, max {r['vis_max']:.2f} s; {r['within_2s']} of {r['on_desk']} within 2 s. "
        f"The sender's round trip (its 2xx comes after the commit): p50 {r['rtt_p50']:.0f} ms, p99 {r['rtt_p99']:.0f} ms. "
        f"Heartbeats answered 200: {r['beats_ok']} of {r['devices']} (p50 {r['beat_p50']:.0f} ms).",
        "",
        "DC-09 over TCP is not in this run (the receiver is its own process, `linli care-receiver`; its ACK-after-commit is "
        "tested in linli/care/tests/test_receiver_tcp.py).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        benchdoc.write_section("<!-- bench:care -->", "<!-- /bench:care -->",
                               "<!-- bench:care -->\n## Care: heartbeats and an alarm burst, on the desk\n\n" + text + "\n<!-- /bench:care -->")


if __name__ == "__main__":
    main()
