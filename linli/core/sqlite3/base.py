"""Django's SQLite backend, with the writers of one process queued before they ask SQLite for the write lock.

SQLite has one writer at a time. A transaction that finds the lock taken waits in SQLite's busy handler, which
sleeps in growing steps (1, 2, 5, 10 … 100 ms) and retries: under eight server threads each short intake could
wait hundreds of milliseconds for a lock that was free again after two (issue 12: p99 of 0.7 s at 8 clients).
Here a transaction first takes a process-wide lock, so the threads of one server process wait in turn on a
Python lock that wakes the next one at once; SQLite's lock then only arbitrates between processes. The lock is
given back at commit, rollback or close, and waiting for it is bounded by the same busy time-out
(LINLI_DB_BUSY_TIMEOUT): past it the transaction fails with "database is locked", as SQLite's would.

Statements outside a transaction (autocommit) do not take it: they are single statements, short by nature.
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_writer = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False

    def _start_transaction_under_autocommit(self):
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not _writer.acquire(timeout=timeout):
            raise OperationalError("database is locked (another transaction of this process held the write lock)")
        self._holds_writer = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_back()
            raise

    def _give_back(self):
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._give_back()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_back()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._give_back()
