"""PostgreSQL's share of one intake, statement by statement (pg_stat_statements), beside the served run's CPU.

A throwaway PostgreSQL cluster (linli.testing.pg, as `linli test --postgres`) is started with pg_stat_statements loaded
and tracking nested statements too (`track = all`: the foreign-key checks that run at commit are statements of their
own). linli is migrated and the demo built into it (`linli demo --no-serve --residents 800`), a resident gets a bearer
token, and a child process with Django set up sends intakes through the WSGI application (`POST /api/v1/cases`, the
resident's own dwelling, a category named: the same request as bench_cases_api's `api`): --warm-up of them, then the
statistics are reset, then --intakes more. Reported per intake: each statement's calls and execution time inside
PostgreSQL, grouped (the foreign-key checks together), and their sum. One process, one thread, no network but the
loopback to the database: this is what the database executes, not what it costs around the statements (the protocol,
the commit's WAL): the cases-api section's "CPU ms / case … in the database" is that whole.

Results go between <!-- bench:intake-pg --> and <!-- /bench:intake-pg --> in docs/benchmarks.md.

    python3 bench/bench_intake_pg.py [--intakes 300] [--warm-up 50] [--no-write]
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
import benchdoc  # noqa: E402

BEGIN, END = "<!-- bench:intake-pg -->", "<!-- /bench:intake-pg -->"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="  # a throwaway Fernet key for the throwaway database

CHILD = r"""
import json, os, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
import benchwsgi
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
import django
django.setup()
from django.db import connection
from linli.cases.models import Category
from linli.wsgi import application

category = Category.objects.filter(parent__isnull=False, active=True).order_by("code").first().code


def post(i):
    body = json.dumps({"description": f"楼道里的灯坏了好几天，晚上看不见（{i}）", "dwelling": int(os.environ["DWELLING"]),
                       "category": category}).encode()
    status, reply = benchwsgi.post(application, "/api/v1/cases", body,
                                   {"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["TOKEN"]})
    assert status.startswith("201"), (status, reply[:300])


warm_up, intakes = int(os.environ["WARM_UP"]), int(os.environ["INTAKES"])
for i in range(warm_up):
    post(i)
with connection.cursor() as cursor:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    cursor.execute("SELECT pg_stat_statements_reset()")
for i in range(intakes):
    post(warm_up + i)
with connection.cursor() as cursor:
    cursor.execute("SELECT calls, total_exec_time, regexp_replace(query, '\s+', ' ', 'g') FROM pg_stat_statements "
                   "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= %s", [intakes])
    rows = cursor.fetchall()
print(json.dumps({"category": category, "rows": [[calls, ms, sql] for calls, ms, sql in rows]}))
"""


def _group(sql: str) -> str:
    """A readable name for a statement of the intake."""
    if sql.startswith("SELECT 1 FROM ONLY"):
        return "foreign-key checks at commit"
    if sql.startswith("WITH n AS (INSERT INTO \"cases_casecounter\""):
        return "the day's number and the case row (one statement)"
    for prefix, name in (('INSERT INTO "cases_caseevent"', "two timeline rows"), ('INSERT INTO "core_outboxmessage"', "two outbox rows"),
                         ("SELECT name, value FROM core_cachegeneration", "the caches' generations (core.memo)"),
                         ("SELECT nextval(", "the case's id, drawn ahead"), ("SELECT 1", "the connection's health check"),
                         ("BEGIN", "BEGIN"), ("COMMIT", "COMMIT")):
        if sql.startswith(prefix):
            return name
    return sql[:90] + ("…" if len(sql) > 90 else "")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--intakes", type=int, default=300)
    ap.add_argument("--warm-up", type=int, default=50)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from linli.testing.pg import TemporaryPostgres

    with TemporaryPostgres(settings={"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"}) as pg, \
            tempfile.TemporaryDirectory(prefix="linli-intake-pg-") as var:
        env = dict(os.environ, LINLI_DATABASE_URL=pg.url, LINLI_VAR_DIR=var, LINLI_ENCRYPTION_KEY=KEY, LINLI_LOG_LEVEL="WARNING",
                   PYTHONPATH=str(ROOT))

        def linli(*argv, **kwargs):
            return subprocess.run([sys.executable, "-m", "linli", *argv], cwd=ROOT, env=env, check=True, text=True, **kwargs)

        linli("migrate", "-v", "0", capture_output=True)
        linli("demo", "--no-serve", "--residents", "800", stdout=subprocess.DEVNULL)
        token = linli("issue_token", "resident", "--name", "intake-pg bench", capture_output=True).stdout.split()[-1]
        dwelling = linli("shell", "-c", "from linli.people.models import Account; print(Account.objects.get(username='resident').person.dwelling_id)",
                         capture_output=True).stdout.split()[-1]
        out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, check=True, capture_output=True, text=True,
                             env=dict(env, BENCH_DIR=str(ROOT / "bench"), TOKEN=token, DWELLING=dwelling, WARM_UP=str(args.warm_up), INTAKES=str(args.intakes)))
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        version = pg.version

    groups: dict[str, list] = {}
    for calls, ms, sql in seen["rows"]:
        group = groups.setdefault(_group(sql), [0, 0.0])
        group[0] += calls
        group[1] += ms
    n = args.intakes
    total = sum(ms for _calls, ms in groups.values())
    m = benchdoc.machine()
    lines = [f"{BEGIN}", "## Intake on PostgreSQL: the database's statements, one by one", "",
             "`python3 bench/bench_intake_pg.py` — " + __doc__.split("\n\n")[1].replace("\n", " "), "",
             "| statement | per intake | ms per intake | share |", "| --- | ---: | ---: | ---: |"]
    for name, (calls, ms) in sorted(groups.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"| {name} | {round(calls / n, 2):g} | {ms / n:.3f} | {ms / total:.0%} |")
    lines += [f"| **all** | {round(sum(c for c, _ms in groups.values()) / n, 2):g} | **{total / n:.3f}** | 100% |", "",
              f"{n} intakes after {args.warm_up} (category `{seen['category']}`), demo with 800 residents. PostgreSQL {version} "
              f"(throwaway cluster, fsync off, pg_stat_statements with track = all). Machine: {m['cpu']}, {m['nproc']} CPUs, {m['ram']}; "
              f"Python {m['python']}. Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; load average {m['load']}.",
              END]
    print("\n".join(lines))
    if not args.no_write:
        benchdoc.write_section(BEGIN, END, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
