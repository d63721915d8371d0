"""What every benchmark shares: the machine it ran on, and writing its own section of docs/benchmarks.md."""

import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nFigures written by the scripts in `bench/`; each script replaces only its own section.\n"


def _first(path: str, prefix: str) -> str:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine(**versions) -> dict:
    """CPU model, CPUs available, RAM, Python, OS, load average, plus the library versions given."""
    mem = _first("/proc/meminfo", "MemTotal")
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    return {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "nproc": cpus,
        "ram": f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB" if mem else "",
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        **versions,
    }


def write_section(begin: str, end: str, section: str) -> None:
    """Replace the text between the markers (or append it); re-reads the file right before writing,
    since other benchmarks write their own sections."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
