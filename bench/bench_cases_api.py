"""Cases created per second through linli's HTTP intake, side by side with a bare Django endpoint.

For each database (SQLite, PostgreSQL): a fresh var dir under var/bench/, `linli demo --no-serve`
builds the demo subdistrict, a preparation step gives 64 residents an account and a bearer token and
registers an Open311 client; then three servers run beside each other, served the same way
(linli.server: gunicorn, --workers processes × --threads threads, app preloaded; connections kept):

    linli    `linli serve`
    bare     bench/bare/: plain Django + django-ninja, one POST that validates a small JSON body and
             inserts one row (same database settings: SQLite WAL / the same PostgreSQL cluster)
    rows     the same bare project on a server of its own with linli's SQLite backend, answering
             POST /api/reports-rows: the same body, then the rows an intake writes, through the ORM
             in one transaction (bench/bare/bare/models.py) — the floor under linli's intake, and
             POST /api/reports-raw: the same rows through a cursor, INSERTs built once (target "raw")

and this script fires requests from N client threads, each with its own keep-alive connection:

    bare     POST /api/reports              (JSON: description, category, lat, lng)
    rows     POST /api/reports-rows         (the same JSON)
    raw      POST /api/reports-raw          (the same JSON)
    api      POST /api/v1/cases             (JSON; a resident's bearer token; their own dwelling)
    open311  POST /open311/v2/requests.json (form-encoded; api_key; a point inside a grid)

At each client level the targets take turns (bare, rows, api, open311, bare, …; --rounds rounds),
so every ratio to bare compares figures from the same minutes on the same machine. Every linli
request names its category: this is intake without the classifier. Only 201 answers count.

    python3 bench/bench_cases_api.py                       # both databases, writes docs/benchmarks.md
    python3 bench/bench_cases_api.py --db sqlite --requests 60 --no-write

Results go between <!-- bench:cases-api --> and <!-- /bench:cases-api --> in docs/benchmarks.md.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import benchdoc  # noqa: E402  (bench/ is the script's directory)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:cases-api -->", "<!-- /bench:cases-api -->"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="  # a throwaway Fernet key for the throwaway databases
DESCRIPTIONS = ["楼道里堆满了纸箱和旧家具，影响通行", "楼上卫生间渗水到我家厨房顶上", "小区门口路灯坏了好几天",
                "单元门禁坏了关不上", "楼下饭店油烟太大", "绿化带里有人私自种菜"]


# ---------------------------------------------------------------------------- preparation (runs inside Django)
def prepare(residents: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from linli.cases.models import Category
    from linli.cases.open311 import create_client
    from linli.demo.builder import MAIN
    from linli.people.auth import issue_token
    from linli.people.models import Account, Person
    from linli.places.models import Building

    leaves = Category.objects.filter(active=True, parent__isnull=False)
    if not leaves.exists():
        try:
            from linli.cases.categories import seed_categories

            seed_categories()
        except ImportError:
            group = Category.objects.create(code="env", name="环境")
            Category.objects.create(code="env.clutter", name="楼道堆物", parent=group, default_tier="grid")
    category = (leaves.filter(default_tier="grid").first() or leaves.first()).code
    people = list(Person.objects.filter(community__code=MAIN[0], status=Person.Status.LIVING_HERE, dwelling__isnull=False,
                                        account__isnull=True).order_by("id")[:residents])
    tokens = []
    for p in people:
        account = Account.objects.create_user(username=f"bench{p.pk}", password=None, person=p)
        tokens.append({"token": issue_token(account, "bench")[1], "dwelling": p.dwelling_id})
    points = [{"lat": b.lat, "lng": b.lng} for b in Building.objects.filter(community__code=MAIN[0], grid__isnull=False, lat__isnull=False)]
    _, api_key = create_client("bench")
    return {"category": category, "tokens": tokens, "points": points, "api_key": api_key}


# ---------------------------------------------------------------------------- orchestration
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def linli(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "linli", *args], cwd=ROOT, env=env, **kwargs)


def wait_for(port: int, proc, timeout: float = 300, path: str = "/open311/v2/services.json", method: str = "GET") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=b"{}" if method == "POST" else None, headers={"Content-Type": "application/json"})
            if conn.getresponse().status in (200, 422):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not come up")


BARE_PATHS = {"bare": "/api/reports", "rows": "/api/reports-rows", "raw": "/api/reports-raw"}


def requests_for(mode: str, data: dict, total: int, seed: int) -> list[tuple[str, bytes, dict]]:
    """The target's requests: (path, body, headers); the same for a seed (bench_instructions sends them in-process)."""
    rng = random.Random(seed)
    jobs = []
    for i in range(total):
        if mode in BARE_PATHS:
            pt = rng.choice(data["points"])
            body = json.dumps({"description": rng.choice(DESCRIPTIONS), "category": data["category"], "lat": pt["lat"], "lng": pt["lng"]})
            jobs.append((BARE_PATHS[mode], body.encode(), {"Content-Type": "application/json"}))
        elif mode == "api":
            t = data["tokens"][i % len(data["tokens"])]
            body = json.dumps({"description": rng.choice(DESCRIPTIONS), "category": data["category"], "dwelling": t["dwelling"]})
            headers = {"Authorization": f"Bearer {t['token']}", "Content-Type": "application/json"}
            jobs.append(("/api/v1/cases", body.encode(), headers))
        else:
            pt = rng.choice(data["points"])
            body = urllib.parse.urlencode({"api_key": data["api_key"], "service_code": data["category"], "lat": pt["lat"],
                                           "long": pt["lng"], "description": rng.choice(DESCRIPTIONS)})
            jobs.append(("/open311/v2/requests.json", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}))
    return jobs


def fire(port: int, mode: str, data: dict, total: int, clients: int, seed: int) -> dict:
    """total requests split over `clients` threads; returns latencies and counts."""
    lat_ms, errors, statuses = [], [], {}
    lock = threading.Lock()
    counter = iter(range(total))
    jobs = requests_for(mode, data, total, seed)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            path, body, headers = jobs[i]
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status, payload = 0, str(exc).encode()
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 201:
                    lat_ms.append(ms)
                elif len(errors) < 3:
                    errors.append(f"{status}: {payload[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat_ms.sort()

    def pct(p):
        return lat_ms[min(len(lat_ms) - 1, int(round(p / 100 * (len(lat_ms) - 1))))] if lat_ms else float("nan")

    return {"mode": mode, "clients": clients, "requests": total, "created": len(lat_ms), "wall_s": wall, "lat_ms": lat_ms,
            "per_s": len(lat_ms) / wall if wall else 0.0, "p50": pct(50), "p99": pct(99),
            "mean": statistics.fmean(lat_ms) if lat_ms else float("nan"), "statuses": statuses, "errors": errors}


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[int, float, str] | None:
    """(parent pid, CPU seconds used (user + system), command line) of a process; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    rest = stat[stat.rindex(")") + 2:].split()
    return int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK, cmd


def cpu_snapshot() -> dict:
    """Every process's (parent, CPU seconds, command line), read from /proc (Linux; empty elsewhere)."""
    out = {}
    if not os.path.isdir("/proc"):
        return out
    for name in os.listdir("/proc"):
        if name.isdigit():
            found = _proc_stat(int(name))
            if found is not None:
                out[int(name)] = found
    return out


def cpu_used(before: dict, after: dict, root: int, database: str | None) -> float:
    """CPU seconds spent between two snapshots by the process tree under `root` (the server's master and workers)
    and, on PostgreSQL, by the backends serving `database` (their process title names it)."""
    children: dict = {}
    for pid, (parent, _cpu, _cmd) in after.items():
        children.setdefault(parent, []).append(pid)
    mine, todo = set(), [root]
    while todo:
        pid = todo.pop()
        mine.add(pid)
        todo += children.get(pid, [])
    backends = set()
    if database:
        backends = {pid for pid, (_p, _c, cmd) in after.items() if cmd.startswith("postgres:") and f" {database} " in f" {cmd} "}

    def used(pids):
        return sum(after[pid][1] - (before[pid][1] if pid in before else 0.0) for pid in pids)

    return used(mine | backends), used(backends)


def merge(parts: list[dict]) -> dict:
    """Rounds of one target at one level as one row: created over the summed wall time, percentiles over all."""
    lat_ms = sorted(x for p in parts for x in p["lat_ms"])
    wall = sum(p["wall_s"] for p in parts)
    statuses: dict = {}
    for p in parts:
        for k, v in p["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v

    def pct(q):
        return lat_ms[min(len(lat_ms) - 1, int(round(q / 100 * (len(lat_ms) - 1))))] if lat_ms else float("nan")

    return {"mode": parts[0]["mode"], "clients": parts[0]["clients"], "requests": sum(p["requests"] for p in parts),
            "created": len(lat_ms), "wall_s": wall, "per_s": len(lat_ms) / wall if wall else 0.0, "p50": pct(50), "p99": pct(99),
            "statuses": statuses, "errors": [e for p in parts for e in p["errors"]][:3],
            "cpu_ms": (1000 * sum(p["cpu_s"] for p in parts) / len(lat_ms)) if lat_ms and all("cpu_s" in p for p in parts) else float("nan"),
            "db_cpu_ms": (1000 * sum(p["db_cpu_s"] for p in parts) / len(lat_ms)) if lat_ms and all("db_cpu_s" in p for p in parts) else float("nan")}


def start_server(cmd, env, name: str, log_path: Path):
    log = open(log_path, "w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log


def stop_server(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def run_database(db: str, args) -> dict:
    var = ROOT / "var" / "bench" / f"cases-api-{db}"
    reuse = args.reuse and db == "sqlite" and (var / "linli.sqlite3").exists()
    if not reuse:
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
    env = dict(os.environ, LINLI_VAR_DIR=str(var), LINLI_ENCRYPTION_KEY=KEY, LINLI_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
               LINLI_SERVER_LOG_LEVEL="warning")
    env.pop("LINLI_DATABASE_URL", None)
    bare_env = dict(env, BARE_VAR_DIR=str(var / "bare"))
    bare_env.pop("BARE_DATABASE_URL", None)
    # the floor: bare's project writing an intake's rows, on a server of its own with linli's SQLite backend
    rows_env = dict(bare_env, BARE_VAR_DIR=str(var / "bare-rows"), BARE_SQLITE_ENGINE="linli.core.sqlite3")
    pg = None
    version = ""
    databases: dict = {}  # PostgreSQL: the database each target's server uses (its backends' CPU counts as the target's)
    try:
        if db == "postgres":
            import psycopg

            from linli.testing.pg import TemporaryPostgres

            pg = TemporaryPostgres().start()
            env["LINLI_DATABASE_URL"] = pg.url
            with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname={pg.database}", autocommit=True) as conn:
                conn.execute("CREATE DATABASE bare")
                conn.execute("CREATE DATABASE bare_rows")
            bare_env["BARE_DATABASE_URL"] = pg.url.rsplit("/", 1)[0] + "/bare"
            rows_env["BARE_DATABASE_URL"] = pg.url.rsplit("/", 1)[0] + "/bare_rows"
            databases = {"bare": "bare", "rows": "bare_rows", "raw": "bare_rows", "api": pg.database, "open311": pg.database}
            version = (f"PostgreSQL {pg.version} (throwaway cluster, fsync off; linli and bare each their own database in it; both with "
                       f"parameters bound on the server and statements prepared, unless LINLI_PG_SERVER_SIDE_BINDING=0)")
        else:
            import sqlite3

            version = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL, BEGIN IMMEDIATE, connections kept)"
        t0 = time.perf_counter()
        if reuse:  # the last run's demo database, brought to the current schema (cases from earlier runs stay)
            out = linli(env, "migrate", capture_output=True, text=True)
        else:
            out = linli(env, "demo", "--no-serve", "--residents", str(args.residents), capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"linli demo failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
        build_s = time.perf_counter() - t0
        out = subprocess.run([sys.executable, __file__, "--prepare", "--clients-tokens", str(args.tokens)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"prepare failed:\n{out.stderr[-3000:]}")
        data = json.loads(out.stdout.strip().splitlines()[-1])
        ports = {"linli": free_port(), "bare": free_port(), "rows": free_port()}
        shape = ["--workers", str(args.workers), "--threads", str(args.threads)]
        servers = {
            "linli": start_server([sys.executable, "-m", "linli", "serve", "--port", str(ports["linli"]), *shape], env, "linli", var / "linli-serve.log"),
            "bare": start_server([sys.executable, str(ROOT / "bench" / "bare" / "serve.py"), "--port", str(ports["bare"]), *shape],
                                 bare_env, "bare", var / "bare-serve.log"),
        }
        if "rows" in args.modes or "raw" in args.modes:
            servers["rows"] = start_server([sys.executable, str(ROOT / "bench" / "bare" / "serve.py"), "--port", str(ports["rows"]), *shape],
                                           rows_env, "rows", var / "rows-serve.log")
        server_of = {"bare": "bare", "rows": "rows", "raw": "rows", "api": "linli", "open311": "linli"}
        port_of = {mode: ports[server] for mode, server in server_of.items()}
        targets = ["bare", *args.modes]
        rows = []
        loads = []
        try:
            wait_for(ports["linli"], servers["linli"][0])
            wait_for(ports["bare"], servers["bare"][0], path="/api/reports", method="POST")
            if "rows" in servers:
                wait_for(ports["rows"], servers["rows"][0], path="/api/reports-rows", method="POST")
            for clients in args.levels:
                loads.append(os.getloadavg()[0])
                for mode in targets:  # warm up this level's connections and threads
                    fire(port_of[mode], mode, data, min(4 * clients, 40), clients, seed=clients)
                parts = {mode: [] for mode in targets}
                per_round = max(1, args.requests // args.rounds)
                for r in range(args.rounds):
                    for mode in targets:
                        before = cpu_snapshot()
                        part = fire(port_of[mode], mode, data, per_round, clients, seed=1000 * r + clients)
                        part["cpu_s"], part["db_cpu_s"] = cpu_used(before, cpu_snapshot(), servers[server_of[mode]][0].pid,
                                                                   databases.get(mode))
                        parts[mode].append(part)
                bare = merge(parts["bare"])
                floor = merge(parts["rows"]) if "rows" in parts else None
                for mode in targets:
                    row = merge(parts[mode])
                    row["ratio"] = row["per_s"] / bare["per_s"] if bare["per_s"] else float("nan")
                    row["floor_ratio"] = row["per_s"] / floor["per_s"] if floor and floor["per_s"] else float("nan")
                    row["p99_ratio"] = row["p99"] / bare["p99"] if bare["p99"] else float("nan")
                    rows.append(row)
                    print(f"  {db:<8} {mode:<8} {clients:>3} clients: {row['per_s']:7.1f} cases/s ({row['ratio']:.3f}× bare)  "
                          f"CPU {row['cpu_ms']:.2f} ms/case (database {row['db_cpu_ms']:.2f})  "
                          f"p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms  created {row['created']}/{row['requests']}  {row['statuses']}"
                          + (f"  e.g. {row['errors'][0]}" if row["errors"] else ""), flush=True)
            loads.append(os.getloadavg()[0])
        finally:
            for proc, log in servers.values():
                stop_server(proc, log)
        return {"db": db, "version": version, "build_s": build_s, "rows": rows, "tokens": len(data["tokens"]),
                "category": data["category"], "points": len(data["points"]), "loads": loads}
    finally:
        if pg is not None:
            pg.stop()


def machine() -> dict:
    return benchdoc.machine()


def render(results: list[dict], args, started: dict) -> str:
    m = machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        "## Cases API: intake side by side with a bare Django endpoint and the floor under it",
        "",
        f"`python3 bench/bench_cases_api.py` — two real servers beside each other, served the same way (`linli.server`: gunicorn, "
        f"{args.workers} processes × {args.threads} threads, application preloaded, database connections kept): `linli serve` on a "
        f"fresh database with the demo subdistrict (`linli demo --no-serve --residents {args.residents}`), and **bare** "
        "(`bench/bare/`: plain Django + django-ninja, one POST that validates a small JSON body and inserts one row, same database "
        "settings), and **rows**, the floor under an intake: bare's project answering the same body after writing, in one "
        "transaction through Django's ORM, the rows an intake writes — the day's number (a counter upsert), a 45-column case "
        "row, two timeline rows, two outbox rows, in tables of linli's shape with linli's indexes (foreign keys as plain indexed "
        "integers, so no constraint checks) — on a server of its own with linli's SQLite backend; and **raw**, the same rows with "
        "the same values from the same server, written through a cursor with INSERT statements built once (no model instances, "
        "no SQL compiler): what Django and django-ninja allow an endpoint that writes these rows and does nothing else. At each "
        "client level the targets take turns — bare, rows, raw, api, open311, bare, … — "
        f"{args.rounds} rounds of {max(1, args.requests // args.rounds)} requests each after a warm-up, so each ratio compares "
        "figures from the same minutes. N client threads on the same machine, each with a keep-alive connection. "
        "`api` = `POST /api/v1/cases` as residents (bearer tokens, own dwelling); `open311` = `POST /open311/v2/requests.json` "
        "(api_key, a point inside a grid). Every request names its category, so this is intake without the classifier: "
        "locate, route, deadlines, numbering, timeline rows, outbox messages. Latency is per request as the client saw it "
        "(201s only); × bare = this row's cases/s (or p99) over bare's at the same level in the same run; × rows = over the "
        "floor's. CPU ms / case = the CPU time (user + system, from /proc) of the target's server — its master and "
        "workers — and, on PostgreSQL, of the backends of its database, over the cases it created: steadier than the rates "
        "on a shared machine, and what caps them (the load generator's own CPU is not in it); of it in the database = the "
        "PostgreSQL backends' share (SQLite runs inside the server's processes).",
        "",
        "| database | clients | target | cases/s | × bare | × rows | p50 ms | p99 ms | p99 × bare | CPU ms / case | of it in the database | created / sent |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for res in results:
        for r in res["rows"]:
            other = {k: v for k, v in r["statuses"].items() if k != 201}
            note = "" if not other else " (" + ", ".join(f"{v}× {k or 'no answer'}" for k, v in sorted(other.items())) + ")"
            bare = r["mode"] == "bare"
            ratio = "1" if bare else (f"**{r['ratio']:.2f}×**" if r["clients"] == 8 else f"{r['ratio']:.2f}×")
            p99r = "1" if bare else f"{r['p99_ratio']:.1f}×"
            floor = "" if bare or r["floor_ratio"] != r["floor_ratio"] else ("1" if r["mode"] == "rows" else f"{r['floor_ratio']:.2f}×")
            db_cpu = "—" if res["db"] == "sqlite" else f"{r['db_cpu_ms']:.2f}"  # SQLite works inside the server's processes
            lines.append(f"| {res['db']} | {r['clients']} | {r['mode']} | {r['per_s']:.1f} | {ratio} | {floor} | {r['p50']:.0f} | {r['p99']:.0f} | "
                         f"{p99r} | {r['cpu_ms']:.2f} | {db_cpu} | {r['created']} / {r['requests']}{note} |")
    lines.append("")
    for res in results:
        loads = " → ".join(f"{x:.1f}" for x in res["loads"])
        lines.append(f"- {res['db']}: {res['version']}; demo built in {res['build_s']:.0f} s; "
                     f"{res['tokens']} resident tokens, {res['points']} building points, category `{res['category']}`; "
                     f"1-minute load average at each level's start and at the end: {loads}.")
    lines += [
        "",
        f"Machine: {m['cpu']}, **{m['nproc']} CPU cores** (nproc) shared by both servers, the database and the load "
        f"generator (and other work on the machine), {m['ram']} RAM, {m['os']}; Python {m['python']}. Measured {now}; "
        f"load average {started['load']} at the start, {m['load']} at the end. "
        "Ratios are the figures to read: absolute rates on a shared machine move with its load, and both servers moved together.",
        END,
    ]
    return "\n".join(lines)


def write(section: str) -> None:
    benchdoc.write_section(BEGIN, END, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--modes", default="rows,raw,api,open311", help="comma list of rows, raw, api, open311")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per row (comma list)")
    parser.add_argument("--requests", type=int, default=240, help="requests per target and level (split over the rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="turns each target takes per level (interleaved)")
    parser.add_argument("--workers", type=int, default=None, help="server processes, both servers (default: CPU cores)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process (default 8)")
    parser.add_argument("--residents", type=int, default=3200, help="residents in the demo community")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="SQLite: reuse the last run's demo database (a quick check; not for the published table)")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clients-tokens", dest="tokens", type=int, default=64, help="resident accounts with tokens")
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.tokens)))
        return 0
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip() and m.strip() != "bare"]
    args.workers = args.workers or benchdoc.machine()["nproc"]
    started = benchdoc.machine()
    args.levels = [int(x) for x in args.levels.split(",")]
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        print(f"{db}: building the demo and starting the server …", flush=True)
        results.append(run_database(db, args))
    section = render(results, args, started)
    if args.no_write:
        print(section)
    else:
        write(section)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
