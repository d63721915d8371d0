"""Is linli working? The checks behind the status page (/status/, superusers), `linli status` (exit 0 / 1 / 2, for
cron or a monitor) and the load balancer's /healthz.

Each check answers with a level — ok, warn (working, but someone should look), fail (something users rely on has
stopped) — a one-line summary with its figures, and details. The core's checks: the database (round trip, migrations
not applied), disk space, the background workers (their heartbeat rows, linli.core.worker), the outbox (messages overdue or given
up), background jobs (waiting or running too long) and the read replica (linli.core.replica: in step, behind or
unreachable). Apps add their own with @check (the cases app: the classifier). No check reads or shows personal data:
counts, ages, names of processes and sweeps only.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OK, WARN, FAIL = "ok", "warn", "fail"
EXIT_CODES = {OK: 0, WARN: 1, FAIL: 2}  # the monitoring plugins' convention
_RANK = {OK: 0, WARN: 1, FAIL: 2}
OUTBOX_LATE = datetime.timedelta(minutes=5)  # a message due longer than this: the worker or its channel is behind
JOB_WAITING = datetime.timedelta(minutes=10)
JOB_RUNNING = datetime.timedelta(hours=1)
RECENT = datetime.timedelta(days=7)  # messages given up and jobs failed are counted over this window
FAILURE_RECENT = datetime.timedelta(hours=1)  # a worker's sweep that failed this recently makes the check warn

log = logging.getLogger(__name__)


@dataclass
class Check:
    level: str
    summary: str
    details: list[tuple[str, str]] = field(default_factory=list)
    name: str = ""  # filled in by run() from the registration
    label: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "label": str(self.label), "level": self.level, "summary": str(self.summary),
                "details": [[str(k), str(v)] for k, v in self.details]}


_CHECKS: dict[str, tuple[object, Callable[[], Check]]] = {}


def check(name: str, label):
    """Register a check: a function answering a Check (its name and label filled in from here)."""
    def register(fn: Callable[[], Check]):
        _CHECKS[name] = (label, fn)
        return fn
    return register


def run(names=None) -> list[Check]:
    """Every registered check (or those named), each on its own: one that raises is a failed check, not a failed page."""
    out = []
    for name, (label, fn) in _CHECKS.items():
        if names and name not in names:
            continue
        try:
            result = fn()
        except Exception as exc:
            log.exception("health check %s failed", name)
            result = Check(FAIL, _("The check itself failed: %(error)s") % {"error": type(exc).__name__})
        result.name, result.label = name, label
        out.append(result)
    return out


def worst(checks: list[Check]) -> str:
    return max((c.level for c in checks), key=_RANK.__getitem__, default=OK)


def alive() -> bool:
    """The load balancer's question: does this process reach its database? (one round trip, nothing else)"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception as exc:
        log.warning("health: the database does not answer (%s)", type(exc).__name__)
        try:
            connection.close()  # the next request connects afresh
        except Exception:  # noqa: S110 — closing a broken connection may fail too
            pass
        return False


def _age(moment, now) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return _("%(n)s s ago") % {"n": seconds}
    if seconds < 7200:
        return _("%(n)s min ago") % {"n": seconds // 60}
    if seconds < 172800:
        return _("%(n)s h ago") % {"n": seconds // 3600}
    return _("%(n)s days ago") % {"n": seconds // 86400}


# ---------------------------------------------------------------------------- the database
def _unapplied_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]


def _size(cursor) -> int | None:
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])
    if connection.vendor == "sqlite":
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return int(cursor.fetchone()[0])
    return None


def _engine() -> str:
    if connection.vendor == "sqlite":
        return "SQLite " + ".".join(map(str, connection.Database.sqlite_version_info))
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150018
        return f"PostgreSQL {version // 10000}.{version % 100}"
    return connection.display_name


@check("database", gettext_lazy("Database"))
def database() -> Check:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
        round_trip = (time.perf_counter() - started) * 1000
        size = _size(cursor)
    details = [(_("Engine"), _engine()), (_("Round trip"), f"{round_trip:.1f} ms")]
    if size is not None:
        details.append((_("Size"), f"{size / 1024 / 1024:.1f} MiB"))
    missing = _unapplied_migrations()
    if missing:
        details.append((_("Migrations not applied"), ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")))
        return Check(FAIL, _("%(n)s migrations not applied: run `linli migrate`") % {"n": len(missing)}, details)
    return Check(OK, _("Answers in %(ms).1f ms; every migration applied") % {"ms": round_trip}, details)


# ---------------------------------------------------------------------------- disk space
DISK_WARN = 0.10  # free share of a file system under which the check warns
DISK_FAIL = 0.02  # … and fails: SQLite's writes, uploads and backups stop when it is full


def _places() -> list[tuple[str, str]]:
    """(what, folder) for every folder linli writes to: the var folder (SQLite's file, the key, backups), the uploads."""
    places = [(_("Data folder"), str(settings.VAR_DIR)), (_("Uploads"), str(settings.MEDIA_ROOT))]
    if connection.vendor == "sqlite":
        places.append((_("Database file"), os.path.dirname(str(connection.settings_dict["NAME"]))))
    return places


@check("disk", gettext_lazy("Disk space"))
def disk() -> Check:
    seen, details, lowest = set(), [], None
    for what, folder in _places():
        while folder and not os.path.exists(folder):  # a folder not made yet: the file system it will be on
            folder = os.path.dirname(folder)
        usage = shutil.disk_usage(folder or "/")
        device = os.stat(folder or "/").st_dev
        share = usage.free / usage.total if usage.total else 1.0
        if device not in seen:
            seen.add(device)
            details.append((what, _("%(free).1f GiB free of %(total).1f GiB (%(share).0f%%) · %(folder)s") % {
                "free": usage.free / 2**30, "total": usage.total / 2**30, "share": share * 100, "folder": folder}))
            lowest = share if lowest is None else min(lowest, share)
    if lowest is not None and lowest < DISK_FAIL:
        return Check(FAIL, _("Almost full: %(share).1f%% free — writes will fail") % {"share": lowest * 100}, details)
    if lowest is not None and lowest < DISK_WARN:
        return Check(WARN, _("%(share).0f%% free: make room or add space") % {"share": lowest * 100}, details)
    return Check(OK, _("%(share).0f%% free") % {"share": (1.0 if lowest is None else lowest) * 100}, details)


# ---------------------------------------------------------------------------- the background workers
@check("worker", gettext_lazy("Background worker"))
def worker() -> Check:
    from linli.core.models import WorkerBeat

    now = timezone.now()
    stale = datetime.timedelta(seconds=settings.LINLI_WORKER_STALE_SECONDS)
    beats = list(WorkerBeat.objects.filter(beat_at__gte=now - datetime.timedelta(days=1)).order_by("-beat_at")[:20])
    running = [b for b in beats if b.stopped_at is None and now - b.beat_at <= stale]
    died = [b for b in beats if b.stopped_at is None and now - b.beat_at > stale]
    details = []
    for b in beats:
        if b in running:
            state = _("running since %(t)s, last heard %(ago)s") % {"t": timezone.localtime(b.started_at).strftime("%Y-%m-%d %H:%M"), "ago": _age(b.beat_at, now)}
        elif b.stopped_at is not None:
            state = _("stopped %(ago)s") % {"ago": _age(b.stopped_at, now)}
        else:
            state = _("silent since %(ago)s (killed or hung)") % {"ago": _age(b.beat_at, now)}
        handled = ", ".join(f"{k} {v}" for k, v in sorted(b.handled.items())) or "-"
        state += " · " + _("handled: %(h)s") % {"h": handled}
        if b.failures:
            state += " · " + _("%(n)s failed sweeps, the last %(what)s %(ago)s") % {
                "n": b.failures, "what": b.last_failure, "ago": _age(b.last_failure_at, now) if b.last_failure_at else ""}
        details.append((b.name, state))
    if not running:
        last = _("last heard %(ago)s") % {"ago": _age(beats[0].beat_at, now)} if beats else _("none heard in the last day")
        return Check(FAIL, _("No worker runs (%(last)s): deadlines are not swept and no message is sent. "
                                     "Start `linli worker`.") % {"last": last}, details)
    failing = [b for b in running if b.last_failure_at and now - b.last_failure_at <= FAILURE_RECENT]
    if failing:
        return Check(WARN, _("%(n)s running; a sweep failed in the last hour: %(what)s (see the worker's log)")
                     % {"n": len(running), "what": failing[0].last_failure}, details)
    if died:
        return Check(WARN, _("%(n)s running; %(d)s fell silent without stopping in the last day")
                     % {"n": len(running), "d": len(died)}, details)
    return Check(OK, _("%(n)s running") % {"n": len(running)}, details)


# ---------------------------------------------------------------------------- the outbox
@check("outbox", gettext_lazy("Outgoing messages"))
def outbox() -> Check:
    from linli.core.models import OutboxMessage

    now = timezone.now()
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
    late = pending.filter(next_attempt_at__lt=now - OUTBOX_LATE)
    late_n = late.count()
    retrying = pending.filter(attempts__gt=0).count()
    given_up = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED, next_attempt_at__gte=now - RECENT).count()
    details = [(_("Waiting to be sent"), str(pending.count())), (_("Overdue by more than 5 minutes"), str(late_n)),
               (_("Being retried after a failure"), str(retrying)), (_("Given up in the last 7 days"), str(given_up))]
    if late_n:
        oldest = late.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
        details.append((_("Oldest overdue"), _("due %(ago)s") % {"ago": _age(oldest, now)}))
        return Check(WARN, _("%(n)s messages overdue: the worker is behind or a channel (e-mail, gateway) fails")
                     % {"n": late_n}, details)
    if given_up:
        return Check(WARN, _("%(n)s messages given up in the last 7 days (see the outbox in the admin)")
                     % {"n": given_up}, details)
    return Check(OK, _("Nothing overdue"), details)


# ---------------------------------------------------------------------------- background jobs
@check("jobs", gettext_lazy("Background jobs"))
def jobs() -> Check:
    from linli.core.models import Job

    now = timezone.now()
    waiting = Job.objects.filter(status=Job.Status.QUEUED, created_at__lt=now - JOB_WAITING).count()
    long_running = Job.objects.filter(status=Job.Status.RUNNING, started_at__lt=now - JOB_RUNNING).count()
    failed = Job.objects.filter(status=Job.Status.FAILED, created_at__gte=now - RECENT).count()
    details = [(_("Queued"), str(Job.objects.filter(status=Job.Status.QUEUED).count())),
               (_("Running"), str(Job.objects.filter(status=Job.Status.RUNNING).count())),
               (_("Failed in the last 7 days"), str(failed))]
    if waiting or long_running:
        return Check(WARN, _("%(w)s jobs waiting over 10 minutes, %(r)s running over an hour")
                     % {"w": waiting, "r": long_running}, details)
    return Check(OK, _("No job waiting or running too long"), details)


# ---------------------------------------------------------------------------- the read replica
@check("replica", gettext_lazy("Read replica"))
def replica_lag() -> Check:
    from linli.core import replica

    if not replica.configured():
        return Check(OK, _("None configured: every read goes to the primary"))
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        position = cursor.fetchone()[0]
    try:
        with connections[replica.ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                           "extract(epoch FROM now() - pg_last_xact_replay_timestamp())")
            in_recovery, replayed, replay_age = cursor.fetchone()
    except Exception as exc:
        return Check(FAIL, _("Unreachable (%(error)s): the cockpit, scorecards and reports read the primary")
                     % {"error": type(exc).__name__})
    if not in_recovery:
        return Check(FAIL, _("LINLI_REPLICA_URL names a database that is not a standby (not in recovery)"))
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)", [position, replayed or "0/0"])
        behind = int(cursor.fetchone()[0])
    details = [(_("Behind the primary at first look"), f"{behind} B")]
    if replay_age is not None:
        details.append((_("Last transaction replayed"), _("%(n)s s ago") % {"n": int(replay_age)}))
    started = time.perf_counter()
    caught = replica._wait_for(position)
    waited = (time.perf_counter() - started) * 1000
    details.append((_("Waited to be in step"), f"{waited:.0f} ms"))
    if not caught:
        return Check(WARN, _("More than %(ms)s ms behind: its readers read the primary until it catches up")
                     % {"ms": settings.LINLI_REPLICA_WAIT_MS}, details)
    if time.monotonic() < replica._down_until:
        return Check(WARN, _("Answers again; passed over after an error until %(s)s s from now")
                     % {"s": int(replica._down_until - time.monotonic())}, details)
    return Check(OK, _("In step with the primary (%(ms).0f ms to catch up)") % {"ms": waited}, details)
