"""linli.testing.pg: the throwaway cluster behind `linli test --postgres` and the PostgreSQL benches."""

import pytest

from linli.testing.pg import TemporaryPostgres, find_bin_dir


def test_a_throwaway_cluster_starts_with_extra_settings_and_is_gone_after():
    if find_bin_dir() is None:
        pytest.skip("no PostgreSQL installed here (`linli test --postgres` installs it when run as root)")
    import os

    import psycopg

    with TemporaryPostgres(database="probe", settings={"work_mem": "7MB", "pg_stat_statements.track": "all"}) as pg:
        with psycopg.connect(pg.url) as conn:
            assert conn.execute("SHOW work_mem").fetchone()[0] == "7MB"
            assert conn.execute("SELECT current_setting('fsync')").fetchone()[0] == "off"  # the defaults stay
            assert conn.execute("SELECT current_database()").fetchone()[0] == "probe"
        directory = pg.directory
    assert not os.path.exists(directory)
