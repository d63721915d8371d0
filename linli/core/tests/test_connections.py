"""Database connections are kept between requests (SQLite and PostgreSQL), and a kept SQLite
connection still has its PRAGMAs: WAL, a 30 s wait for the write lock, foreign keys on. On PostgreSQL parameters are
bound on the server, so a statement used again is prepared once per connection."""

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


@pytest.mark.django_db(transaction=True)
def test_postgresql_binds_on_the_server_and_prepares_a_statement_used_again():
    """Client-side binding (Django's default with psycopg 3) sends every statement as new text for PostgreSQL to
    parse and plan; with server_side_binding psycopg prepares a statement after its prepare_threshold-th use."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    import psycopg

    from linli.cases.models import Category

    assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is True
    with connection.cursor() as cur:
        assert not isinstance(cur.cursor, psycopg.ClientCursor)
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        before = cur.fetchone()[0]
    threshold = connection.connection.prepare_threshold
    assert threshold is not None
    for i in range(threshold + 2):
        list(Category.objects.filter(code=f"none-{i}").values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%cases_category%"])
        assert cur.fetchone()[0] >= 1
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cur.fetchone()[0] > before
