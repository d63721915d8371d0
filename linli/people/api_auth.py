"""API authentication: a bearer token for programs, or the browser session (with CSRF) for pages.

A bad token counts as a failed sign-in from the caller's address (django-axes, like the sign-in page):
once the address is locked, every token from it is answered 429 until the cool-off ends or staff lift
the lock in the admin, and a good token is refused too, so guessing cannot continue.
"""

from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from .auth import account_for_token, lockout_message, record_token_failure, token_address_locked


def _throttled_token_account(request, token):
    if token_address_locked(request):
        raise HttpError(429, lockout_message(request))
    account = account_for_token(token)
    if account is None:
        record_token_failure(request)
        if token_address_locked(request):
            raise HttpError(429, lockout_message(request))
    return account


class TokenOrSession:
    """Tries a bearer token first, then the signed-in session."""

    def __init__(self):
        self._bearer = BearerToken()
        self._session = SessionAuth()

    def __call__(self, request):
        account = self._bearer(request)
        if account:
            return account
        return self._session(request)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        account = _throttled_token_account(request, token)
        if account is not None:
            request.user = account
        return account


class TokenHeader(APIKeyHeader):
    param_name = "X-Linli-Token"

    def authenticate(self, request, key):
        if not key:
            return None
        return _throttled_token_account(request, key)
