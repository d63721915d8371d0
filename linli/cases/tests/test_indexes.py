"""The indexes of the tables every intake writes (cases.0006, core.0006): columns most intakes leave empty are indexed
where set only, redundant one-column indexes are gone, and every look-up still finds an index — on SQLite and
PostgreSQL alike (docs/benchmarks.md, bench:intake-sql)."""

import importlib

import pytest
from django.db import connection, transaction
from django.utils import timezone

from linli.cases.models import PARTIAL_INDEXED, Case, CaseEvent
from linli.core.models import OutboxMessage

pytestmark = pytest.mark.django_db
migration = importlib.import_module("linli.cases.migrations.0006_partial_indexes")


def _indexes(model) -> dict:
    with connection.cursor() as cursor:
        return {name: info for name, info in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
                if info["index"] or info["unique"] or info["primary_key"]}


@pytest.mark.parametrize("model", [Case, CaseEvent, OutboxMessage])
def test_every_foreign_key_of_the_intake_tables_leads_an_index(model):
    """A look-up by a foreign key, and the database's own check when the row it points to is deleted, never scans
    the table: each key column is the first column of some index (a partial one, a composite one or its own)."""
    leading = {info["columns"][0] for info in _indexes(model).values() if info["columns"]}
    keys = [f.column for f in model._meta.concrete_fields if f.is_relation]
    assert keys and not [column for column in keys if column not in leading]


def test_the_plain_indexes_the_migration_replaced_are_gone():
    """No plain one-column index is left on a column that is now indexed where set, or led by a composite index
    (PostgreSQL's "_like" twin of a text column's index included); the partial indexes are there."""
    for model in (Case, CaseEvent):
        indexes = _indexes(model)
        left = [name for name, info in indexes.items() if not info["unique"] and not info["primary_key"]
                and len(info["columns"]) == 1 and info["columns"][0] in migration.PLAIN[model._meta.db_table]
                and not name.endswith("_set")]
        assert left == [], left
    names = set(_indexes(Case)) | set(_indexes(CaseEvent))
    assert {f"case_{name}_set" for name in PARTIAL_INDEXED} | {"caseevent_actor_set", "caseevent_assignee_org_set"} <= names
    assert not [name for name, info in _indexes(OutboxMessage).items() if info["columns"] == ["next_attempt_at"]]


def _plan(queryset) -> str:
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a test table is tiny: without this PostgreSQL reads it whole
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.mark.parametrize("name", PARTIAL_INDEXED)
def test_a_look_up_by_value_uses_the_partial_index(name):
    """`col = x` implies `col IS NOT NULL`, so the database uses the index of the rows where the column is set."""
    if name == "rating_due":
        plan = _plan(Case.objects.filter(rating_due__lte=timezone.now()).order_by("rating_due").values("pk"))
    else:
        plan = _plan(Case.objects.filter(**{Case._meta.get_field(name).attname: 1}).values("pk"))
    assert f"case_{name}_set" in plan


def test_the_verdict_sweep_reads_no_whole_table():
    """sweeps.close_unrated_cases: resolved cases past their rating deadline, by an index (state's or rating_due's)."""
    plan = _plan(Case.objects.filter(state=Case.State.RESOLVED, rating_due__lte=timezone.now()).order_by("rating_due", "pk")
                 .values("pk"))
    assert "index" in plan.lower() and "SCAN cases_case" not in plan and "Seq Scan" not in plan  # SQLite, PostgreSQL


def test_look_ups_by_case_and_by_community_use_the_composite_indexes():
    assert "caseevent_case_action" in _plan(CaseEvent.objects.filter(case_id=1).values("pk"))
    assert "case_community_state" in _plan(Case.objects.filter(community_id=1).values("pk"))
    assert "caseevent_actor_set" in _plan(CaseEvent.objects.filter(actor_id=1).values("pk"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: its LIKE index of text columns")
def test_the_migration_goes_back_and_forth_with_postgresqls_like_index(tmp_path):
    """cases.0006 reversed recreates every plain index it dropped, PostgreSQL's varchar_pattern_ops twin of
    reporter_phone_hash included, and applied again drops them: on a database of its own, through `linli migrate`."""
    import os
    import subprocess
    import sys

    import psycopg

    s = connection.settings_dict
    server = dict(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s.get("PASSWORD") or None)
    name = f"linli_roundtrip_{os.getpid()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    env = dict(os.environ, LINLI_DATABASE_URL=f"postgres://{auth}@{server['host']}:{server['port']}/{name}",
               LINLI_VAR_DIR=str(tmp_path), LINLI_LOG_LEVEL="WARNING")

    def migrate(*target):
        out = subprocess.run([sys.executable, "-m", "linli", "migrate", *target, "-v", "0"], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-3000:]

    def plain_indexes():
        with psycopg.connect(dbname=name, **server) as conn:
            rows = conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename IN ('cases_case', 'cases_caseevent') "
                                "AND indexdef NOT LIKE '%%WHERE%%'").fetchall()
        return [d for (d,) in rows]

    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate()
        assert not [d for d in plain_indexes() if "reporter_phone_hash" in d]
        migrate("cases", "0005")
        back = plain_indexes()
        assert [d for d in back if "(reporter_phone_hash)" in d]
        assert [d for d in back if "reporter_phone_hash varchar_pattern_ops" in d]
        for table, columns in migration.PLAIN.items():
            for column in columns:
                assert [d for d in back if f" ON public.{table} USING btree ({column}" in d], (table, column)
        migrate("cases")
        assert not [d for d in plain_indexes() if "reporter_phone_hash" in d]
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
