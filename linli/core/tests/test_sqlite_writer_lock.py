"""Issue 12: on SQLite, a process's write transactions queue on a lock of their own (linli/core/sqlite3), taken at
BEGIN and given back at commit, rollback and close, so that threads wait in turn instead of sleeping in SQLite's
busy handler."""

import contextlib
import threading

import pytest
from django.db import connection, transaction

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def _lock():
    from linli.core.sqlite3 import base

    return base._writer


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_held_for_a_transaction_and_given_back_on_commit_and_rollback():
    from linli.core.sqlite3.base import DatabaseWrapper

    from django.db import connections

    assert isinstance(connections["default"], DatabaseWrapper)
    lock = _lock()
    assert not lock.locked()
    with transaction.atomic():
        assert lock.locked()
        with transaction.atomic():  # a savepoint takes nothing more
            assert lock.locked()
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            raise RuntimeError("roll back")
    assert not lock.locked()


@pytest.mark.django_db(transaction=True)
def test_a_second_thread_waits_for_the_first_and_then_writes():
    from linli.cases.models import Category

    order = []

    def second():
        from django.db import connection as own

        try:
            with transaction.atomic():
                order.append("second began")
                Category.objects.create(code="t.second", name="二")
        finally:
            own.close()

    with transaction.atomic():
        Category.objects.create(code="t.first", name="一")
        t = threading.Thread(target=second)
        t.start()
        t.join(timeout=0.5)  # it cannot begin while this transaction holds the lock
        assert t.is_alive() and order == []
        order.append("first committing")
    t.join(timeout=30)
    assert order == ["first committing", "second began"]
    assert set(Category.objects.filter(code__startswith="t.").values_list("code", flat=True)) == {"t.first", "t.second"}


@pytest.mark.django_db(transaction=True)
def test_the_wal_is_checkpointed_by_the_process_thread_not_by_a_commit():
    """Commits do not checkpoint (SQLite's own threshold is set far away); every CHECKPOINT_EVERY-th write commit
    wakes this process's checkpointer, whose PASSIVE checkpoint copies the WAL back into the database file."""
    import os
    import time

    from linli.core.sqlite3 import base
    from linli.people.models import Organization

    connection.ensure_connection()
    assert connection.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == base.AUTOCHECKPOINT_PAGES
    path = connection._wal_file
    assert path and os.path.exists(path)
    ckpt = base.checkpointer(path)
    assert ckpt.thread.is_alive() and ckpt.pid == os.getpid()

    def runs_past(n):
        deadline = time.monotonic() + 10
        while ckpt.runs <= n and time.monotonic() < deadline:
            time.sleep(0.02)
        return ckpt.runs > n

    before = ckpt.runs
    for i in range(4 * base.CHECKPOINT_EVERY):
        with transaction.atomic():
            Organization.objects.create(name=f"检查点{i}", kind="social")
    assert runs_past(before)  # the commits woke it, nobody else did
    # a further wake-up copies everything: a PASSIVE checkpoint then finds every WAL frame already copied
    seen = ckpt.runs
    ckpt.wake.set()
    assert runs_past(seen)
    busy, frames, copied = connection.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and frames > 0 and frames == copied


def _hold_write_lock(path: str, seconds: float, started: threading.Event):
    """Another process's writer, as SQLite sees it: a connection of its own (not this backend's) holding the lock."""
    import sqlite3
    import time

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


@contextlib.contextmanager
def _another_process_writing(seconds: float, timeout: float | None = None):
    """While a connection of its own holds the write lock for `seconds` (from entry); with `timeout`, this backend
    waits at most that long meanwhile. On exit the holder has committed and the usual time-out is back."""
    connection.ensure_connection()
    options = connection.settings_dict["OPTIONS"]
    saved = options["timeout"]
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(connection._wal_file, seconds, started))
    holder.start()
    started.wait(5)
    try:
        if timeout is not None:
            options["timeout"] = timeout
        yield
    finally:
        options["timeout"] = saved
        holder.join()


@pytest.mark.django_db(transaction=True)
def test_a_begin_waiting_for_another_writer_retries_briefly_instead_of_sleeping_in_the_busy_handler():
    """SQLite's busy handler sleeps 1, 2, 5 … 100 ms between tries (about 14 tries in 0.5 s); a BEGIN here retries
    every 0.2–2 ms, so it starts soon after the other writer commits. SQLite's own busy time-out stays 0."""
    from linli.cases.models import Category

    with _another_process_writing(0.5):
        with transaction.atomic():
            Category.objects.create(code="t.after", name="后")
    assert connection.begin_attempts > 40
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    assert Category.objects.filter(code="t.after").exists()


@pytest.mark.django_db(transaction=True)
def test_a_begin_gives_up_at_the_busy_timeout_and_leaves_nothing_held():
    from django.db import OperationalError

    from linli.cases.models import Category

    with _another_process_writing(1.5, timeout=0.3):
        with pytest.raises(OperationalError, match="locked"):
            with transaction.atomic():
                Category.objects.create(code="t.never", name="无")
    assert not _lock().locked()
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    with transaction.atomic():
        Category.objects.create(code="t.later", name="后")
    assert not Category.objects.filter(code="t.never").exists() and Category.objects.filter(code="t.later").exists()


@pytest.mark.django_db(transaction=True)
def test_an_autocommit_write_waits_for_another_writer_in_python_and_gives_up_at_the_deadline():
    """Outside a transaction (a token's last-used time, a single save) a write refused with SQLITE_BUSY is tried
    again at short intervals, not slept out in SQLite's busy handler; past the deadline it fails as SQLite would."""
    from django.db import OperationalError

    from linli.cases.models import Category

    Category.objects.create(code="t.auto", name="自")
    connection.ensure_connection()
    assert connection.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    with _another_process_writing(0.4):
        assert Category.objects.filter(code="t.auto").update(name="等到了") == 1  # waited for the holder's commit
    assert Category.objects.get(code="t.auto").name == "等到了"
    with _another_process_writing(1.5, timeout=0.2):
        with pytest.raises(OperationalError, match="locked"):
            Category.objects.filter(code="t.auto").update(name="等不到")
    assert Category.objects.get(code="t.auto").name == "等到了"
    with transaction.atomic():  # and a failed statement inside a transaction is reported, not waited out
        Category.objects.filter(code="t.auto").update(name="事务内")
    assert Category.objects.get(code="t.auto").name == "事务内"


@pytest.mark.django_db(transaction=True)
def test_a_collection_in_the_writing_thread_does_not_freeze_the_process():
    """The freeze seen under load (issue 12): thread A holds the write lock; thread B's autocommit UPDATE waits for
    it; A's garbage collection frees a cursor of B's connection, and resetting its statement needs that connection's
    mutex. Had B been waiting inside SQLite's busy handler (holding the mutex), A would have waited for B while B
    waited for A, until B's busy time-out: B's UPDATE would fail. B waits in Python instead, so A goes on, commits,
    and B's UPDATE goes through."""
    import gc
    import sqlite3
    import time

    from linli.cases.models import Category

    class Cursor(sqlite3.Cursor):
        pass

    Category.objects.create(code="t.gc", name="前")
    options = connection.settings_dict["OPTIONS"]
    saved = options["timeout"]
    options["timeout"] = 3
    ready, outcome = threading.Event(), {}

    def b():
        from django.db import connection as own

        try:
            own.ensure_connection()
            raw = own.connection
            usual = raw.execute("PRAGMA busy_timeout").fetchone()[0]
            raw.execute("PRAGMA busy_timeout = 0")
            garbage = raw.cursor(factory=Cursor)
            try:  # refused while A holds the lock: the cursor keeps its statement, to be reset when it is freed
                garbage.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                pass
            garbage.me = garbage  # a cycle: only a collection frees it, in whichever thread runs one
            del garbage
            raw.execute(f"PRAGMA busy_timeout = {usual}")
            ready.set()
            outcome["rows"] = Category.objects.filter(code="t.gc").update(name="后")
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
            outcome["error"] = repr(exc)
        finally:
            ready.set()
            own.close()

    try:
        with transaction.atomic():
            Category.objects.filter(code="t.gc").update(name="中")
            t = threading.Thread(target=b)
            t.start()
            ready.wait(10)
            time.sleep(0.3)  # let B's UPDATE start waiting for this transaction
            gc.collect()  # frees B's cursor here, while this thread holds the write lock
        t.join(30)
    finally:
        options["timeout"] = saved
    assert outcome == {"rows": 1}
    assert Category.objects.get(code="t.gc").name == "后"


@pytest.mark.django_db
def test_placeholders_are_converted_once_per_statement_and_the_same_as_djangos():
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from linli.core.sqlite3 import base as backend

    statement = "SELECT %s, '100%%' WHERE 1 = %s -- converted-once test"
    backend._qmark.pop(statement, None)
    with connection.cursor() as cur:
        assert cur.execute(statement, [1, 1]).fetchall() == [(1, "100%")]
        assert backend._qmark[statement] == SQLiteCursorWrapper.convert_query(None, statement) == \
            "SELECT ?, '100%' WHERE 1 = ? -- converted-once test"
        long = "SELECT %s" + " " * backend.QMARK_LONGEST
        assert cur.execute(long, [2]).fetchall() == [(2,)]
        assert long not in backend._qmark  # too long to keep
        named = "SELECT %(a)s, %(b)s"
        assert cur.execute(named, {"a": 1, "b": 2}).fetchall() == [(1, 2)]
        assert named not in backend._qmark  # pyformat: Django's own conversion, not kept
    assert len(backend._qmark) <= backend.QMARK_KEPT
