"""SQLite's own work for one intake, replayed without Python around it: the part of an intake no Python can shave.

A demo var dir is built once (`linli demo --no-serve`, reused under var/bench/intake-sql/ and migrated first). A child process with
Django set up sends 30 reports through the WSGI application (`POST /api/v1/cases` as a resident with a bearer token,
and `POST /open311/v2/requests.json` with an api_key; every report names its category) and records the statements of
the last one of each, with their parameters. This process then replays them through Python's sqlite3 module on a
copy of the database (WAL, synchronous=NORMAL, foreign keys on, as linli opens it): one BEGIN IMMEDIATE … COMMIT
per intake, the unique values (the case's number, its timeline rows' case, the outbox's event keys) changed each
time, --intakes times, and reports the CPU per intake (process time: the statements, the commit, SQLite's own WAL
checkpoints). Beside it, the same replay

- without the secondary indexes of the tables written (primary keys and unique keys kept): what the indexes cost;
- of bench/bare's one-row INSERT (a table of bare's shape in the same file): the database's share of bare's request.

The figures are in-process and single-threaded; compare them with the server CPU per request in the cases-api
section. Results go between <!-- bench:intake-sql --> and <!-- /bench:intake-sql --> in docs/benchmarks.md.

    python3 bench/bench_intake_sql.py [--intakes 3000] [--repeat 3] [--no-write]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import benchdoc  # noqa: E402
import benchwsgi  # noqa: E402

VAR = ROOT / "var" / "bench" / "intake-sql"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="  # a throwaway Fernet key for the throwaway database
BEGIN, END = "<!-- bench:intake-sql -->", "<!-- /bench:intake-sql -->"
TABLES = ("cases_casecounter", "cases_case", "cases_caseevent", "core_outboxmessage")
BARE_TABLE = ('CREATE TABLE IF NOT EXISTS "bare_report" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
              '"description" text NOT NULL, "category" varchar(64) NOT NULL, "lat" real NOT NULL, "lng" real NOT NULL, '
              '"created_at" datetime NOT NULL)')
BARE_INSERT = ('INSERT INTO "bare_report" ("description", "category", "lat", "lng", "created_at") VALUES (?, ?, ?, ?, ?) '
               'RETURNING "id"')


def _env() -> dict:
    env = dict(os.environ, LINLI_VAR_DIR=str(VAR), LINLI_ENCRYPTION_KEY=KEY, LINLI_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    env.pop("LINLI_DATABASE_URL", None)
    return env


# ---------------------------------------------------------------------------- capture (runs inside Django)
def capture() -> dict:
    """Send reports through the WSGI application; the statements of the last API and the last Open311 intake."""
    import urllib.parse

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db.backends import utils

    from linli.cases.models import Category
    from linli.cases.open311 import create_client
    from linli.people.auth import issue_token
    from linli.people.models import Account, Person
    from linli.places.models import Building

    app = get_wsgi_application()
    category = Category.objects.filter(active=True, parent__isnull=False, default_tier="grid").order_by("code").first().code
    person = Person.objects.filter(dwelling__isnull=False, account__isnull=True, status=Person.Status.LIVING_HERE).order_by("id").first()
    account = Account.objects.create_user(username=f"sqlbench{person.pk}", password=None, person=person)
    token = issue_token(account, "bench")[1]
    _, api_key = create_client("sql bench")
    building = Building.objects.filter(grid__isnull=False, lat__isnull=False).order_by("id").first()
    log: list = []
    execute = utils.CursorWrapper._execute

    def recording(self, sql, params, *rest):
        log.append((sql, params))
        return execute(self, sql, params, *rest)

    def post(path, body: bytes, content_type: str, **headers):
        status, answer = benchwsgi.post(app, path, body, {"Content-Type": content_type, **headers})
        if not status.startswith("201"):
            raise SystemExit(f"{path}: {status} {answer[:300]!r}")

    def api():
        post("/api/v1/cases", json.dumps({"description": "楼道里的灯坏了好几天，晚上看不见", "category": category,
                                          "dwelling": person.dwelling_id}).encode(), "application/json",
             Authorization=f"Bearer {token}")

    def open311():
        post("/open311/v2/requests.json", urllib.parse.urlencode({
            "api_key": api_key, "service_code": category, "lat": building.lat, "long": building.lng,
            "description": "小区门口路灯坏了好几天"}).encode(), "application/x-www-form-urlencoded")

    out = {}
    for name, send in (("api", api), ("open311", open311)):
        for _ in range(29):
            send()
        log.clear()
        utils.CursorWrapper._execute = recording
        try:
            send()
        finally:
            utils.CursorWrapper._execute = execute
        writes = [(sql, [_plain(p) for p in (params or ())]) for sql, params in log if sql.lstrip().upper().startswith("INSERT")]
        other = [sql[:80] for sql, _params in log if not sql.lstrip().upper().startswith(("INSERT", "SELECT"))]
        if other:  # the replay knows inserts only: a new kind of write must be taught to it, not left out
            raise SystemExit(f"{name}: writes the replay does not know: {other}")
        out[name] = {"writes": writes, "reads": len(log) - len(writes)}
    return out


def _plain(value):
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    return str(value)


# ---------------------------------------------------------------------------- replay (no Django)
def _columns(sql: str) -> list[str]:
    return re.findall(r'"(\w+)"', sql.split("VALUES")[0])[1:]  # the first quoted name is the table


def _table(sql: str) -> str:
    return re.search(r'INTO\s+"(\w+)"', sql).group(1)


def _secondary_indexes(conn) -> list[str]:
    marks = ", ".join("?" * len(TABLES))
    return [name for (name,) in conn.execute(
        f"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})", TABLES)]


def _copy(source: Path, target: Path) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    conn = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _intake_plan(writes: list) -> list:
    """Per statement: SQL with ? marks, its parameters, and which parameter positions to make unique per intake."""
    plan = []
    for sql, params in writes:
        columns = _columns(sql)
        width = len(columns) or 1
        table = _table(sql)
        vary = []
        for i, value in enumerate(params):
            column = columns[i % width] if columns else ""
            if (table, column) in (("cases_case", "number"), ("core_outboxmessage", "event_key")):
                vary.append((i, "text"))
            elif (table, column) == ("cases_caseevent", "case_id"):
                vary.append((i, "case"))
            elif table == "cases_case" and column == "intake_key" and value is not None:
                vary.append((i, "text"))
        plan.append((sql.replace("%s", "?"), params, vary, table))
    return plan


def replay(db: Path, writes: list, intakes: int, drop_indexes: bool) -> dict:
    conn = _copy(db, VAR / "replay.sqlite3")
    dropped = _secondary_indexes(conn) if drop_indexes else []
    for name in dropped:
        conn.execute(f'DROP INDEX "{name}"')
    plan = _intake_plan(writes)

    def one(i: int) -> None:
        case_id = None
        conn.execute("BEGIN IMMEDIATE")
        for sql, params, vary, table in plan:
            values = list(params)
            for pos, kind in vary:
                values[pos] = f"bench-{i}-{pos}" if kind == "text" else case_id
            rows = conn.execute(sql, values).fetchall()
            if table == "cases_case":
                case_id = rows[0][0]
        conn.execute("COMMIT")

    result = dict(_timed(one, intakes), dropped=len(dropped))
    conn.close()
    return result


def _timed(one, intakes: int) -> dict:
    """one(i) 200 times to warm the page and statement caches, then `intakes` times measured."""
    for i in range(200):
        one(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(200, 200 + intakes):
        one(i)
    return {"cpu_ms": (time.process_time() - cpu) / intakes * 1e3, "wall_ms": (time.perf_counter() - wall) / intakes * 1e3}


def replay_bare(intakes: int) -> dict:
    conn = _copy(VAR / "linli.sqlite3", VAR / "replay.sqlite3")
    conn.execute(BARE_TABLE)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(" ")

    def one(i: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(BARE_INSERT, ["小区门口路灯坏了好几天", "roads.streetlight", 40.08, 113.3, now]).fetchall()
        conn.execute("COMMIT")

    result = _timed(one, intakes)
    conn.close()
    return result


# ---------------------------------------------------------------------------- orchestration
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intakes", type=int, default=3000, help="intakes replayed per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per variant (the lowest CPU is kept)")
    parser.add_argument("--residents", type=int, default=800)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--capture", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.capture:
        print(json.dumps(capture(), ensure_ascii=False))
        return 0
    started = benchdoc.machine()
    if not (VAR / "linli.sqlite3").exists():
        shutil.rmtree(VAR, ignore_errors=True)
        VAR.mkdir(parents=True)
        out = subprocess.run([sys.executable, "-m", "linli", "demo", "--no-serve", "--residents", str(args.residents)], cwd=ROOT,
                             env=_env(), capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"linli demo failed:\n{out.stderr[-3000:]}")
    else:  # a database built by an earlier run: brought to the schema of this checkout (its indexes are what is measured)
        out = subprocess.run([sys.executable, "-m", "linli", "migrate"], cwd=ROOT, env=_env(), capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"linli migrate failed:\n{out.stderr[-3000:]}")
    out = subprocess.run([sys.executable, __file__, "--capture"], cwd=ROOT, env=_env(), capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"capture failed:\n{out.stderr[-3000:]}")
    captured = json.loads(out.stdout.strip().splitlines()[-1])
    db = VAR / "linli.sqlite3"
    rows = []
    for name in ("api", "open311"):
        writes = captured[name]["writes"]
        full = min((replay(db, writes, args.intakes, False) for _ in range(args.repeat)), key=lambda r: r["cpu_ms"])
        bare_keys = min((replay(db, writes, args.intakes, True) for _ in range(args.repeat)), key=lambda r: r["cpu_ms"])
        rows.append((name, captured[name], full, bare_keys))
        print(f"{name}: {len(writes)} writes, {full['cpu_ms']:.3f} ms CPU per intake; without {bare_keys['dropped']} secondary "
              f"indexes {bare_keys['cpu_ms']:.3f} ms", flush=True)
    one_row = min((replay_bare(args.intakes) for _ in range(args.repeat)), key=lambda r: r["cpu_ms"])
    print(f"bare's one-row insert: {one_row['cpu_ms']:.3f} ms CPU", flush=True)
    section = render(rows, one_row, args, started)
    if args.no_write:
        print(section)
    else:
        benchdoc.write_section(BEGIN, END, section)
        print("wrote docs/benchmarks.md")
    return 0


def render(rows, one_row, args, started) -> str:
    m = benchdoc.machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        "## Intake SQL: SQLite's own work for one intake",
        "",
        "`python3 bench/bench_intake_sql.py` — the statements of one intake, recorded through the WSGI application on a demo "
        f"database (`linli demo --no-serve --residents {args.residents}`) and replayed through Python's sqlite3 on a copy "
        "(WAL, synchronous=NORMAL, foreign keys on), one BEGIN IMMEDIATE … COMMIT per intake, the unique values changed each "
        f"time; {args.intakes} intakes per measurement after 200 to warm up, the lowest of {args.repeat} measurements. "
        "CPU is the process's (the statements, the commit and SQLite's own checkpoints); no Django, no network.",
        "",
        "| replayed | statements written | CPU ms per intake | wall ms per intake |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, cap, full, bare_keys in rows:
        lines.append(f"| {name} intake, as linli writes it | {len(cap['writes'])} (+ {cap['reads']} read) | **{full['cpu_ms']:.3f}** | "
                     f"{full['wall_ms']:.3f} |")
        lines.append(f"| {name} intake without the {bare_keys['dropped']} secondary indexes of the tables written | "
                     f"{len(cap['writes'])} | {bare_keys['cpu_ms']:.3f} | {bare_keys['wall_ms']:.3f} |")
    lines.append(f"| bench/bare's one-row INSERT | 1 | {one_row['cpu_ms']:.3f} | {one_row['wall_ms']:.3f} |")
    lines += [
        "",
        f"SQLite {sqlite3.sqlite_version}. Machine: {m['cpu']}, {m['nproc']} CPUs, {m['ram']} RAM, {m['os']}; Python {m['python']}. "
        f"Measured {now}; load average {started['load']} at the start, {m['load']} at the end (a shared machine: CPU "
        "figures move by ±10 % with its load).",
        END,
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
