"""Sign-in with a username or a phone number, and API tokens for programs."""

import hashlib
import secrets

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
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
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.account
