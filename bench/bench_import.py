"""A 100,000-resident Excel import through the real path: time and peak memory.

On a fresh SQLite database under var/bench/import/ the demo subdistrict is built (linli.demo.build),
then a register sheet of N residents (households of 1–5 in the 35 buildings of 柳航里, their
entrances, rooms beyond the demo's — the import creates those dwellings) is written with the
Chinese headers communities use, and imported as the background job `import.residents` owned
by the community secretary (scope resolved from the account, progress every 500 rows, report
and error sheet stored) — the same path as an upload on the import page.

Then the same file is imported again (must change nothing) and dry-run once more.

    python3 bench/bench_import.py                 # 100,000 residents, writes docs/benchmarks.md
    python3 bench/bench_import.py --residents 2000 --no-write

Where the wall time goes: the process's CPU time, its time waiting for a CPU in the run queue (the
machine is shared: /proc/self/schedstat) and the rest, blocked (disk, fsync, locks).

Memory: the process's peak RSS (VmHWM, reset before each run where Linux allows) for the imports.
tracemalloc slows this code several times over, so it is kept off the timed runs: the Python-heap
peak is taken from a traced dry run of a separate, smaller sheet (reading streams and checks in
batches of 1,000, so the heap does not grow with the file beyond the set of ID numbers seen).
Results go between <!-- bench:import --> and <!-- /bench:import --> in docs/benchmarks.md.
"""

import argparse
import datetime
import gc
import os
import random
import shutil
import sys
import time
import tracemalloc
from pathlib import Path

import benchdoc  # noqa: E402  (bench/ is the script's directory)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DIR = ROOT / "var" / "bench" / "import"  # its own folder: a fresh start must not wipe the other benches' files

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:import -->", "<!-- /bench:import -->"
HEADERS = ["序号", "姓名", "性别", "身份证号", "出生日期", "联系电话", "民族", "政治面貌", "小区", "楼栋", "单元", "房号",
           "与户主关系", "户籍地址", "居住状态", "标签", "备注"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文军宇浩然子涵欣怡梓萱一诺雨泽俊杰佳怡思远晓东海燕春生淑珍"
REGIONS = ["140106", "140302", "140105", "142601"]  # not used by the demo's residents, so every row is new
TAGS = ["独居", "空巢", "残疾2级", "低保", "特困", "退役军人", "重点关注", "残疾4级", "低保、独居", "空巢、重点关注"]


def setup_django(fresh: bool) -> None:
    if fresh and BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["LINLI_VAR_DIR"] = str(BENCH_DIR)
    os.environ["LINLI_DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def check_digit(first17: str) -> str:
    from stdnum.cn.ric import calc_check_digit

    return calc_check_digit(first17 + "0")


def make_sheet(path: Path, residents: int, seed: int = 7) -> dict:
    """Write the register: households in (building, entrance, room) slots of the demo's main community."""
    from openpyxl import Workbook

    import linli.demo as demo
    from linli.places.models import Building, Entrance

    from linli.people.models import Household

    rng = random.Random(seed)
    occupied = {(h["dwelling__building_id"], h["dwelling__entrance__number"] or "", h["dwelling__room"])
                for h in Household.objects.filter(closed_on__isnull=True).values("dwelling__building_id", "dwelling__entrance__number", "dwelling__room")}
    buildings = list(Building.objects.filter(community__code=demo.MAIN[0]).select_related("compound").order_by("compound__name", "id"))
    slots = []
    per_floor = 1
    while len(slots) * 1.0 < residents / 2.6:  # enough rooms for the households
        per_floor += 1
        slots = []
        for b in buildings:
            entrances = list(Entrance.objects.filter(building=b).order_by("number").values_list("number", flat=True)) or [""]
            for e in entrances:
                for floor in range(1, (b.floors or 6) + 1):
                    for pos in range(1, per_floor + 1):
                        if (b.pk, e, f"{floor}{pos:02d}") in occupied:  # a demo household lives there, with its head
                            continue
                        slots.append((b.compound.name if b.compound_id else "", b.number, e, f"{floor}{pos:02d}"))
    rng.shuffle(slots)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民信息")
    ws.append(["柳航里社区居民信息登记表（基准测试）"])
    ws.append(HEADERS)
    seen = set()
    today = datetime.date(2026, 11, 1)
    n = households = 0
    slot = 0
    while n < residents:
        compound, building, entrance, room = slots[slot % len(slots)]
        slot += 1
        households += 1
        size = min(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]), residents - n)
        head_age = rng.randint(25, 90)
        for k in range(size):
            if k == 0:
                relation, age = "户主", head_age
            elif k == 1:
                relation, age = "配偶", max(20, head_age + rng.randint(-5, 5))
            else:
                relation, age = rng.choice(["子女", "子女", "孙子女", "父母"]), None
                age = {"子女": max(0, head_age - rng.randint(22, 35)), "孙子女": max(0, head_age - rng.randint(45, 60)), "父母": min(100, head_age + rng.randint(20, 30))}[relation]
            gender = ("M" if k % 2 == 0 else "F") if k < 2 else rng.choice("MF")
            birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
            while True:
                region = rng.choice(REGIONS)
                seq = rng.randint(0, 99)
                gdigit = rng.choice("13579" if gender == "M" else "02468")
                first17 = f"{region}{birth:%Y%m%d}{seq:02d}{gdigit}"
                if first17 not in seen:
                    seen.add(first17)
                    break
            id_number = first17 + check_digit(first17)
            phone = f"1{rng.choice(['38', '39', '50', '86', '37', '58'])}{rng.randint(0, 99999999):08d}" if age >= 16 else ""
            n += 1
            ws.append([
                n, rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
                "男" if gender == "M" else "女", id_number, birth, phone, rng.choice(["汉族"] * 19 + ["回族"]),
                rng.choice(["群众"] * 8 + ["中共党员", "共青团员"]), compound, building, entrance, room, relation,
                "山西省大同市平城区", rng.choice(["户籍"] * 4 + ["流动"]), rng.choice(TAGS) if rng.random() < 0.12 else "", "",
            ])
    wb.save(path)
    return {"residents": n, "households": households, "rooms": len(slots), "buildings": len(buildings)}


def rss_kib(field: str = "VmRSS") -> int:
    import resource

    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def schedstat() -> tuple[float, float]:
    """(CPU seconds, seconds waiting in the run queue) of this process so far; (0, 0) where Linux does not say."""
    try:
        with open("/proc/self/schedstat") as fh:
            cpu, wait, _slices = fh.read().split()
        return int(cpu) / 1e9, int(wait) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


def run_job(path: Path, owner, dry_run: bool, trace: bool) -> dict:
    from django.core.files import File

    from linli.core import jobs
    from linli.core.models import Job

    with open(path, "rb") as fh:
        job = jobs.enqueue("import.residents", owner=owner, params={"dry_run": dry_run}, input_file=File(fh, name=path.name))
    job = Job.objects.get(pk=job.pk)
    gc.collect()
    peak_reset = reset_peak()
    if trace:
        tracemalloc.start()
    s0 = schedstat()
    t0, c0 = time.perf_counter(), time.process_time()
    job = jobs.run(job)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s1 = schedstat()
    waited = s1[1] - s0[1]
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    if job.status != Job.Status.DONE:
        raise SystemExit(f"import job failed: {job.error}")
    r = job.result
    return {"wall": wall, "cpu": cpu, "runq": waited, "blocked": max(0.0, wall - (s1[0] - s0[0]) - waited), "traced_peak": traced, "hwm_kib": rss_kib("VmHWM"), "peak_reset": peak_reset,
            "created": r["created"], "updated": r["updated"], "unchanged": r["unchanged"], "invalid": r["invalid_rows"],
            "done": job.done, "total": job.total}


def reference_read(path: Path) -> dict:
    """The reference measured in the same run: python-calamine alone reading the sheet into Python rows."""
    from python_calamine import CalamineWorkbook

    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    ws = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sum(1 for _row in ws.iter_rows())
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": rows}


def uptime() -> str:
    import subprocess

    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    import sqlite3

    import django
    import openpyxl

    return benchdoc.machine(django=django.get_version(), openpyxl=openpyxl.__version__, sqlite=sqlite3.sqlite_version)


def mib(kib_or_bytes, unit="kib") -> str:
    value = kib_or_bytes / 1024 if unit == "kib" else kib_or_bytes / 1024 / 1024
    return f"{value:,.0f} MiB"


def render(res: dict) -> str:
    m, s, a, b, c, r = res["machine"], res["sheet"], res["first"], res["again"], res["dry"], res["reference"]
    n = s["residents"]

    def split(x):
        return f"{x['cpu']:.1f} s | {x['runq']:.1f} s | {x['blocked']:.1f} s"

    return f"""{BEGIN}
## Import: a {n:,}-resident register sheet

`python3 bench/bench_import.py` — a fresh SQLite database under `var/bench/import/`, the demo subdistrict built by
`linli.demo.build()` ({res['demo_residents']:,} residents already registered), then a generated sheet in the format
communities use (title row, Chinese headers 姓名/性别/身份证号/出生日期/联系电话/民族/政治面貌/小区/楼栋/单元/房号/
与户主关系/户籍地址/居住状态/标签/备注): {n:,} residents with valid, distinct ID numbers in {s['households']:,}
households of 1–5, spread over the {s['buildings']} buildings of 柳航里 and their entrances ({s['rooms']:,} rooms;
rooms the demo lacks are created by the import), 12 % with tags. The file ({res['file_mib']:.1f} MiB) is imported as the
background job `import.residents` owned by the community secretary: the real path (scope from the account, every row
through `validation.check_id_number`, new and changed rows through `services.clean_person_fields`, residents already
registered read once per batch of 1,000 and an unchanged row recognised by comparing its normalised values with the
record (phone by keyed hash), new rows written as plain multi-row INSERTs with their ID numbers and phones encrypted
in one pass per batch, one transaction per batch, progress every 500 rows, report stored on the job).

Wall time on a shared machine moves with its load. It is split here into the process's CPU time, its time waiting
for a CPU in the run queue (other work on the 2 cores; /proc/self/schedstat) and the rest, blocked (disk, fsync,
locks). The reference is python-calamine alone reading the same sheet into Python rows, in the same run.

| measure | wall | CPU | waiting for a CPU | blocked | × reference (CPU) |
| --- | --- | --- | --- | --- | --- |
| reference: python-calamine reads the sheet ({r['rows']:,} rows) | {r['wall']:.2f} s | {r['cpu']:.2f} s | | | 1× |
| **first import** ({a['created']:,} created, {a['invalid']} invalid rows) | **{a['wall']:.1f} s** ({n / a['wall']:,.0f} rows/s) | {split(a)} | {a['cpu'] / r['cpu']:.0f}× |
| **no-op re-import** of the same file ({b['unchanged']:,} unchanged, {b['created']} created, {b['updated']} updated) | **{b['wall']:.1f} s** ({n / b['wall']:,.0f} rows/s) | {split(b)} | {b['cpu'] / r['cpu']:.0f}× |
| peak RSS of the process during the first import / the re-import (VmHWM{'' if a['peak_reset'] else ', not reset: includes the set-up'}) | {mib(a['hwm_kib'])} / {mib(b['hwm_kib'])} | | | | |
| dry run of a separate {c['rows']:,}-row sheet under tracemalloc: peak Python heap | {mib(c['traced_peak'], 'b')} ({c['wall']:.0f} s under tracing) | | | | |
| writing the sheet (openpyxl write-only) | {res['make_s']:.1f} s | | | | |
| database rows after the first import (persons / households / dwellings) | {res['rows_after']} | | | | |

Targets (issue 12): 100,000 residents, first import < 30 s, no-op re-import < 15 s, peak RSS < 500 MB. Wall time is
CPU plus whatever the machine's other work costs: with {a['cpu']:.0f} s of CPU the first import keeps under 30 s only
while the run queue stays short (at load 6 earlier the same day, the same code took 48–51 s wall for 21–24 s of CPU;
re-import 20–26 s wall for 10–11 s of CPU).

Before and after (100,000 residents, this bench or the same job on a copy of the same demo database):

| | first import: wall / CPU | no-op re-import: wall / CPU | peak RSS |
| --- | --- | --- | --- |
| 2026-11-23, openpyxl reading, a query and a full clean per row | 567.7 s / — | 476.9 s / — | |
| 2026-12-01 12:56 UTC, calamine, batch reads, bulk_create (load 9–10) | 313.0 s / 72.9 s | 82.6 s / 18.0 s | 311 / 343 MiB |
| 2026-12-01 15:06 UTC, the same code, load 3.3 | 76.3 s / 53.4 s | 16.9 s / 14.3 s | 283 / 335 MiB |
| {res['when']}, this run (load {res['load_start'].split(' / ')[0]} at the start) | {a['wall']:.1f} s / {a['cpu']:.1f} s | {b['wall']:.1f} s / {b['cpu']:.1f} s | {mib(a['hwm_kib'])} / {mib(b['hwm_kib'])} |

What changed (issue 12, this section's commits): new residents are written as plain multi-row INSERTs
(`core/inserts.py`, `insert_rows`: no model instances, the model's defaults filled once per statement, ids read back with
RETURNING and mapped by key) instead of `bulk_create`, which spent half the first import building instances and
preparing ~45 values per resident; ID numbers and phones are encrypted with `crypto.encrypt_many` (the same Fernet
tokens, checked byte for byte against `cryptography`'s, with the AES key schedule and the HMAC pads set up once per
batch: 6.6 µs a value instead of 36) and keyed hashes use precomputed HMAC pads; the batch reads of registered
residents, tags and memberships are plain `SELECT … IN` rows (the ORM spent 25 ms per 1,000 hashes building the IN
list, then built model instances); an unchanged phone is recognised by its hash before it is parsed; `check_id_number`
skips stdnum's character-by-character compact for a number already compact.

Where the wall time went: in every single-process run measured today the import blocked for under 3 s (fsync, WAL checkpoints, the
write lock); the gap between wall and CPU is time spent waiting for a CPU while other work used the 2 cores. Tried
and left out, by measurement: reading and checking the sheet in a forked second process while the first writes (at
load 6–8 the parent waited 11 s for the child and its own CPU did not fall); batches of 5,000 rows per transaction
and a larger SQLite page cache (within the noise: 21–24 s CPU for the first import either way). What the first
import's CPU is now: SQLite itself ~7 s (the person table's eight indexes, three of them on random keyed hashes),
`clean_person_fields` (phone validation, `timezone.localdate()` per row), reading the cells (`excel.cell_str`),
the row checks, and building the INSERT parameters.

Machine: {m['cpu']}, {m['nproc']} CPUs available (nproc), {m['ram']} RAM, {m['os']}; Python {m['python']}, Django {m['django']},
openpyxl {m['openpyxl']}, SQLite {m['sqlite']}. Measured {res['when']}, single process, on a machine shared with
other work (load average {res['load_start']} at the start, {res['load']} at the end; `uptime`: {res['uptime']}).
{END}"""


def write_doc(section: str) -> None:
    benchdoc.write_section(BEGIN, END, section)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--trace-rows", type=int, default=10_000, help="rows of the separate sheet dry-run under tracemalloc")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)

    load_start = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    setup_django(fresh=True)
    from django.core.management import call_command

    import linli.demo as demo
    from linli.core import roles
    from linli.people.models import Account, Household, Person
    from linli.places.models import Dwelling

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    demo.build(verbosity=0)
    print(f"demo built in {time.perf_counter() - t0:.1f} s", flush=True)
    demo_residents = Person.objects.filter(dwelling__isnull=False).count()
    owner = Account.objects.filter(person__appointments__role=roles.COMMUNITY_SECRETARY,
                                   person__appointments__community__code=demo.MAIN[0]).first()
    assert owner is not None, "the demo has no community secretary account"
    path = BENCH_DIR / f"residents-{args.residents}.xlsx"
    t0 = time.perf_counter()
    sheet = make_sheet(path, args.residents)
    make_s = time.perf_counter() - t0
    print(f"sheet of {sheet['residents']:,} residents written in {make_s:.1f} s ({path.stat().st_size / 2**20:.1f} MiB)", flush=True)

    reference = reference_read(path)
    print("reference (calamine alone):", reference, flush=True)
    first = run_job(path, owner, dry_run=False, trace=False)
    print("first import:", first, flush=True)
    rows_after = f"{Person.objects.count():,} / {Household.objects.count():,} / {Dwelling.objects.count():,}"
    again = run_job(path, owner, dry_run=False, trace=False)
    print("re-import:", again, flush=True)
    small = BENCH_DIR / f"residents-{args.trace_rows}-traced.xlsx"
    make_sheet(small, args.trace_rows, seed=11)
    dry = run_job(small, owner, dry_run=True, trace=True)
    dry["rows"] = args.trace_rows
    print("traced dry run:", dry, flush=True)
    assert again["created"] == again["updated"] == 0, "re-import changed something"
    res = {"reference": reference, "load_start": load_start, "machine": machine(), "sheet": sheet, "first": first, "again": again, "dry": dry, "make_s": make_s,
           "file_mib": path.stat().st_size / 2**20, "demo_residents": demo_residents, "rows_after": rows_after,
           "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()), "uptime": uptime(),
           "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    section = render(res)
    print(section)
    if not args.no_write:
        write_doc(section)
        print(f"written to {DOC}")


if __name__ == "__main__":
    main()
