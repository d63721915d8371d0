"""`linli backup` / `linli restore` (issue 13, point 9): a round trip gives back every table, row for row,
on the suite's database (SQLite, or PostgreSQL in the --postgres run)."""

import hashlib
import os
import stat
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from linli.core import backup
from linli.people.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every table: its row count and a hash of every row's values (rows sorted, so order does not matter)."""
    out = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
            out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def test_backup_then_restore_gives_back_every_table(world, tmp_path):
    before = fingerprint()
    assert before["people_person"][0] > 0 and before["places_venue"][0] > 0
    archive = tmp_path / "linli.tar.gz"
    call_command("backup", str(archive))
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "linli.key"} <= names
    assert ("database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump") in names

    # damage: rows deleted, changed and added after the backup
    Person.objects.filter(pk=world.persons["a1"].pk).update(name="改过的名字")
    Person.objects.filter(pk=world.persons["a3"].pk).delete()
    call_command("backup", str(tmp_path / "other.tar.gz"))  # a second backup must not disturb the first
    assert fingerprint() != before

    call_command("restore", str(archive), "--yes")
    after = fingerprint()
    assert after.keys() == before.keys()
    assert [t for t in before if before[t] != after[t]] == []
    assert Person.objects.get(pk=world.persons["a1"].pk).id_number == world.persons["a1"].id_number  # the key opens them


def test_restore_refuses_an_archive_whose_key_is_not_the_one_in_use(world, tmp_path, settings):
    archive = tmp_path / "linli.tar.gz"
    backup.backup(archive)
    settings.LINLI_ENCRYPTION_KEY = "zmE6h7mTt3C9e0qJx0l7R3m0o1e3c9XwS6y0k4e8Q1A="
    people = Person.objects.count()
    with pytest.raises(CommandError, match="differs from LINLI_ENCRYPTION_KEY"):
        call_command("restore", str(archive), "--yes")
    assert Person.objects.count() == people  # nothing touched


def test_a_backup_without_the_key_says_so(world, tmp_path):
    archive = tmp_path / "nokey.tar.gz"
    call_command("backup", str(archive), "--without-key")
    assert "linli.key" not in tarfile.open(archive).getnames()
    assert backup.read_manifest(archive)["with_key"] is False
    notes = backup.restore(archive)
    assert any("holds no key" in n for n in notes) and any("opens the restored data" in n for n in notes)
