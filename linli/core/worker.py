"""The background worker: the database is the queue.

Apps register sweeps (functions that find due rows, handle them and return how
many they handled). `linli worker` loops over them; `linli demo` runs the same
loop in a thread beside the web server. Each sweep must be idempotent: claim a
row inside a transaction (SKIP LOCKED on PostgreSQL, a conditional UPDATE on
SQLite) so that a killed worker leaves nothing half-done or done twice.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection

log = logging.getLogger("linli.worker")

_SWEEPS: dict[str, Callable[[], int]] = {}


def sweep(name: str):
    def register(fn: Callable[[], int]):
        _SWEEPS[name] = fn
        return fn

    return register


def registered() -> dict[str, Callable[[], int]]:
    return dict(_SWEEPS)


def supports_skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def run_once() -> dict[str, int]:
    counts = {}
    for name, fn in _SWEEPS.items():
        try:
            counts[name] = fn()
        except Exception:  # one broken sweep must not stop the others
            log.exception("sweep %s failed", name)
            counts[name] = -1
    return counts


def run_forever(stop: threading.Event | None = None, interval: float = 2.0) -> None:
    stop = stop or threading.Event()
    log.info("worker started with sweeps: %s", ", ".join(_SWEEPS))
    while not stop.is_set():
        close_old_connections()
        counts = run_once()
        busy = any(c > 0 for c in counts.values())
        if not busy:
            stop.wait(interval)
    close_old_connections()


def start_in_thread(interval: float = 2.0) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop, interval), name="linli-worker", daemon=True)
    thread.start()
    return thread, stop


def sleep_briefly():
    time.sleep(0.05)
