"""Sign-in with a username or a phone number, and API tokens for programs."""

import datetime
import hashlib
import secrets

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from linli.core import crypto

from .models import Account, ApiToken
from linli.core.validation import normalize_phone


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


def account_for_token(secret: str):
    if not secret:
        return None
    token = ApiToken.objects.select_related("account", "account__person").filter(key_hash=_hash_key(secret), revoked_at__isnull=True).first()
    if token is None or not token.account.is_active:
        return None
    _touch(token)
    return token.account


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
