"""What reading the cockpit from a read replica costs and where its queries go (linli.core.replica).

A throwaway PostgreSQL cluster with a hot standby (linli.testing.pg, as `linli test --postgres`), the demo built into
it (`linli demo --no-serve --residents 800`); then, in a child process with LINLI_REPLICA_URL set, the cockpit and the
scorecards are requested in-process with Django's test client as the demo's secretary, each page --repeat times
reading the standby and as many times reading the primary (the standby marked down), alternating; and the entry of
an empty `replica.reads()` block (the primary's flush position, the standby's replay position) is timed on its own.
Statements per page are counted on each connection.

    python3 bench/bench_replica.py               # writes docs/benchmarks.md
    python3 bench/bench_replica.py --repeat 5 --no-write

Results go between <!-- bench:replica --> and <!-- /bench:replica --> in docs/benchmarks.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchdoc

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench:replica -->", "<!-- /bench:replica -->"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="
PAGES = ["/cockpit/?group=grid", "/cockpit/?group=category", "/evaluation/?subject=community", "/evaluation/?subject=grid_worker"]


def child(repeat: int) -> dict:
    """In the process with both databases configured: the timings, as JSON on stdout."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from linli.core import replica

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(__import__("linli.people.models", fromlist=["Account"]).Account.objects.get(username="secretary"))
    out = {"pages": []}
    for path in PAGES:
        times = {"replica": [], "primary": []}
        counts = {}
        for i in range(repeat + 1):
            for where in ("replica", "primary"):
                replica._down_until = time.monotonic() + 3600 if where == "primary" else 0.0
                with CaptureQueriesContext(connections["default"]) as on_primary, CaptureQueriesContext(connections["replica"]) as on_replica:
                    t = time.perf_counter()
                    assert client.get(path).status_code == 200, path
                    ms = (time.perf_counter() - t) * 1000
                if i:  # the first round warms
                    times[where].append(ms)
                    counts[where] = (len(on_primary.captured_queries), len(on_replica.captured_queries))
                    if where == "replica":
                        out["left_on_primary"] = sorted({" ".join(q["sql"].split()[:6])[:90] for q in on_primary.captured_queries})
        out["pages"].append({"path": path, "replica_ms": statistics.median(times["replica"]), "primary_ms": statistics.median(times["primary"]),
                             "replica_counts": counts["replica"], "primary_counts": counts["primary"]})
    replica._down_until = 0.0
    entries = []
    for _i in range(200):
        t = time.perf_counter()
        with replica.reads() as alias:
            assert alias == replica.ALIAS
        entries.append((time.perf_counter() - t) * 1000)
    out["entry_ms"] = {"p50": statistics.median(entries), "p95": sorted(entries)[int(len(entries) * 0.95)], "max": max(entries)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10, help="requests per page and database")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.repeat), ensure_ascii=False))
        return 0
    sys.path.insert(0, str(ROOT))
    from linli.testing.pg import TemporaryPostgres

    with TemporaryPostgres() as pg:
        standby = pg.start_standby()
        var = tempfile.mkdtemp(prefix="linli-bench-replica-")
        env = dict(os.environ, LINLI_VAR_DIR=var, LINLI_DATABASE_URL=pg.url, LINLI_FIELD_KEY=KEY, DJANGO_SETTINGS_MODULE="linli.settings")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "linli", "demo", "--no-serve", "--residents", "800"], check=True, cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL)
        built = time.perf_counter() - t0
        start_load = benchdoc.machine()["load"]
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--repeat", str(args.repeat)], check=True, cwd=ROOT,
                              env=dict(env, LINLI_REPLICA_URL=standby.url), capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        version = pg.version
    m = benchdoc.machine()
    rows = ["| page | reading the standby: ms | reading the primary: ms | statements on primary / standby (standby read) | (primary read) |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for p in result["pages"]:
        rows.append(f"| `{p['path']}` | {p['replica_ms']:.0f} | {p['primary_ms']:.0f} | {p['replica_counts'][0]} / {p['replica_counts'][1]} "
                    f"| {p['primary_counts'][0]} / {p['primary_counts'][1]} |")
    e = result["entry_ms"]
    lines = [BEGIN, "## Read replica: the cockpit from a hot standby", "",
             "`python3 bench/bench_replica.py` — a throwaway PostgreSQL cluster and a hot standby of it (`linli.testing.pg`, as `linli test "
             "--postgres`), the demo built into the primary (`linli demo --no-serve --residents 800`, %.0f s), and in a process with "
             "`LINLI_REPLICA_URL` set each page requested in-process (Django's test client, the demo's secretary, every middleware, view and "
             "template, no network) %d times reading the standby and %d times reading the primary (the standby marked down), alternating, "
             "after one round to warm. Median server time; statements counted on each connection for the page's last request."
             % (built, args.repeat, args.repeat), "", *rows, "",
             f"Entering an empty `replica.reads()` block (the primary's flush position, then the standby's replay position, each a round trip): "
             f"p50 {e['p50']:.2f} ms, p95 {e['p95']:.2f} ms, max {e['max']:.2f} ms over 200 blocks. The statements left on the primary in a "
             "standby read: the session and the account (middleware, before the block), the caches' generations, the block's flush "
             "position, and the case-figures rollup's refresh, which computes on the primary what it writes there.", "",
             f"PostgreSQL {version} (throwaway cluster and standby on the same machine, fsync off). Machine: {m['cpu']}, {m['nproc']} CPUs, "
             f"{m['ram']}; Python {m['python']}. Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {start_load} at "
             f"the start, {m['load']} at the end. On one machine the standby saves the primary's work, not time: what it buys is the "
             "primary's CPU and locks left to the intakes when a city's readers sum months of cases.", END]
    section = "\n".join(lines)
    print(section)
    print("statements left on the primary in a standby read:", *result["left_on_primary"], sep="\n  ")
    if not args.no_write:
        benchdoc.write_section(BEGIN, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
