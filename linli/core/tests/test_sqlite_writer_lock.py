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
