"""Instructions per request, counted by valgrind's callgrind: linli's intake (api, open311) beside bare's two
references (bare: validate and insert one row; raw: an intake's rows through a cursor), each sent in-process to its
WSGI application on its own SQLite database — one thread, no network, no server.

A count does not move with the machine's load the way a time does, so a change to the intake's Python is measured
here (issue 12); the served rates stay in bench_cases_api.py. For each target a child process under callgrind sends
--warm requests and then N more, once with N = --small and once with N = --large; the count per request is the
difference of the two totals over large − small, so start-up, imports and warm-up cancel out. Each child works on a
copy of its database, so two can run at once without waiting for each other's write lock. The requests are
bench_cases_api's (the same bodies, tokens, points and category, the same seed every run).

    python3 bench/bench_instructions.py               # writes its section of docs/benchmarks.md
    python3 bench/bench_instructions.py --no-write --targets api,bare

Needs valgrind (Debian: apt install valgrind). The demo is built once under var/bench/instructions/ and migrated
on later runs. Results go between <!-- bench:instructions --> and <!-- /bench:instructions --> in docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_cases_api as cases_api  # noqa: E402
import benchdoc  # noqa: E402
import benchwsgi  # noqa: E402

VAR = ROOT / "var" / "bench" / "instructions"
BEGIN, END = "<!-- bench:instructions -->", "<!-- /bench:instructions -->"
TARGETS = ("api", "open311", "bare", "raw")
# where each target's database lives under VAR, and its SQLite backend (bare as bench_cases_api serves it)
BARE_DIRS = {"bare": ("bare", None), "raw": ("bare-rows", "linli.core.sqlite3")}


def _env(var: Path) -> dict:
    env = dict(os.environ, LINLI_VAR_DIR=str(var), LINLI_ENCRYPTION_KEY=cases_api.KEY, LINLI_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    env.pop("LINLI_DATABASE_URL", None)
    return env


def _bare_env(var: Path, target: str) -> dict:
    folder, engine = BARE_DIRS[target]
    env = dict(_env(var), BARE_VAR_DIR=str(var / folder), DJANGO_SETTINGS_MODULE="bare.settings")
    env.pop("BARE_DATABASE_URL", None)
    env.pop("BARE_SQLITE_ENGINE", None)
    if engine:
        env["BARE_SQLITE_ENGINE"] = engine
    return env


def _run(cmd, env, what: str) -> str:
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{what} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def prepare(residents: int) -> dict:
    """The demo database (built once, migrated later), bare's two databases migrated, fresh tokens: the requests' data."""
    env = _env(VAR)
    if (VAR / "linli.sqlite3").exists():
        _run([sys.executable, "-m", "linli", "migrate", "-v", "0"], env, "linli migrate")
    else:
        VAR.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "linli", "demo", "--no-serve", "--residents", str(residents)], env, "linli demo")
    for target in BARE_DIRS:
        (VAR / BARE_DIRS[target][0]).mkdir(exist_ok=True)
        _run([sys.executable, str(Path(__file__).resolve()), "--child", "migrate-" + target], _bare_env(VAR, target), "bare migrate")
    out = _run([sys.executable, str(HERE / "bench_cases_api.py"), "--prepare", "--clients-tokens", "64"], env, "prepare")
    data = json.loads(out.strip().splitlines()[-1])
    (VAR / "requests.json").write_text(json.dumps(data))
    return data


# ---------------------------------------------------------------------------- the child (runs under callgrind)
def child(target: str, warm: int, count: int) -> int:
    if target.startswith("migrate-"):
        sys.path.insert(0, str(HERE / "bare"))
        sys.path.insert(1, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        return 0
    data = json.loads((Path(os.environ["LINLI_VAR_DIR"]) / "requests.json").read_text())
    if target in BARE_DIRS:
        sys.path.insert(0, str(HERE / "bare"))
        sys.path.insert(1, str(ROOT))
        import django

        django.setup()
        from bare.wsgi import application
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        from linli.wsgi import application
    jobs = cases_api.requests_for(target, data, warm + count, seed=1)
    for path, body, headers in jobs:
        status, reply = benchwsgi.post(application, path, body, headers)
        if not status.startswith("201"):
            raise SystemExit(f"{target}: {status} {reply[:300]!r}")
    return 0


# ---------------------------------------------------------------------------- the parent
def count_once(target: str, n: int, warm: int) -> int:
    """Instructions of one child: a copy of the target's database, warm + n requests."""
    with tempfile.TemporaryDirectory(prefix=f"linli-instr-{target}-") as tmp:
        var = Path(tmp)
        if target in BARE_DIRS:
            folder = BARE_DIRS[target][0]
            shutil.copytree(VAR / folder, var / folder)
            env = _bare_env(var, target)
        else:
            shutil.copytree(VAR, var, dirs_exist_ok=True, ignore=shutil.ignore_patterns("bare", "bare-rows", "media"))
            env = _env(var)
        shutil.copy(VAR / "requests.json", var / "requests.json")
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, str(Path(__file__).resolve()),
               "--child", target, "--warm", str(warm), "--count", str(n)]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode or not found:
            raise SystemExit(f"{target} × {n} under callgrind failed:\n{out.stderr[-3000:]}")
        return int(found.group(1))


def measure(targets, small: int, large: int, warm: int, jobs: int) -> dict:
    runs = [(t, n) for t in targets for n in (small, large)]
    with ThreadPoolExecutor(jobs) as pool:
        totals = dict(zip(runs, pool.map(lambda run: count_once(run[0], run[1], warm), runs)))
    return {t: (totals[t, large] - totals[t, small]) / (large - small) for t in targets}


def render(per: dict, args, started: dict, version: str) -> str:
    def m(x):
        return f"{x / 1e6:.2f} M"

    lines = [BEGIN, "## Instructions per request: linli's intake beside bare", "",
             "`python3 bench/bench_instructions.py` — CPU instructions counted by callgrind "
             f"({version}) while each target's WSGI application answers POSTs in-process on its own SQLite database "
             "(a copy per run): linli's `api` (`POST /api/v1/cases` with a resident's bearer token) and `open311` "
             "(`POST /open311/v2/requests.json`), bare's `bare` (validate, insert one row) and `raw` (an intake's rows through "
             "a cursor) — the requests of bench_cases_api, no network, no server, one thread. Per request = (instructions of "
             f"{args.warm} + {args.large} requests − instructions of {args.warm} + {args.small}) / {args.large - args.small}: "
             "start-up and warm-up cancel out. A count, not a time: it moves with the code, not with the machine's load.", "",
             "| target | instructions per request | × bare | × raw |", "| --- | ---: | ---: | ---: |"]
    for t in [t for t in TARGETS if t in per]:
        vs_bare = f"{per[t] / per['bare']:.2f}×" if "bare" in per else ""
        vs_raw = f"{per[t] / per['raw']:.2f}×" if "raw" in per else ""
        lines.append(f"| {t} | {m(per[t])} | {vs_bare} | {vs_raw} |")
    lines += ["", f"Machine: {started['cpu']}, Python {started['python']}; measured "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. Demo: `linli demo --no-serve --residents {args.residents}` "
              "under var/bench/instructions/ (migrated when reused); the cases of earlier runs stay in it.", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma list of " + ", ".join(TARGETS))
    parser.add_argument("--small", type=int, default=50)
    parser.add_argument("--large", type=int, default=250)
    parser.add_argument("--warm", type=int, default=50, help="requests before the counted ones, in both runs")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="children under callgrind at once")
    parser.add_argument("--residents", type=int, default=3200)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.warm, args.count)
    if shutil.which("valgrind") is None:
        print("bench_instructions needs valgrind (Debian: apt install valgrind)", file=sys.stderr)
        return 2
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown or args.large <= args.small:
        parser.error(f"unknown targets {sorted(unknown)}" if unknown else "--large must exceed --small")
    started = benchdoc.machine()
    version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    print("preparing the demo and bare's databases …", flush=True)
    prepare(args.residents)
    per = measure(targets, args.small, args.large, args.warm, args.jobs)
    for t, x in per.items():
        print(f"{t:8} {x / 1e6:6.2f} M instructions per request", flush=True)
    section = render(per, args, started, version)
    if args.no_write:
        print(section)
    else:
        benchdoc.write_section(BEGIN, END, section)
        print(f"wrote {benchdoc.DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
