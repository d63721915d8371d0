"""The reference for bench/bench_cases_api.py: a plain Django + django-ninja project with one POST
that validates a small JSON body and inserts one row. Same database settings as linli: SQLite in
WAL (synchronous=NORMAL, BEGIN IMMEDIATE, 30 s busy timeout) or PostgreSQL, connections kept
between requests with health checks.

BARE_DATABASE_URL  database (default SQLite in $BARE_VAR_DIR/bare.sqlite3)
BARE_VAR_DIR       where the SQLite file lives (default ./var/bench/bare)
BARE_SQLITE_ENGINE the SQLite backend (default Django's; the bench's "rows" server runs linli's)
"""

import os
from pathlib import Path

import dj_database_url

VAR_DIR = Path(os.environ.get("BARE_VAR_DIR", Path.cwd() / "var" / "bench" / "bare")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bare"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bare.urls"
WSGI_APPLICATION = "bare.wsgi.application"

DATABASES = {"default": dj_database_url.parse(os.environ.get("BARE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'bare.sqlite3'}"),
                                              conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # BARE_SQLITE_ENGINE=linli.core.sqlite3: linli's SQLite backend (writers queued in the process, waits in Python
    # instead of SQLite's busy handler), for the "rows" floor of bench_cases_api.py
    DATABASES["default"]["ENGINE"] = os.environ.get("BARE_SQLITE_ENGINE", "django.db.backends.sqlite3")
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("LINLI_PG_SERVER_SIDE_BINDING", "1") == "1":
    # the same PostgreSQL settings as linli's (linli/settings.py): parameters bound on the server, statements prepared
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
