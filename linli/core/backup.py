"""Backup and restore of linli's data: the database and the encryption key, in one archive.

The archive is a gzip'd tar, created 0600, holding
  manifest.json      format, database vendor, time, linli version, whether the key is inside
  database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API while linli runs
  database.pgdump    PostgreSQL: pg_dump --format=custom (restored with pg_restore)
  linli.key          the Fernet key of the personal-data fields (left out with --without-key)

The key is inside by default: ID numbers and phones are encrypted with it, and a database restored
without its key has lost them for good. An archive with the key is as sensitive as the database and
the key together; keep it like the key (docs/security.md). With --without-key the key must be kept
apart, and restore checks that the key in place opens the restored data before it says it is done.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import crypto
from .fields import EncryptedTextField

FORMAT = "linli-backup/1"
DB_SQLITE = "database.sqlite3"
DB_PG = "database.pgdump"
KEY = "linli.key"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def default_path() -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"linli-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def _db(alias: str = "default") -> dict:
    return settings.DATABASES[alias]


def _vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    with open(path, "rb") as fh:
        tar.addfile(info, fh)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup(path: Path | str | None = None, *, with_key: bool = True, alias: str = "default") -> Path:
    """Write a backup archive (0600) and return its path."""
    path = Path(path) if path else default_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    vendor = _vendor(alias)
    db = _db(alias)
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as tmp:
        tmp = Path(tmp)
        if vendor == "sqlite":
            dump, name = tmp / DB_SQLITE, DB_SQLITE
            src = sqlite3.connect(str(db["NAME"]), timeout=30)
            dst = sqlite3.connect(str(dump))
            try:
                with dst:
                    src.backup(dst)  # a consistent snapshot, page by page, while others keep writing
            finally:
                dst.close()
                src.close()
        elif vendor == "postgresql":
            dump, name = tmp / DB_PG, DB_PG
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(dump), "--dbname", db["NAME"]], _pg_env(db))
        else:
            raise BackupError(f"no backup for database vendor {vendor!r}")
        manifest = {"format": FORMAT, "vendor": vendor, "created": timezone.now().isoformat(), "with_key": with_key,
                    "database": name}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(path, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            _add_file(tar, name, dump)
            if with_key:
                _add_bytes(tar, KEY, crypto.master_key() + b"\n")
    return path


def read_manifest(path: Path | str) -> dict:
    with tarfile.open(path, "r:gz") as tar:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a linli backup (format {manifest.get('format')!r})")
    return manifest


def _extract(tar: tarfile.TarFile, name: str, dest: Path) -> Path:
    member = tar.getmember(name)
    if not member.isfile():
        raise BackupError(f"{name}: not a plain file in the archive")
    out = dest / name
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        shutil.copyfileobj(tar.extractfile(member), fh)
    return out


def _install_key(archive_key: bytes | None, replace_key: bool) -> str:
    """Make the archive's key the one in use, or check that the one in use is the same. Returns a note."""
    if archive_key is None:
        return "archive holds no key: the key in place is kept"
    if settings.LINLI_ENCRYPTION_KEY:
        if settings.LINLI_ENCRYPTION_KEY.encode() != archive_key:
            raise BackupError("the archive's key differs from LINLI_ENCRYPTION_KEY: set LINLI_ENCRYPTION_KEY to the archive's key first")
        return "key: same as LINLI_ENCRYPTION_KEY"
    key_file = Path(settings.LINLI_KEY_FILE)
    if key_file.exists():
        if key_file.read_bytes().strip() == archive_key:
            return "key: same as the key file"
        if not replace_key:
            raise BackupError(f"the archive's key differs from {key_file}: pass --replace-key to install the archive's key "
                              "(the current key file is kept beside it as .replaced)")
        key_file.replace(key_file.with_name(key_file.name + f".replaced-{timezone.now():%Y%m%d%H%M%S}"))
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(archive_key)
    crypto.reset_caches()
    return f"key: installed in {key_file}"


def restore(path: Path | str, *, replace_key: bool = False, alias: str = "default") -> list[str]:
    """Replace the database with the archive's (and install its key). Stop linli's servers and worker first."""
    path = Path(path)
    manifest = read_manifest(path)
    vendor = _vendor(alias)
    if manifest["vendor"] != vendor:
        raise BackupError(f"the archive holds a {manifest['vendor']} database; this linli runs on {vendor}")
    db = _db(alias)
    notes = []
    with tempfile.TemporaryDirectory(prefix="linli-restore-") as tmp, tarfile.open(path, "r:gz") as tar:
        tmp = Path(tmp)
        archive_key = tar.extractfile(tar.getmember(KEY)).read().strip() if KEY in tar.getnames() else None
        dump = _extract(tar, manifest["database"], tmp)
        # the key first: a restore that would leave data nobody can read stops before touching the database
        notes.append(_install_key(archive_key, replace_key))
        connections[alias].close()
        if vendor == "sqlite":
            src = sqlite3.connect(str(dump))
            dst = sqlite3.connect(str(db["NAME"]), timeout=30)
            try:
                with dst:
                    src.backup(dst)  # page-for-page replacement of the live file, under SQLite's own locks
            finally:
                src.close()
                dst.close()
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                  "--dbname", db["NAME"], str(dump)], _pg_env(db))
    notes.append(f"database: restored from {path.name} ({manifest['created']})")
    notes.append(verify_key())
    return notes


def verify_key(alias: str = "default") -> str:
    """Decrypt one stored value of every encrypted field with the key in use; raise when one fails."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    checked = 0
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedTextField):
                    cursor.execute(f"SELECT {qn(field.column)} FROM {qn(model._meta.db_table)} WHERE {qn(field.column)} <> '' LIMIT 1")
                    row = cursor.fetchone()
                    if row and row[0]:
                        crypto.decrypt(row[0])  # a wrong key raises ValueError
                        checked += 1
    return f"key: opens the restored data ({checked} encrypted fields checked)"
