"""Points-ledger postings per second with 1 and 8 concurrent clients, on PostgreSQL and SQLite.

For each database a subprocess gets a fresh database (a throwaway PostgreSQL cluster through
linli.testing.pg.TemporaryPostgres, like `linli test --postgres`; or a fresh SQLite file under
var/bench/), migrates it, builds the test world (linli.testing.world) and registers and approves
8 volunteers through the services. Then N clients — threads of one process, or one forked process each —
each with its own database connection and its own volunteer, run a mix through the services:

    earn    services.post(issuing → volunteer, 3 points, a unique source key)
    redeem  services.redeem(volunteer, a shop item, 1, at the counter): stock − 1 and a posting volunteer → shop

alternating, so every client writes the shared hot rows (the community's issuing and shop accounts,
the item's stock) that serialise on both databases. After each run the books are checked: every
cached balance equals the sum of its postings and all balances sum to zero.

    python3 bench/bench_ledger.py                   # both databases, writes docs/benchmarks.md
    python3 bench/bench_ledger.py --db sqlite --ops 100 --no-write

Results go between <!-- bench:ledger --> and <!-- /bench:ledger --> in docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import benchdoc  # noqa: E402  (bench/ is the script's directory)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BEGIN, END = "<!-- bench:ledger -->", "<!-- /bench:ledger -->"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="  # a throwaway Fernet key for the throwaway databases
VOLUNTEERS = 8


# ---------------------------------------------------------------------------- inside Django (subprocess)
def _client_ops(n: int, ops: int, community_id: int, volunteer_ids: list[int], item_id: int, tag: str, ready) -> tuple[list, list]:
    """One client: alternate an earn and a counter redemption through the services; returns latencies (ms) and errors."""
    from django.db import connection

    from linli.people.scopes import system
    from linli.volunteers import services
    from linli.volunteers.models import LedgerAccount, ShopItem, Volunteer

    s = system()
    v = Volunteer.objects.get(pk=volunteer_ids[n])
    acc = services.account_of(v)
    iss = services.house_account(community_id, LedgerAccount.Kind.ISSUING)
    item = ShopItem.objects.get(pk=item_id)
    lat, errors = [], []
    try:
        ready()  # wait until every client is set up
        for i in range(ops):
            t0 = time.perf_counter()
            try:
                if i % 2 == 0:
                    services.post(from_account=iss, to_account=acc, amount=3, kind="earn", reason="服务时长", source_key=f"bench:{tag}:{n}:{i}")
                else:
                    services.redeem(s, v, item, quantity=1, channel="counter")
                lat.append((time.perf_counter() - t0) * 1000)
            except Exception as exc:  # noqa: BLE001 — counted and shown
                errors.append(repr(exc)[:200])
    finally:
        connection.close()
    return lat, errors


def _run_threads(clients, ops, community_id, volunteer_ids, item_id):
    lat, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(n):
        mine, errs = _client_ops(n, ops, community_id, volunteer_ids, item_id, f"t{clients}", barrier.wait)
        with lock:
            lat.extend(mine)
            errors.extend(errs)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return lat, errors, time.perf_counter() - t0


def _process_main(n, ops, community_id, volunteer_ids, item_id, clients, barrier, queue):
    # the parent closed its connections before forking, so this process opens its own
    queue.put(_client_ops(n, ops, community_id, volunteer_ids, item_id, f"p{clients}", barrier.wait))


def _run_processes(clients, ops, community_id, volunteer_ids, item_id):
    import multiprocessing

    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(n, ops, community_id, volunteer_ids, item_id, clients, barrier, queue))
             for n in range(clients)]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    results = [queue.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    lat, errors = [], []
    for mine, errs in results:
        lat.extend(mine)
        errors.extend(errs)
    return lat, errors, wall


def measure(levels: list[int], ops: int, modes: list[str]) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from linli.people import services as people
    from linli.people.scopes import system
    from linli.testing.world import build_world
    from linli.volunteers import services
    from linli.volunteers.models import LedgerAccount, Posting, ShopItem

    s = system()
    w = build_world()
    volunteers = []
    for i in range(VOLUNTEERS):
        p = people.register_person(s, community=w.a, name=f"志愿者{i}", phone=f"1370000{i:04d}")
        v = services.register(s, person=p, community=w.a, skills="")
        volunteers.append(services.decide(s, v, approve=True))
    item = services.add_item(s, w.a, name="大米", price=1, stock=10**9)
    issuing = services.house_account(w.a, LedgerAccount.Kind.ISSUING)
    for v in volunteers:  # a float so that redemptions never run dry
        services.post(from_account=issuing, to_account=services.account_of(v), amount=10**6, kind="earn", reason="bench float",
                      source_key=f"float:{v.pk}")
    connection.close()

    rows = []
    for mode in modes:
        for clients in levels:
            if mode == "processes" and clients == 1:
                continue  # one process is the one-thread row
            before = Posting.objects.count()
            connection.close()
            lat, errors, wall = (_run_processes if mode == "processes" else _run_threads)(clients, ops, w.a.pk, [v.pk for v in volunteers], item.pk)
            made = Posting.objects.count() - before
            lat.sort()
            rows.append({"mode": mode, "clients": clients, "ops": clients * ops, "postings": made, "wall_s": wall, "per_s": made / wall,
                         "p50": lat[len(lat) // 2] if lat else float("nan"), "p99": lat[int(len(lat) * 0.99)] if lat else float("nan"),
                         "mean": statistics.fmean(lat) if lat else float("nan"), "errors": len(errors), "error_sample": errors[:3]})
    exact = all(a.balance == services.balance_of(a) for a in LedgerAccount.objects.all())
    zero = sum(LedgerAccount.objects.values_list("balance", flat=True)) == 0
    stock_ok = ShopItem.objects.get(pk=item.pk).stock == 10**9 - Posting.objects.filter(kind="redeem").count()
    return {"rows": rows, "books_exact": exact and zero and stock_ok, "postings_total": Posting.objects.count()}


# ---------------------------------------------------------------------------- the driver
def run_database(db: str, args) -> dict:
    var = ROOT / "var" / "bench" / f"ledger-{db}"
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = dict(os.environ, LINLI_VAR_DIR=str(var), LINLI_ENCRYPTION_KEY=KEY, PYTHONUNBUFFERED="1")
    env.pop("LINLI_DATABASE_URL", None)
    pg = None
    try:
        if db == "postgres":
            from linli.testing.pg import TemporaryPostgres

            pg = TemporaryPostgres().start()
            env["LINLI_DATABASE_URL"] = pg.url
            version = f"PostgreSQL {pg.version} (throwaway cluster, fsync off, READ COMMITTED)"
        else:
            import sqlite3

            version = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL, BEGIN IMMEDIATE, 30 s busy timeout)"
        out = subprocess.run([sys.executable, __file__, "--measure", "--levels", ",".join(map(str, args.levels)), "--ops", str(args.ops),
                              "--modes", ",".join(args.modes)],
                             cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"measure failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data.update(db=db, version=version)
        for r in data["rows"]:
            print(f"  {db:<8} {r['mode']:<9} {r['clients']:>2} clients: {r['per_s']:7.1f} postings/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:7.1f} ms  "
                  f"{r['postings']} postings  errors {r['errors']}" + (f"  e.g. {r['error_sample'][0]}" if r["errors"] else ""), flush=True)
        print(f"  {db}: books exact: {data['books_exact']}", flush=True)
        return data
    finally:
        if pg is not None:
            pg.stop()


def render(results: list[dict], args) -> str:
    m = benchdoc.machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        "## Points ledger: postings per second",
        "",
        f"`python3 bench/bench_ledger.py` — on a fresh database, N clients (threads of one process, or one forked process each; "
        "each its own connection and its own "
        f"approved volunteer) call the services directly, {args.ops} operations each, alternating an earn "
        "(`services.post` issuing → volunteer) and a counter redemption (`services.redeem`: conditional stock UPDATE, "
        "conditional balance UPDATE, posting, redemption row). Every operation writes one posting and touches the "
        "community's shared issuing or shop account row, so the figures show the ledger's hot-row serialisation, not "
        "parallel capacity. Latency is per service call.",
        "",
        "| database | clients as | clients | postings/s | p50 ms | p99 ms | postings | errors | books exact |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for res in results:
        for r in res["rows"]:
            lines.append(f"| {res['db']} | {r['mode']} | {r['clients']} | {r['per_s']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['postings']} | "
                         f"{r['errors']} | {'yes' if res['books_exact'] else '**NO**'} |")
    lines.append("")
    for res in results:
        lines.append(f"- {res['db']}: {res['version']}.")
    lines += [
        "",
        "\"Books exact\": after the runs every cached balance equals the sum of its postings, all balances sum to zero, and "
        "the item's stock fell by exactly the number of redemption postings.",
        "",
        f"Machine: {m['cpu']}, **{m['nproc']} CPU cores** (nproc) shared by the clients, the database (and other work on the "
        f"machine; load average at the end {m['load']}), {m['ram']} RAM, {m['os']}; Python {m['python']}. Measured {now}. "
        "Threads share one Python process (GIL); processes do not, but with 2 cores the clients, the services' Python and "
        "the database still compete for the same two CPUs.",
        END,
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ops", type=int, default=250, help="operations per client (default 250)")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8])
    parser.add_argument("--modes", type=lambda s: s.split(","), default=["threads", "processes"],
                        help="threads (one process, GIL) and/or processes (one process per client); default both")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.levels, args.ops, args.modes)))
        return 0
    dbs = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    results = [run_database(db, args) for db in dbs]
    section = render(results, args)
    if args.no_write:
        print(section)
    else:
        benchdoc.write_section(BEGIN, END, section)
        print(f"wrote {benchdoc.DOC}")
    return 0 if all(r["books_exact"] and not any(x["errors"] for x in r["rows"]) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
