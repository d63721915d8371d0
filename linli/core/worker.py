"""The background worker: the database is the queue.

Apps register sweeps (functions that find due rows, handle them and return how
many they handled). `linli worker` loops over them; `linli demo` runs the same
loop in a thread beside the web server. Each sweep must be idempotent: claim a
row inside a transaction (SKIP LOCKED on PostgreSQL, a conditional UPDATE on
SQLite) so that a killed worker leaves nothing half-done or done twice.

Each loop keeps a heartbeat row (core.WorkerBeat, one per process), written when
it starts, at most every BEAT_SECONDS while it runs and when it stops: the
status page and `linli status` tell from it whether a worker runs at all.
"""

import datetime
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger("linli.worker")

_SWEEPS: dict[str, Callable[[], int]] = {}
BEAT_SECONDS = 10.0
FORGET_AFTER = datetime.timedelta(days=7)  # a stopped or dead worker's row, kept this long for the status page


def sweep(name: str):
    def register(fn: Callable[[], int]):
        _SWEEPS[name] = fn
        return fn

    return register


def registered() -> dict[str, Callable[[], int]]:
    return dict(_SWEEPS)


def supports_skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def run_once(beat: "Beat | None" = None) -> dict[str, int]:
    counts = {}
    for name, fn in _SWEEPS.items():
        try:
            counts[name] = fn()
        except Exception as exc:  # one broken sweep must not stop the others
            log.exception("sweep %s failed", name)
            counts[name] = -1
            if beat is not None:
                beat.failed(name, exc)
    return counts


class Beat:
    """This process's heartbeat row: what it handled since it started, written at most every BEAT_SECONDS. A failed
    write is logged and tried again at the next loop: the heartbeat never stops the work."""

    def __init__(self, name: str | None = None):
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"[:200]
        self.started_at = timezone.now()
        self.loops, self.handled, self.failures, self.last_failure, self.last_failure_at = 0, {}, 0, "", None
        self.written = 0.0

    def failed(self, sweep_name: str, exc: Exception) -> None:
        self.failures += 1
        self.last_failure = f"{sweep_name}: {type(exc).__name__}"[:300]  # the type only: a message may carry data
        self.last_failure_at = timezone.now()

    def loop(self, counts: dict[str, int]) -> None:
        self.loops += 1
        for name, n in counts.items():
            if n > 0:
                self.handled[name] = self.handled.get(name, 0) + n
        if time.monotonic() - self.written >= BEAT_SECONDS:
            self.write()

    def write(self, stopped: bool = False) -> None:
        from linli.core.models import WorkerBeat

        now = timezone.now()
        try:
            WorkerBeat.objects.update_or_create(name=self.name, defaults={
                "started_at": self.started_at, "beat_at": now, "stopped_at": now if stopped else None, "loops": self.loops,
                "handled": self.handled, "failures": self.failures, "last_failure": self.last_failure,
                "last_failure_at": self.last_failure_at})
            if not self.written:  # once per start: the rows of workers gone for a week
                WorkerBeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
            self.written = time.monotonic()
        except Exception:
            log.exception("worker heartbeat not written")


def run_forever(stop: threading.Event | None = None, interval: float = 2.0) -> None:
    stop = stop or threading.Event()
    log.info("worker started with sweeps: %s", ", ".join(_SWEEPS))
    beat = Beat()
    beat.write()
    try:
        while not stop.is_set():
            close_old_connections()
            counts = run_once(beat)
            beat.loop(counts)
            busy = any(c > 0 for c in counts.values())
            if not busy:
                stop.wait(interval)
    finally:
        beat.write(stopped=True)
        close_old_connections()


def start_in_thread(interval: float = 2.0) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(stop, interval), name="linli-worker", daemon=True)
    thread.start()
    return thread, stop


def sleep_briefly():
    time.sleep(0.05)
