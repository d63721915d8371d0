"""Django's SQLite backend, with the writers of one process queued before they ask SQLite for the write lock.

SQLite has one writer at a time. A transaction that finds the lock taken waits in SQLite's busy handler, which
sleeps in growing steps (1, 2, 5, 10 … 100 ms) and retries: under eight server threads each short intake could
wait hundreds of milliseconds for a lock that was free again after two (issue 12: p99 of 0.7 s at 8 clients).
Here a transaction first takes a process-wide lock, so the threads of one server process wait in turn on a
Python lock that wakes the next one at once; SQLite's lock then only arbitrates between processes. The lock is
given back at commit, rollback or close, and waiting for it is bounded by the same busy time-out
(LINLI_DB_BUSY_TIMEOUT): past it the transaction fails with "database is locked", as SQLite's would.

Statements outside a transaction (autocommit) do not take it: they are single statements, short by nature.

Between processes, a BEGIN that finds the write lock held by another process is retried every 0.2–2 ms (the
connection's busy time-out set to 0 for the BEGIN alone) until the same deadline, instead of sleeping in SQLite's
busy handler, whose steps grow to 100 ms: two server processes each writing 1–2 ms transactions otherwise left a
core idle while one slept past the other's commit.

The WAL is checkpointed (its pages copied back into the database file, with an fsync) by a thread of the process,
not by whichever commit crossed SQLite's threshold: that commit would hold the write lock, and this process's
queue, for the checkpoint's milliseconds (an intake's commit: 0.2 ms, and 5–7 ms every 30th). Every CHECKPOINT_EVERY
write commits the thread runs a PASSIVE checkpoint on its own connection, which neither waits for nor blocks
writers and readers. SQLite's own automatic checkpoint stays on at AUTOCHECKPOINT_PAGES as a backstop.

No thread ever waits inside SQLite. The connection's busy time-out is 0, and a statement that finds the lock taken
outside a transaction (an autocommit write, or a read during a WAL recovery) is retried in Python at the same short
intervals until the deadline. Waiting inside SQLite's busy handler keeps the connection's mutex held, and a garbage
collection in another thread of the process that frees a cursor of that connection waits for that mutex while it holds
the GIL: if that thread held the write lock, the process froze until the busy time-out (seen under load: a token's
`last_used_at` UPDATE waiting in the busy handler, the intake holding the lock, 30 s, then errors). The BEGIN runs on a
cursor closed at once, so a failed try leaves no cursor behind for a collection in another thread to reset.
"""

import os
import sqlite3
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

SQLITE_BUSY = 5

_writer = threading.Lock()

CHECKPOINT_EVERY = 16  # write commits of this process between two background checkpoints
AUTOCHECKPOINT_PAGES = 4000  # SQLite's own checkpoint (16 MiB of 4 KiB pages) if the thread falls behind


class Checkpointer:
    """A daemon thread that checkpoints one database file's WAL when asked; one per process and file."""

    def __init__(self, path: str):
        self.path, self.pid, self.runs = path, os.getpid(), 0
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="linli-wal-checkpoint", daemon=True)
        self.thread.start()

    def _loop(self):
        conn = None
        while True:
            self.wake.wait()
            self.wake.clear()
            try:
                if conn is None:
                    conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.runs += 1
            except sqlite3.Error:  # the file went away (a test database) or a checkpoint is already running
                if conn is not None:
                    conn.close()
                conn = None


_checkpointers: dict = {}
_checkpointers_lock = threading.Lock()
_commits = 0


def busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY and its extended codes)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == SQLITE_BUSY


def tries(deadline: float):
    """Yields at once, then after sleeps of 0.2 ms growing to 2 ms, until the next sleep would pass the deadline."""
    yield
    pause = 0.0002
    while time.monotonic() + pause <= deadline:
        time.sleep(pause)
        yield
        pause = min(pause * 1.5, 0.002)


_qmark: dict = {}  # a statement as Django writes it → as SQLite takes it (WaitingCursor.convert_query)
QMARK_KEPT, QMARK_LONGEST = 2048, 4000


class WaitingCursor(base.SQLiteCursorWrapper):
    """Django's SQLite cursor; outside a transaction a statement refused with SQLITE_BUSY is tried again until the
    connection's deadline (a refused statement did nothing, so trying it again is safe). Inside a transaction this
    backend already holds the write lock, so a refusal there is an error to report, not to wait out."""

    wait_s = 5.0

    def execute(self, query, params=None):
        return self._run(super().execute, query, params)

    def convert_query(self, query, *, param_names=None):
        """Django's %s placeholders as SQLite's ?, by a regular expression on every statement: kept per statement text
        (the same few hundred statements come again and again), at most QMARK_KEPT of them, none longer than
        QMARK_LONGEST characters (an IN list of a thousand values is not worth keeping)."""
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        found = _qmark.get(query)
        if found is None:
            found = super().convert_query(query)
            if len(query) <= QMARK_LONGEST and len(_qmark) < QMARK_KEPT:
                _qmark[query] = found
        return found

    def executemany(self, query, param_list):
        return self._run(super().executemany, query, list(param_list))  # a list: a second try needs it again

    def _run(self, call, query, params):
        last = None
        for _ in tries(time.monotonic() + self.wait_s):
            try:
                return call(query, params)
            except sqlite3.OperationalError as exc:
                if not busy(exc) or self.connection.in_transaction:
                    raise
                last = str(exc)
        raise sqlite3.OperationalError(last or "database is locked")


def checkpointer(path: str) -> Checkpointer:
    """This process's checkpointer for the file (a new one after a fork: threads do not survive it)."""
    found = _checkpointers.get(path)
    if found is None or found.pid != os.getpid():
        with _checkpointers_lock:
            found = _checkpointers.get(path)
            if found is None or found.pid != os.getpid():
                found = _checkpointers[path] = Checkpointer(path)
    return found


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False
    _wal_file = None  # the database file when its journal is a WAL (not for memory databases)

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)  # opened with the busy time-out, for its PRAGMAs
        conn.execute("PRAGMA busy_timeout = 0")  # from now on every wait is this module's, in Python
        self._wal_file = None
        if not self.is_in_memory_db() and conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            self._wal_file = os.path.abspath(str(self.settings_dict["NAME"]))
        return conn

    begin_attempts = 0  # BEGINs tried for the last transaction (1 when the lock was free)

    def wait_s(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=WaitingCursor)
        cursor.wait_s = self.wait_s()
        return cursor

    def _start_transaction_under_autocommit(self):
        timeout = self.wait_s()
        deadline = time.monotonic() + timeout
        if not _writer.acquire(timeout=timeout):
            raise OperationalError("database is locked (another transaction of this process held the write lock)")
        self._holds_writer = True
        try:
            self._begin_before(deadline, timeout)
        except BaseException:
            self._give_back()
            raise

    def _begin_before(self, deadline: float, timeout: float) -> None:
        """BEGIN, retried at short intervals while another process holds SQLite's write lock, until the deadline."""
        statement = f"BEGIN {self.transaction_mode}" if self.transaction_mode else "BEGIN"
        cursor = self.connection.cursor()  # a plain one, closed below whatever happens
        try:
            for self.begin_attempts, _ in enumerate(tries(deadline), 1):
                try:
                    cursor.execute(statement)
                    return
                except sqlite3.OperationalError as exc:
                    if not busy(exc):
                        raise OperationalError(str(exc)) from None
            raise OperationalError(f"database is locked (another process held the write lock for {timeout:g} s)")
        finally:
            cursor.close()

    def _give_back(self):
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()

    def _commit(self):
        wrote = self._holds_writer
        try:
            return super()._commit()
        finally:
            self._give_back()
            if wrote and self._wal_file:
                global _commits
                _commits += 1  # a lost increment under threads only moves a checkpoint by one commit
                if _commits % CHECKPOINT_EVERY == 0:
                    checkpointer(self._wal_file).wake.set()

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
