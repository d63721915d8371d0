"""Sign-in with a username or a phone number, and API tokens for programs."""

import datetime
import hashlib
import secrets

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core.memo import Memo, copy_instance
from linli.core.prepared import Prepared

from .models import Account, ApiToken
from linli.core.validation import normalize_phone


# ---------------------------------------------------------------------------- throttling (django-axes)
API_TOKEN_CREDENTIALS = {"username": "(API token)", "api_token": True}


class ThrottleBackend(AxesStandaloneBackend):
    """django-axes' gate, first of the backends: a locked-out account or address is refused before any
    password is checked. Authentication without a request (the test client's login(), a shell) is not a
    sign-in from the network and is neither counted nor refused."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def throttle_username(request, credentials) -> str | None:
    """The account a sign-in attempt is counted against: the same account whether its username or its
    phone number was typed (axes' AXES_USERNAME_CALLABLE)."""
    if credentials and credentials.get("api_token"):
        return credentials["username"]
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    typed = (typed or "").strip()
    if not typed:
        return None
    if not Account.objects.filter(username=typed).exists():
        try:
            phone = normalize_phone(typed)
        except ValidationError:
            phone = ""
        if phone:
            account = Account.objects.filter(person__phone_hash=crypto.lookup_hash(phone)).only("username").first()
            if account is not None:
                return account.username
    return typed[:150]


def lockout_parameters(request_or_attempt, credentials) -> list:
    """Sign-in attempts count per account and per address; bad API tokens per address only."""
    if credentials and credentials.get("api_token"):
        return ["ip_address"]
    return ["username", "ip_address"]


def lockout_message(request=None) -> str:
    cool_off = get_cool_off(request) if request is not None else settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    return _("Too many failed sign-ins: this account or this address is locked for %(minutes)d minutes. "
             "Try again later, or ask community staff to lift the lock.") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out client gets (axes' AXES_LOCKOUT_CALLABLE): 429 with the message in the
    user's language: JSON for the API, a page for the sign-in form and the admin."""
    message = lockout_message(request)
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/") or request.path.startswith("/open311/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "people/locked_out.html", {"message": message}, status=status)


def record_token_failure(request) -> None:
    """A bad API token counts as a failed sign-in from its address (visible and liftable in the admin)."""
    user_login_failed.send(sender=__name__, credentials=dict(API_TOKEN_CREDENTIALS), request=request)


# An address with no lock-out stays allowed until a new failure is recorded (which moves the "lockouts" generation);
# a locked address is asked again every time (its cool-off runs out with the clock, not with a change).
_allowed_addresses = Memo("allowed-addresses", ["lockouts"], maxsize=16384)


def token_address_locked(request) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    if not settings.AXES_ENABLED:
        return False
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")

    def allowed():
        ok = AxesProxyHandler.is_allowed(request, dict(API_TOKEN_CREDENTIALS))
        if not ok:
            raise _Locked
        return True

    try:
        return not _allowed_addresses.get(address, allowed)
    except _Locked:
        return True


class _Locked(Exception):
    """Not kept: a locked answer is recomputed on every request."""


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        account = Account.objects.filter(username=username).first()
        if account is None:
            try:
                phone = normalize_phone(username)
            except ValidationError:
                phone = ""
            if phone:
                account = Account.objects.filter(person__phone_hash=crypto.lookup_hash(phone)).first()
        if account is None:
            Account().set_password(password)  # same work either way: no timing oracle for unknown users
            return None
        if account.check_password(password) and self.user_can_authenticate(account):
            return account
        return None


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(account, name: str) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    secret = "ll_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(account=account, name=name, prefix=secret[:10], key_hash=_hash_key(secret))
    return token, secret


# key hash → the live token with its account and person, or None; valid until a token, an account or a person
# changes anywhere (revoking a token, deactivating an account: the next request of every process sees it).
_tokens = Memo("tokens", ["auth", "people"], maxsize=8192)
# the live token of a key hash with its account and person: SQL compiled once (a token's first request compiled it)
_token_row = Prepared(lambda key_hash: ApiToken.objects.select_related("account", "account__person")
                      .filter(key_hash=key_hash, revoked_at__isnull=True), "key_hash")


def account_for_token(secret: str):
    if not secret:
        return None
    key_hash = _hash_key(secret)

    token = _tokens.get(key_hash, lambda: _token_row.first(key_hash=key_hash))
    if token is None or not token.account.is_active:
        return None
    _touch(token)
    return copy_instance(token.account)


LAST_USED_EVERY = datetime.timedelta(minutes=5)


def _touch(token) -> None:
    """Record when a token was last used, at most once per LAST_USED_EVERY: a write on every request
    would make every API call wait for the (SQLite) write lock. The UPDATE is conditional, so two
    processes that both see a stale value write it once."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
