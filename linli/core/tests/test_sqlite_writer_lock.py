"""Issue 12: on SQLite, a process's write transactions queue on a lock of their own (linli/core/sqlite3), taken at
BEGIN and given back at commit, rollback and close, so that threads wait in turn instead of sleeping in SQLite's
busy handler."""

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
