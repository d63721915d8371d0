"""Database connections are kept between requests (SQLite and PostgreSQL), and a kept SQLite
connection still has its PRAGMAs: WAL, a 30 s busy timeout, foreign keys on."""

import pytest
from django.conf import settings
from django.db import close_old_connections, connection


def test_connections_are_kept_with_health_checks():
    db = settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_connection_outlives_a_request_and_keeps_its_pragmas():
    connection.ensure_connection()
    before = connection.connection
    # what Django runs at the start and the end of every request
    close_old_connections()
    close_old_connections()
    connection.ensure_connection()
    assert connection.connection is before
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            assert cur.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            # the 30 s wait for the write lock is the backend's, in Python (linli/core/sqlite3): SQLite's own is 0
            assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == 0
            assert cur.cursor.wait_s == 30.0
            assert cur.execute("PRAGMA foreign_keys").fetchone()[0] == 1
