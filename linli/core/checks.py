"""Production mode refuses to start with the demo's secrets (docs/security.md).

`production_secrets` is a Django system check of the deploy kind (`linli check --deploy` lists it);
`refuse_unsafe_production` runs it when the WSGI application loads in production mode (gunicorn,
`linli serve`), so a server with a demo password or a weak secret key never answers a request.
Ordinary management commands (migrate, changepassword) still run, so the operator can fix it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.db.models import Count, Q

from .passwords import DEMO_PASSWORD

_WEAK_KEY_PREFIXES = ("django-insecure", "change-me", "changeme", "secret", "linli")


def _weak_secret_key(key: str) -> bool:
    return len(key) < 50 or len(set(key)) < 5 or key.lower().startswith(_WEAK_KEY_PREFIXES)


def accounts_with_demo_password() -> list[str]:
    """Usernames still signing in with the demo password. The demo builder gives all its accounts one
    hash, and a new or changed password can never be the demo one (the password validators refuse it),
    so checking the hashes that staff hold and the hashes that several accounts share finds them all
    without hashing every account's password."""
    Account = get_user_model()
    shared = Account.objects.values("password").annotate(n=Count("pk")).filter(n__gt=1).values_list("password", flat=True)
    candidates = set(shared) | set(Account.objects.filter(Q(is_staff=True) | Q(is_superuser=True)).values_list("password", flat=True))
    demo_hashes = {h for h in candidates if h and check_password(DEMO_PASSWORD, h)}
    if not demo_hashes:
        return []
    return list(Account.objects.filter(password__in=demo_hashes, is_active=True).order_by("username").values_list("username", flat=True))


@checks.register(checks.Tags.security, deploy=True)
def production_secrets(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    errors = []
    if _weak_secret_key(settings.SECRET_KEY):
        errors.append(checks.Error(
            "LINLI_SECRET_KEY is a default or weak value.",
            hint="Set LINLI_SECRET_KEY to at least 50 random characters, e.g. "
                 "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="linli.E001",
        ))
    try:
        demo = accounts_with_demo_password()
    except DatabaseError:  # no tables yet: nothing to refuse
        demo = []
    if demo:
        shown = ", ".join(demo[:10]) + (f" … ({len(demo)} in all)" if len(demo) > 10 else "")
        errors.append(checks.Error(
            f"Accounts still have the demo password {DEMO_PASSWORD!r}: {shown}.",
            hint="Production mode does not start with them. Give each a new password "
                 "(`linli changepassword USERNAME`) or deactivate it in the admin; a demo database does not belong in production.",
            id="linli.E002",
        ))
    return errors


def refuse_unsafe_production() -> None:
    """Raise (and so stop the server) when production mode would run with the demo's secrets."""
    if not settings.PRODUCTION:
        return
    errors = [e for e in production_secrets() if e.is_serious()]
    if errors:
        lines = [f"{e.id}: {e.msg} {e.hint}" for e in errors]
        raise ImproperlyConfigured("linli refuses to start in production mode:\n" + "\n".join(lines))
