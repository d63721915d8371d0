"""The suite runs on the database it was asked to run on.

`linli test --postgres` sets LINLI_EXPECT_DB_VENDOR=postgresql; if the throwaway cluster's URL were
lost on the way (settings falling back to the SQLite default), every race test would quietly run on
SQLite only. This test makes that a failure.
"""

import os

import pytest
from django.db import connection


def test_the_suite_runs_on_the_database_asked_for():
    expected = os.environ.get("LINLI_EXPECT_DB_VENDOR")
    if expected is None:
        url = os.environ.get("LINLI_DATABASE_URL", "")
        expected = "postgresql" if url.startswith(("postgres", "pgsql")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_postgresql_runs_read_committed_like_production():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (the --postgres run)")
    with connection.cursor() as cur:
        cur.execute("SHOW transaction_isolation")
        assert cur.fetchone()[0] == "read committed"
        cur.execute("SHOW server_version_num")
        assert int(cur.fetchone()[0]) >= 150000
