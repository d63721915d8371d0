"""Hardening (issue 13, points 4 and 5): production mode refuses the demo's secrets; security headers
and the Content-Security-Policy; private file modes for the database, the keys and uploads."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection

from linli.core.checks import production_secrets, refuse_unsafe_production
from linli.people.models import Account
from linli.testing.world import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k7Hq2Vw9Zp4Lr8Xc1Nb6Md3Fs5Gt0Jy-aQeRuTiOpAsDfGhJkLzXcVbNm"


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update(extra)
    return env


# ---------------------------------------------------------------------------- production refuses the demo's secrets
@pytest.mark.django_db
def test_production_refuses_accounts_with_the_demo_password(settings):
    hashed = make_password("linli-demo")  # as the demo builder does: one hash for all its accounts
    Account.objects.bulk_create([Account(username="grid1", password=hashed), Account(username="staff1", password=hashed)])
    settings.PRODUCTION, settings.SECRET_KEY = True, STRONG_KEY
    errors = production_secrets()
    assert [e.id for e in errors] == ["linli.E002"]
    assert "grid1" in errors[0].msg and "staff1" in errors[0].msg and "linli-demo" in errors[0].msg
    with pytest.raises(ImproperlyConfigured, match="refuses to start"):
        refuse_unsafe_production()


@pytest.mark.django_db
def test_production_refuses_a_staff_account_with_the_demo_password_alone(settings):
    Account.objects.create(username="boss", password=make_password("linli-demo"), is_staff=True)
    Account.objects.create(username="other", password=make_password("a-real-password-1"))
    settings.PRODUCTION, settings.SECRET_KEY = True, STRONG_KEY
    assert [e.id for e in production_secrets()] == ["linli.E002"]


@pytest.mark.django_db
def test_production_starts_with_real_passwords_and_a_strong_key(settings, world):
    settings.PRODUCTION, settings.SECRET_KEY = True, STRONG_KEY
    assert production_secrets() == []
    refuse_unsafe_production()


@pytest.mark.parametrize("key", ["change-me", "django-insecure-" + "x" * 60, "a" * 80, "short-but-random-Qw3"])
def test_production_refuses_a_default_or_weak_secret_key(settings, key, db):
    settings.PRODUCTION, settings.SECRET_KEY = True, key
    assert "linli.E001" in [e.id for e in production_secrets()]


def test_outside_production_the_demo_keeps_working(settings, db):
    Account.objects.create(username="grid1", password=make_password("linli-demo"), is_staff=True)
    settings.PRODUCTION = False
    assert production_secrets() == []


@pytest.mark.django_db(transaction=True)
def test_the_production_server_does_not_start_with_a_demo_account(tmp_path, settings):
    """The WSGI application (gunicorn, `linli serve`) refuses to load: a real process, a real database."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the server's hashers, not the tests' fast one
    hashed = make_password("linli-demo")
    Account.objects.bulk_create([Account(username="grid1", password=hashed), Account(username="grid2", password=hashed)])
    env = _env(LINLI_PRODUCTION="1", LINLI_SECRET_KEY=STRONG_KEY, LINLI_ENCRYPTION_KEY=os.environ["LINLI_ENCRYPTION_KEY"],
               LINLI_VAR_DIR=str(tmp_path), LINLI_DATABASE_URL=_database_url())
    done = subprocess.run([sys.executable, "-c", "import linli.wsgi"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "linli.E002" in done.stderr and "grid1" in done.stderr


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


# ---------------------------------------------------------------------------- headers
@pytest.mark.django_db
def test_pages_send_a_csp_without_inline_script(client, world):
    client.force_login(world.accounts["community_secretary"])
    for path in ("/login/", "/map/", "/residents/", "/admin/login/"):
        response = client.get(path)
        csp = response.headers.get("Content-Security-Policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert directives.get("script-src") == ["'self'"], (path, csp)
        assert "'unsafe-inline'" not in directives.get("style-src-elem", []) and "'unsafe-eval'" not in csp
        assert directives.get("object-src") == ["'none'"] and directives.get("frame-ancestors") == ["'none'"]
        assert response.headers.get("X-Content-Type-Options") == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|ld\+json)\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style[\s>]", re.I)


def test_no_template_has_inline_script_handlers_or_style_elements():
    """The CSP blocks them: a new one would silently break its page in the browser."""
    offenders = []
    for path in sorted((ROOT / "linli").rglob("templates/**/*.html")):
        text = path.read_text()
        for name, pattern in (("inline <script>", INLINE_SCRIPT), ("on…= handler", INLINE_HANDLER), ("<style> element", INLINE_STYLE)):
            for m in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {name}")
    assert not offenders, "\n".join(offenders)


def _settings_in_a_process(**env) -> dict:
    code = ("import json, linli.settings as s; print(json.dumps({k: getattr(s, k) for k in ('SECURE_HSTS_SECONDS', 'SECURE_SSL_REDIRECT', "
            "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER')}))")
    done = subprocess.run([sys.executable, "-c", code], env=_env(**env), cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    import json
    return json.loads(done.stdout)


def test_production_mode_is_https_only(tmp_path):
    prod = _settings_in_a_process(LINLI_PRODUCTION="1", LINLI_SECRET_KEY=STRONG_KEY, LINLI_VAR_DIR=str(tmp_path))
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000 and prod["SECURE_SSL_REDIRECT"]
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    dev = _settings_in_a_process(LINLI_VAR_DIR=str(tmp_path))
    assert dev["SECURE_HSTS_SECONDS"] == 0 and not dev["SECURE_SSL_REDIRECT"] and not dev["SESSION_COOKIE_SECURE"]


# ---------------------------------------------------------------------------- file modes
def test_database_and_keys_are_created_private(tmp_path):
    var = tmp_path / "var"
    code = ("import django; django.setup()\n"
            "from django.db import connection\n"
            "with connection.cursor() as c: c.execute('CREATE TABLE t (x int)'); c.execute('INSERT INTO t VALUES (1)')\n"
            "from linli.core import crypto; crypto.master_key()\n")
    env = _env(LINLI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="linli.settings")
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=120, capture_output=True)
    assert _mode(var) == 0o700
    for name in ("linli.sqlite3", "secret.key", "linli.key"):
        assert _mode(var / name) == 0o600, name
    for journal in var.glob("linli.sqlite3-*"):  # WAL and shared memory take the database's mode
        assert _mode(journal) == 0o600, journal.name


def test_an_existing_world_readable_database_is_tightened_on_start(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    (var / "linli.sqlite3").touch()
    os.chmod(var / "linli.sqlite3", 0o644)
    env = _env(LINLI_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="linli.settings")
    subprocess.run([sys.executable, "-c", "import linli.settings"], env=env, cwd=ROOT, check=True, timeout=60, capture_output=True)
    assert _mode(var) == 0o700 and _mode(var / "linli.sqlite3") == 0o600


def test_uploads_are_private(tmp_path, settings):
    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("cases/2026/photo.jpg", ContentFile(b"\xff\xd8 a photo"))
    assert _mode(storage.path(name)) == 0o600
    assert _mode(tmp_path / "media" / "cases") == 0o700 and _mode(tmp_path / "media" / "cases" / "2026") == 0o700
