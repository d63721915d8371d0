"""Reads from a read replica (LINLI_REPLICA_URL: a PostgreSQL hot standby), for the pages that read much and write
nothing of their own: the cockpit, the scorecards and the reports. Everything else reads and writes the primary.

    with replica.reads():          # or @replica.reading on a view
        figures = cockpit(...)

On entering, the block notes how far the primary has flushed its WAL (pg_current_wal_flush_lsn) and waits, up to
LINLI_REPLICA_WAIT_MS, for the standby to have replayed that far: with commits flushed (synchronous_commit on, the
default) what any request had committed before this one began is on the standby too, so a figure never lags behind
a case the reader has just seen closed. A standby further behind, or one that cannot be reached, is passed over:
the block reads the primary (and a standby that failed is not tried again for DOWN_SECONDS, so no request waits on
its connection time-out). A block inside a transaction reads the primary (the transaction's own writes are not on
the standby), and so does a block where no replica is configured (SQLite, or PostgreSQL alone).

Writes inside a block go to the primary (Router.db_for_write); a block that must read its own writes afterwards
(the case-figures rollup brought up to date before a page sums it) calls `caught_up()` after writing, and the code
that computes what to write reads the primary inside `primary()`."""

import contextvars
import logging
import time
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import connections

ALIAS = "replica"
DOWN_SECONDS = 30.0
POLL_SECONDS = (0.002, 0.05)  # first and longest pause between two looks at the standby's replay position

log = logging.getLogger(__name__)
_reading: contextvars.ContextVar = contextvars.ContextVar("linli_replica_reading", default=None)
_down_until = 0.0


def configured() -> bool:
    return ALIAS in settings.DATABASES


class Router:
    """Reads go to the replica inside a reads() block that chose it; writes, migrations and everything else to the
    primary. Rows read from either may be related to each other (they are the same rows)."""

    def db_for_read(self, model, **hints):
        return _reading.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {"default", ALIAS, None}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == ALIAS else None


def _primary_position() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        return cursor.fetchone()[0]


def _replayed(position: str) -> bool:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [position])
        return bool(cursor.fetchone()[0])


def _wait_for(position: str) -> bool:
    deadline = time.monotonic() + settings.LINLI_REPLICA_WAIT_MS / 1000
    pause = POLL_SECONDS[0]
    while True:
        if _replayed(position):
            return True
        if time.monotonic() + pause > deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, POLL_SECONDS[1])


def _choose() -> str | None:
    """ALIAS when the standby has replayed what the primary has committed; None (the primary) otherwise."""
    global _down_until
    if not configured() or connections["default"].in_atomic_block or time.monotonic() < _down_until:
        return None
    try:
        if _wait_for(_primary_position()):
            return ALIAS
        log.warning("read replica more than %s ms behind the primary: reading the primary", settings.LINLI_REPLICA_WAIT_MS)
        return None
    except AssertionError:  # a test that did not ask for the replica may not touch it: the primary
        return None
    except Exception as exc:  # unreachable, or in trouble: the primary, and the standby left alone for a while
        _down_until = time.monotonic() + DOWN_SECONDS
        log.warning("read replica unusable (%s: %s): reading the primary for %d s", type(exc).__name__, exc, DOWN_SECONDS)
        try:
            connections[ALIAS].close()
        except Exception:  # noqa: S110 — closing a broken connection may fail too; the next use reconnects
            pass
        return None


@contextmanager
def reads():
    """Reads in the block from the replica, in step with the primary as of the block's start (see the module)."""
    alias = _choose()
    token = _reading.set(alias)
    try:
        yield alias or "default"
    finally:
        _reading.reset(token)


@contextmanager
def primary():
    """Reads in the block from the primary, inside a reads() block too: for computing what to write."""
    token = _reading.set(None)
    try:
        yield
    finally:
        _reading.reset(token)


def caught_up() -> None:
    """After writing inside a reads() block: wait for the standby to have the writes, or read the primary from here on."""
    if _reading.get() is None:
        return
    try:
        ok = _wait_for(_primary_position())
    except Exception:  # the standby failed meanwhile: the primary
        ok = False
    if not ok:
        _reading.set(None)


def reading(view):
    """A view (page or API handler) whose reads go to the replica."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with reads():
            return view(*args, **kwargs)
    return wrapper

