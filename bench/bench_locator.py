"""Point → grid lookups per second with 10,000 grids and 100,000 micro-grids.

A synthetic tiling around lng 113.30, lat 40.08: a 100 × 100 lattice of square grids
(~170 m × 220 m), each cut into 10 micro-grid strips. Everything goes through the real
path: GeoJSON rows → linli.places.locator.build_index_from_rows (boundary validation
included) → GridIndex.locate (grid + micro-grid, one call per point) and
GridIndex.locate_many (vectorised, grid only).

    python3 bench/bench_locator.py            # full size, writes docs/benchmarks.md
    python3 bench/bench_locator.py --grids 400 --no-write

Results go between <!-- bench:locator --> and <!-- /bench:locator --> in docs/benchmarks.md;
the rest of that file is left as it is.
"""

import argparse
import datetime
import gc
import math
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from linli.places.locator import build_index_from_rows  # noqa: E402

import benchdoc  # noqa: E402  (bench/ is the script's directory)

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:locator -->", "<!-- /bench:locator -->"
WEST, SOUTH = 113.20, 39.98
CELL = 0.002  # degrees


def rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> None:
    """Reset VmHWM (Linux ≥ 4.0) so the peak measured is the build's own."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def rect(w, s, e, n):
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def tiling(grids: int, micro_per_grid: int):
    side = int(math.isqrt(grids))
    assert side * side == grids, "--grids must be a square number"
    rows = []
    gid = 0
    mid = 10**7
    for j in range(side):
        for i in range(side):
            gid += 1
            w, s = WEST + i * CELL, SOUTH + j * CELL
            rows.append((gid, "residential", None, 1 + gid // 100, rect(w, s, w + CELL, s + CELL)))
            strip = CELL / micro_per_grid
            for k in range(micro_per_grid):
                mid += 1
                rows.append((mid, "micro", gid, 1 + gid // 100, rect(w + k * strip, s, w + (k + 1) * strip, s + CELL)))
    return rows, side


def machine() -> dict:
    return benchdoc.machine(shapely=shapely.__version__, geos=".".join(map(str, shapely.geos_version)))


def run(grids: int, micro_per_grid: int, single: int, many: int, seed: int = 1) -> dict:
    rows, side = tiling(grids, micro_per_grid)
    gc.collect()
    rss_before = rss_kib()
    reset_peak()
    t0 = time.perf_counter()
    index = build_index_from_rows(rows)
    build_s = time.perf_counter() - t0
    peak = rss_kib("VmHWM")
    rss_after = rss_kib()
    del rows
    gc.collect()

    rng = np.random.default_rng(seed)
    span = side * CELL
    # 95 % of points inside the tiling, 5 % outside (a bad coordinate, another town)
    pts = np.column_stack([rng.uniform(WEST - 0.05 * span, WEST + 1.05 * span, many), rng.uniform(SOUTH - 0.05 * span, SOUTH + 1.05 * span, many)])

    # single calls: grid and micro-grid per point
    sample = pts[:single]
    t0 = time.perf_counter()
    hits = micro_hits = 0
    for lng, lat in sample:
        loc = index.locate(float(lng), float(lat))
        if loc.grid_id is not None:
            hits += 1
            if loc.micro_grid_id is not None:
                micro_hits += 1
    single_s = time.perf_counter() - t0
    # check a few answers against arithmetic on the lattice
    for lng, lat in sample[:2000]:
        i, j = math.floor((lng - WEST) / CELL), math.floor((lat - SOUTH) / CELL)
        loc = index.locate(float(lng), float(lat))
        inside = 0 <= i < side and 0 <= j < side
        if inside and abs((lng - WEST) / CELL - round((lng - WEST) / CELL)) > 1e-9 and abs((lat - SOUTH) / CELL - round((lat - SOUTH) / CELL)) > 1e-9:
            assert loc.grid_id == 1 + j * side + i, (lng, lat, loc)
            assert loc.micro_grid_id is not None
        elif not inside and not (-1e-9 < lng - WEST < span + 1e-9 and -1e-9 < lat - SOUTH < span + 1e-9):
            assert loc.grid_id is None

    # vectorised
    t0 = time.perf_counter()
    out = index.locate_many(pts)
    many_s = time.perf_counter() - t0
    check = min(5000, len(sample))
    assert (out[:check] == np.array([index.locate(float(x), float(y)).grid_id or -1 for x, y in sample[:check]])).all()
    return {
        "grids": grids,
        "micro_grids": grids * micro_per_grid,
        "build_s": build_s,
        "rss_before_mib": rss_before / 1024,
        "rss_after_mib": rss_after / 1024,
        "peak_mib": peak / 1024,
        "index_mib": (rss_after - rss_before) / 1024,
        "single_n": len(sample),
        "single_s": single_s,
        "single_per_s": len(sample) / single_s,
        "single_hit_share": hits / len(sample),
        "micro_hit_share": micro_hits / len(sample),
        "many_n": len(pts),
        "many_s": many_s,
        "many_per_s": len(pts) / many_s,
        "many_hit_share": float((out >= 0).mean()),
    }


def markdown(r: dict, m: dict, when: str) -> str:
    return f"""{BEGIN}
## Locator: point → grid

`python3 bench/bench_locator.py` — synthetic tiling of {r['grids']:,} square grids (100 × 100, ~170 m × 220 m each
over lng 113.20–113.40, lat 39.98–40.18), each cut into {r['micro_grids'] // r['grids']} micro-grid strips
({r['micro_grids']:,} micro-grids). Rows go through the real path: GeoJSON → `build_index_from_rows`
(boundary validation, prepared geometries, two shapely STRtrees) → `GridIndex`.
Query points: uniform over the tiling plus a 5 % margin outside it.

| measure | result |
| --- | --- |
| index build ({r['grids'] + r['micro_grids']:,} polygons from GeoJSON) | {r['build_s']:.2f} s |
| memory held by the index (RSS after − before build) | {r['index_mib']:.0f} MiB |
| peak RSS during the build (process total, rows included) | {r['peak_mib']:.0f} MiB |
| single `locate()` calls, grid + micro-grid ({r['single_n']:,} points) | **{r['single_per_s']:,.0f} lookups/s** ({1e6 / r['single_per_s']:.1f} µs each) |
| vectorised `locate_many()`, grid only ({r['many_n']:,} points) | **{r['many_per_s']:,.0f} lookups/s** ({r['many_s']:.2f} s) |
| points found in a grid / in a micro-grid | {r['single_hit_share']:.1%} / {r['micro_hit_share']:.1%} |

Machine: {m['cpu']}, {m['nproc']} CPUs available (nproc), {m['ram']} RAM, {m['os']};
Python {m['python']}, shapely {m['shapely']} (GEOS {m['geos']}). Measured {when}, single process,
on a machine shared with other work, so treat the figures as lower bounds.
{END}"""


def write(section: str) -> None:
    benchdoc.write_section(BEGIN, END, section)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=10_000, help="number of grids (a square number)")
    parser.add_argument("--micro-per-grid", type=int, default=10)
    parser.add_argument("--single", type=int, default=100_000, help="points for single locate() calls")
    parser.add_argument("--many", type=int, default=1_000_000, help="points for locate_many()")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    m = machine()
    r = run(args.grids, args.micro_per_grid, min(args.single, args.many), args.many)
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = markdown(r, m, when)
    print(section)
    if not args.no_write:
        write(section)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
