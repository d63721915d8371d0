"""Server time of the cockpit and the scorecards at the demo's size and at N× the demo's cases.

A temporary LINLI_VAR_DIR gets the demo (`linli demo --no-serve`); the pages are requested in-process with Django's
test client as the demo's community secretary and subdistrict staff (server time = the whole request through every
middleware, view and template; no network). Then the demo's cases are multiplied: each copy of a case (with its
timeline steps, shifted to a random moment of the last six months) is bulk-created, and the pages are timed again.

    python3 bench/bench_cockpit.py                 # 100× the demo's cases, writes docs/benchmarks.md
    python3 bench/bench_cockpit.py --times 10 --repeat 5 --no-write

Results go between <!-- bench:cockpit --> and <!-- /bench:cockpit --> in docs/benchmarks.md.
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchdoc

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench:cockpit -->", "<!-- /bench:cockpit -->"
KEY = "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y="  # a throwaway Fernet key for the throwaway database


def pages(month: str) -> list[tuple[str, str]]:
    out = [("secretary", f"/cockpit/?month={month}&group={g}") for g in ("grid", "category", "handler")]
    out += [("subdistrict", f"/cockpit/?month={month}&group=community")]
    out += [("secretary", f"/evaluation/?month={month}&subject={s}") for s in ("community", "grid_worker")]
    out += [("subdistrict", f"/evaluation/?month={month}&subject={s}") for s in ("subdistrict", "property_company", "department")]
    return out


def period_pages() -> list[tuple[str, str]]:
    """The evaluation API over periods that are not calendar months (the rollup where a timeline ended, else the timeline)."""
    today = datetime.date.today()
    return [("secretary", f"/api/v1/evaluation/rates?group=grid&start={today - datetime.timedelta(days=180)}&days=181"),
            ("subdistrict", f"/api/v1/evaluation/rates?group=community&start={today - datetime.timedelta(days=365)}&days=366")]


def multiply(times: int, seed: int = 15) -> int:
    """(times − 1) copies of every demo case with its timeline, spread over the last six months; bulk-created."""
    from django.db import transaction
    from django.utils import timezone

    from linli.cases.models import Case, CaseEvent

    rng = random.Random(seed)
    originals = list(Case.objects.all())
    events = {}
    for e in CaseEvent.objects.filter(case__in=originals).order_by("at", "id"):
        events.setdefault(e.case_id, []).append(e)
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for copy in range(1, times):
            new_cases, new_events = [], []
            for c in originals:
                shift = datetime.timedelta(seconds=rng.randint(0, 180 * 86400))
                start = now - shift
                delta = start - c.created_at
                n = Case(**{f.attname: getattr(c, f.attname) for f in Case._meta.concrete_fields if f.attname not in ("id",)})
                n.number, n.intake_key, n.created_at = f"B{copy:03d}{c.pk:05d}", None, start
                for f in ("accepted_at", "resolved_at", "closed_at", "response_due", "handling_due", "updated_at"):
                    if getattr(n, f, None) is not None:
                        v = getattr(n, f) + delta
                        setattr(n, f, min(v, now) if f.endswith("_at") else v)
                n._src = c.pk
                new_cases.append(n)
            Case.objects.bulk_create(new_cases, batch_size=500)
            by_pk = {c.pk: c for c in originals}
            for n in new_cases:
                delta = n.created_at - by_pk[n._src].created_at
                for e in events.get(n._src, []):
                    data = dict(e.data or {})
                    for k, v in list(data.items()):  # deadlines stored in the step's data move with it
                        if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] == "T":
                            try:
                                data[k] = (datetime.datetime.fromisoformat(v) + delta).isoformat()
                            except ValueError:
                                pass
                    ev = CaseEvent(**{f.attname: getattr(e, f.attname) for f in CaseEvent._meta.concrete_fields if f.attname != "id"})
                    ev.case_id, ev.at, ev.data = n.pk, min(e.at + delta, now), data
                    new_events.append(ev)
            CaseEvent.objects.bulk_create(new_events, batch_size=1000)
            made += len(new_cases)
    return made


def catch_up() -> tuple[int, float]:
    """The case-figures rollup brought up to date with the timelines (what the first read after new steps does)."""
    from linli.evaluation import rollup

    t0 = time.perf_counter()
    made = rollup.refresh()
    return made, time.perf_counter() - t0


def first_read(month: str) -> dict:
    """The first cockpit read after the copies, before the worker's catch-up: its time and the rows it recomputed."""
    from django.test import Client

    from linli.evaluation.models import CaseFact
    from linli.people.models import Account

    c = Client()
    c.force_login(Account.objects.get(username="secretary"))
    before = CaseFact.objects.count()
    path = f"/cockpit/?month={month}&group=grid"
    t0 = time.perf_counter()
    status = c.get(path).status_code
    return {"path": path, "status": status, "s": time.perf_counter() - t0, "rows": CaseFact.objects.count() - before}


def time_pages(repeat: int, months) -> list[dict]:
    from django.test import Client

    from linli.people.models import Account

    clients = {}
    for role, username in (("secretary", "secretary"), ("subdistrict", "subdistrict")):
        c = Client()
        c.force_login(Account.objects.get(username=username))
        clients[role] = c
    rows = []
    for role, path in [p for month in months for p in pages(month)] + period_pages():
        c = clients[role]
        status = c.get(path).status_code  # warm
        ms = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            r = c.get(path)
            ms.append((time.perf_counter() - t0) * 1000)
            status = r.status_code
        ms.sort()
        rows.append({"role": role, "path": path, "status": status, "p50": statistics.median(ms),
                     "p95": ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], "n": len(ms)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--times", type=int, default=100, help="the demo's cases × this (default 100)")
    parser.add_argument("--repeat", type=int, default=10, help="requests per page and size")
    parser.add_argument("--var-dir", help="reuse this var dir (the demo already built there)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    var = Path(args.var_dir or tempfile.mkdtemp(prefix="linli-bench-cockpit-"))
    os.environ.update(LINLI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="linli.settings")
    os.environ.setdefault("LINLI_FIELD_KEY", KEY)
    t0 = time.perf_counter()
    if not (var / "db.sqlite3").exists() and not list(var.glob("*.sqlite3")):
        subprocess.run([sys.executable, "-m", "linli", "demo", "--no-serve"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    built = time.perf_counter() - t0
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from linli.cases.models import Case, CaseEvent

    settings.ALLOWED_HOSTS = ["*"]
    today = timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1))
    months = [today.strftime("%Y-%m"), last.strftime("%Y-%m")]  # this month (maybe a day old) and the last full one
    sizes = []
    base_cases = Case.objects.count()
    rows_made, rollup_s = catch_up()
    sizes.append(("demo", base_cases, CaseEvent.objects.count(), time_pages(args.repeat, months), 0.0, rows_made, rollup_s, None))
    t1 = time.perf_counter()
    multiply(args.times)
    gen = time.perf_counter() - t1
    first = first_read(months[1])  # behind the backlog: the page recomputes its own window only (rollup.INLINE)
    rows_made, rollup_s = catch_up()
    sizes.append((f"{args.times}×", Case.objects.count(), CaseEvent.objects.count(), time_pages(max(3, args.repeat // 2), months), gen,
                  rows_made, rollup_s, first))
    m = benchdoc.machine(django=django.get_version())
    lines = [BEGIN, "## Cockpit: the cockpit and the scorecards at the demo's size and at %d× its cases" % args.times, "",
             f"`python3 bench/bench_cockpit.py --times {args.times} --repeat {args.repeat}` — {datetime.date.today()}; "
             f"{m['cpu']}, {m['nproc']} CPUs, {m['ram']}, Python {m['python']}, Django {m['django']}; load average at the end {m['load']} "
             "(the machine is shared with other work: figures are upper bounds). The demo built into a temporary `LINLI_VAR_DIR` "
             f"({built:.0f} s), SQLite; each page requested in-process with Django's test client (server time: every middleware, view "
             "and template, no network), once to warm, then timed. The multiplied cases are copies of the demo's with their timeline "
             "steps, each shifted to a random moment of the last six months, bulk-created. Months: the current one and the last "
             "full one; and the evaluation API's rates over the last 181 and 366 days (periods that are not calendar months: the "
             "rollup row of every case whose timeline ended before the period's end and its own month's end, the timelines of the "
             "others). Before the pages are timed, the case-figures rollup (evaluation/rollup.py) catches up with the timelines "
             "(what the first read after new steps does; the worker's sweep does it too).", ""]
    for name, cases, events, rows, gen_s, made, roll_s, first in sizes:
        lines.append(f"**{name}**: {cases} cases, {events} timeline steps" + (f" (generated in {gen_s:.0f} s)" if gen_s else "")
                     + (f"; the first read after the copies, before any catch-up (`{first['path']}`, {first['status']}): "
                        f"**{first['s']:.2f} s**, {first['rows']} rows of its own window recomputed (a read behind more than "
                        "rollup.INLINE new cases takes on its own window only)" if first else "")
                     + f"; rollup catch-up (the worker's): {made} case rows computed in {roll_s:.1f} s")
        lines += ["", "| role | page | status | requests | p50 ms | p95 ms |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {r['role']} | `{r['path']}` | {r['status']} | {r['n']} | {r['p50']:.0f} | {r['p95']:.0f} |" for r in rows]
        lines.append("")
    lines.append(END)
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        benchdoc.write_section(BEGIN, END, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
