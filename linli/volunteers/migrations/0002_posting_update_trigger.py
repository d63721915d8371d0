"""Postings are immutable in the database too: a trigger refuses any UPDATE of a posting row, whatever code runs it.

(DELETE is left to the ORM guards and PROTECT foreign keys, so that test databases can still be flushed.)"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER volunteers_posting_immutable BEFORE UPDATE ON volunteers_posting
BEGIN SELECT RAISE(ABORT, 'postings are immutable; post a correction instead'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS volunteers_posting_immutable;"

PG_UP = """
CREATE OR REPLACE FUNCTION volunteers_posting_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'postings are immutable; post a correction instead'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_posting_immutable BEFORE UPDATE ON volunteers_posting
FOR EACH ROW EXECUTE FUNCTION volunteers_posting_immutable();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS volunteers_posting_immutable ON volunteers_posting;
DROP FUNCTION IF EXISTS volunteers_posting_immutable();
"""


def up(apps, schema_editor):
    sql = {"sqlite": SQLITE_UP, "postgresql": PG_UP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    sql = {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
