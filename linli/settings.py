"""One settings module, configured by environment variables.

LINLI_DATABASE_URL     database (default: SQLite in ./var/linli.sqlite3)
LINLI_CONN_MAX_AGE     seconds a database connection is kept between requests (default 600; 0 = one per request)
LINLI_REPLICA_URL      a PostgreSQL hot standby of the database: the cockpit, scorecards and reports read from it
                       (without a database name in it, the one LINLI_DATABASE_URL names)
LINLI_REPLICA_WAIT_MS  how long such a read waits for the standby to replay what the primary had committed (default
                       2000); a standby further behind, or unreachable, is passed over for the primary
LINLI_WORKER_STALE_SECONDS  a background worker silent this long counts as stopped on the status page and in
                       `linli status` (default 60; a worker writes its heartbeat every 10 s)
LINLI_VAR_DIR          where the embedded database, key file and uploads live (default ./var)
LINLI_SECRET_KEY       Django secret key (default: generated into var/secret.key)
LINLI_ENCRYPTION_KEY   Fernet key for personal data at rest (or LINLI_KEY_FILE)
LINLI_KEY_FILE         file holding the Fernet key (default var/linli.key, created outside production)
LINLI_PRODUCTION       1 = production mode: refuses to start without an explicit key, DEBUG off
LINLI_DEBUG            1 = Django debug pages
LINLI_ALLOWED_HOSTS    comma-separated host names
LINLI_TILE_URL         Leaflet tile URL template; empty = blank base layer
LINLI_TILE_ATTRIBUTION attribution text for the tiles
LINLI_WORKING_HOURS    office hours for working-hour deadlines (default 08:30-12:00,13:30-17:30)
LINLI_WEBHOOK_URL / LINLI_WEBHOOK_SECRET  SMS/WeChat gateway receiving signed notifications
LINLI_MAIL_ENABLED     1 = send e-mail notifications (default: on when LINLI_EMAIL_HOST is set)
LINLI_EMAIL_HOST / LINLI_EMAIL_PORT / LINLI_EMAIL_USER / LINLI_EMAIL_PASSWORD / LINLI_EMAIL_TLS / LINLI_EMAIL_FROM
LINLI_SIGNIN_FAILURES  failed sign-ins (per account, per address) before a lock-out (default 5)
LINLI_SIGNIN_COOLOFF_MINUTES  how long a lock-out lasts (default 15)
LINLI_HSTS_SECONDS     Strict-Transport-Security max-age in production mode (default one year; 0 = none)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", Path.cwd() / "var")).resolve()


def _private_file(path: Path) -> None:
    """The database, the key files and uploads are private to the account running linli: a 0600 file
    in a 0700 directory, created so before anything is written (SQLite gives its -wal/-shm files the
    database file's mode). An existing file or directory is tightened on start (docs/security.md)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for target, mode in ((path.parent, 0o700), (path, 0o600)):
        if target.stat().st_mode & 0o777 != mode:
            target.chmod(mode)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = _flag("LINLI_PRODUCTION")
DEBUG = _flag("LINLI_DEBUG", default=False)


def _secret_key() -> str:
    if os.environ.get("LINLI_SECRET_KEY"):
        return os.environ["LINLI_SECRET_KEY"]
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LINLI_SECRET_KEY must be set when LINLI_PRODUCTION=1")
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = VAR_DIR / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("LINLI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "linli.core",
    "linli.places",
    "linli.people",
    "linli.cases",
    "linli.meetings",
    "linli.patrols",
    "linli.volunteers",
    "linli.care",
    "linli.life",
    "linli.evaluation",
    "linli.dashboard",
    "linli.portal",
]

MIDDLEWARE = [
    # First: every request gets an id (X-Request-ID) that its log lines, its 500 page and its 500 body carry.
    "linli.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a lock-out flagged by the axes backend into linli's lock-out answer (429).
    "axes.middleware.AxesMiddleware",
]
# What a machine request (a path under /api/ or /open311/ with no Cookie header: a bearer token, an api_key) skips:
# middleware that serves only a browser's session or pages; linli.core.api_chain.MachineRequestMiddleware stands in.
LINLI_BROWSER_ONLY_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "linli.core.context.site",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"
# Connections are kept between requests (one per server thread) on SQLite and PostgreSQL alike:
# opening one and running its PRAGMAs cost more than a small request. Health checks drop a
# connection the database closed (a PostgreSQL restart) before a request uses it.
DATABASES = {"default": dj_database_url.parse(os.environ.get("LINLI_DATABASE_URL", _default_db),
                                              conn_max_age=int(os.environ.get("LINLI_CONN_MAX_AGE", "600")), conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # timeout: how long a statement waits for the write lock (LINLI_DB_BUSY_TIMEOUT s, default 30), in Python by linli's
    # engine (SQLite's own busy time-out is 0 once the connection is open); the PRAGMAs run once per connection.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": int(os.environ.get("LINLI_DB_BUSY_TIMEOUT", "30")),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Django's backend, with a process's writers queued on a lock of their own (linli/core/sqlite3/base.py)
    DATABASES["default"]["ENGINE"] = "linli.core.sqlite3"
    # Tests use a file, not shared-cache memory, so that race tests see real locking (the write lock, WAL).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    if DATABASES["default"]["NAME"] not in ("", ":memory:") and "mode=memory" not in str(DATABASES["default"]["NAME"]):
        _private_file(Path(DATABASES["default"]["NAME"]))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A stuck statement or a lock held too long fails its own request, cleanly, instead of stalling
    # the others: statement_timeout and lock_timeout in milliseconds (0 = none; commands that run
    # long on purpose, such as imports, may set them to 0 in their environment).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_limits = " ".join(f"-c {name}={int(os.environ.get(env, default))}" for name, env, default in (
        ("statement_timeout", "LINLI_PG_STATEMENT_TIMEOUT_MS", "15000"), ("lock_timeout", "LINLI_PG_LOCK_TIMEOUT_MS", "5000")))
    _pg_options["options"] = f"{_pg_options.get('options', '')} {_pg_limits}".strip()
    # Parameters bound on the server, and a statement used for the fifth time on a connection prepared there, so
    # PostgreSQL stops parsing and planning the intake's inserts anew (Django's default binds on the client and
    # prepares nothing, for connection poolers). Behind a transaction-pooling PgBouncer older than 1.21 set
    # LINLI_PG_SERVER_SIDE_BINDING=0.
    if os.environ.get("LINLI_PG_SERVER_SIDE_BINDING", "1") == "1":
        _pg_options["server_side_binding"] = True
        _pg_options.setdefault("prepare_threshold", 5)
# A read replica (linli.core.replica): reads of the cockpit, the scorecards and the reports, in step with the primary.
# Tests point it at the primary's test database (a physical standby copies every database of its primary).
if os.environ.get("LINLI_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["LINLI_REPLICA_URL"], conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                                 conn_health_checks=True)
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 3}
        # a standby holds every database of its primary: without a name in its URL, the primary's database
        DATABASES["replica"]["NAME"] = DATABASES["replica"]["NAME"] or DATABASES["default"]["NAME"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LINLI_REPLICA_URL: a read replica is a PostgreSQL hot standby of the PostgreSQL database "
                                   "LINLI_DATABASE_URL names")
    # only with a replica: every queryset and related assignment asks the routers, and core.inserts builds an intake's
    # rows without Model.__init__ only where no router but the replica's may choose their database
    DATABASE_ROUTERS = ["linli.core.replica.Router"]
LINLI_REPLICA_WAIT_MS = int(os.environ.get("LINLI_REPLICA_WAIT_MS", "2000"))
LINLI_WORKER_STALE_SECONDS = int(os.environ.get("LINLI_WORKER_STALE_SECONDS", "60"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.Account"
# The throttle comes first: a locked-out account or address is refused before any password check.
AUTHENTICATION_BACKENDS = ["linli.people.auth.ThrottleBackend", "linli.people.auth.PhoneOrUsernameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# New and changed passwords (forms, admin, services.set_new_password); the demo builder sets the
# published demo password on purpose without them, and production mode refuses to start while an
# account still has it (linli.core.checks).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "linli.core.passwords.NotDemoPasswordValidator"},
]

# Sign-in throttling (django-axes): after LINLI_SIGNIN_FAILURES failures for one account, or from one
# address, sign-in (pages, admin, bearer tokens) is refused for LINLI_SIGNIN_COOLOFF_MINUTES. Staff see
# and lift lock-outs in the admin (Axes → access attempts: delete the row).
AXES_FAILURE_LIMIT = int(os.environ.get("LINLI_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LINLI_SIGNIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = "linli.people.auth.lockout_parameters"  # per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "linli.people.auth.throttle_username"
AXES_LOCKOUT_CALLABLE = "linli.people.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind a reverse proxy set LINLI_PROXY_COUNT so the client address is read from X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ["LINLI_PROXY_COUNT"]) if os.environ.get("LINLI_PROXY_COUNT") else None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from here after collectstatic; finders before
STATICFILES_DIRS = [BASE_DIR / "static"]  # linli/static: the pages' CSS, JS and vendored Leaflet/htmx
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Production mode is served over HTTPS only (behind nginx: it sets X-Forwarded-Proto).
SECURE_SSL_REDIRECT = PRODUCTION
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes over plain HTTP inside the network
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = int(os.environ.get("LINLI_HSTS_SECONDS", str(365 * 24 * 3600))) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts only from linli's own static files, never inline.
# Style attributes (style="…" in templates, and those Leaflet writes) are allowed through
# style-src-attr; <style> elements only from files (style-src-elem 'self').
_tile_origin = "/".join(os.environ.get("LINLI_TILE_URL", "").split("/")[:3]).replace("{s}", "*") if "://" in os.environ.get("LINLI_TILE_URL", "") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"] + ([_tile_origin] if _tile_origin else []),
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Personal data at rest.
LINLI_ENCRYPTION_KEY = os.environ.get("LINLI_ENCRYPTION_KEY", "")
LINLI_KEY_FILE = os.environ.get("LINLI_KEY_FILE", str(VAR_DIR / "linli.key"))

# Maps: a blank base layer unless a tile server is configured.
LINLI_TILE_URL = os.environ.get("LINLI_TILE_URL", "")
LINLI_TILE_ATTRIBUTION = os.environ.get("LINLI_TILE_ATTRIBUTION", "")

# Mail.
EMAIL_HOST = os.environ.get("LINLI_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("LINLI_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LINLI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LINLI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("LINLI_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("LINLI_EMAIL_FROM", "linli@localhost")

# Office hours for deadlines counted in working hours (working days follow chinese-calendar).
LINLI_WORKING_HOURS = os.environ.get("LINLI_WORKING_HOURS", "08:30-12:00,13:30-17:30")

# Notifications: mail is enabled when a mail host is configured; the webhook (an SMS/WeChat
# gateway) receives each message as JSON signed with HMAC-SHA256 in the X-Linli-Signature header.
LINLI_MAIL_ENABLED = _flag("LINLI_MAIL_ENABLED", default=bool(os.environ.get("LINLI_EMAIL_HOST")))
LINLI_WEBHOOK_URL = os.environ.get("LINLI_WEBHOOK_URL", "")
LINLI_WEBHOOK_SECRET = os.environ.get("LINLI_WEBHOOK_SECRET", "")
LINLI_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("LINLI_OUTBOX_MAX_ATTEMPTS", "8"))
# Retention (docs/privacy.md): the worker anonymises residents this many years after they moved out or died,
# deletes audit rows older than this many years, and looks again every so many hours (0: the sweep is off).
LINLI_RETENTION_RESIDENT_YEARS = int(os.environ.get("LINLI_RETENTION_RESIDENT_YEARS", "3"))
LINLI_RETENTION_AUDIT_YEARS = int(os.environ.get("LINLI_RETENTION_AUDIT_YEARS", "5"))
LINLI_RETENTION_CASE_CONTACT_YEARS = int(os.environ.get("LINLI_RETENTION_CASE_CONTACT_YEARS", "3"))  # a closed case's reporter name and phone
LINLI_RETENTION_EVERY_HOURS = float(os.environ.get("LINLI_RETENTION_EVERY_HOURS", "24"))

# Imports: rows per transaction batch.
LINLI_IMPORT_BATCH = int(os.environ.get("LINLI_IMPORT_BATCH", "2000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Every line carries the request id (linli.core.request_id) and passes the personal-data scrubber;
# unhandled exceptions are logged with their traceback by django.request (pages) and linli.errors
# (the API), naming the method and path only (no query string, body or headers).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "linli.core.request_id.RequestIdFilter"}},
    "formatters": {"linli": {"()": "linli.core.request_id.ScrubbingFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "linli"}},
    "loggers": {
        "linli": {"handlers": ["console"], "level": os.environ.get("LINLI_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
