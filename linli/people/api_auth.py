"""API authentication: a bearer token for programs, or the browser session (with CSRF) for pages.

A bad token counts as a failed sign-in from the caller's address (django-axes, like the sign-in page):
once the address is locked, every token from it is answered 429 until the cool-off ends or staff lift
the lock in the admin, and a good token is refused too, so guessing cannot continue.
"""

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

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


class SignedInSession(SessionAuth):
    """The signed-in browser's session, with its CSRF check. A request without a session cookie is not signed in:
    None (so 401 when no other way authenticates it), not the CSRF check's 403 — a program that POSTs with a refused
    token, or none, was told "CSRF check Failed" about a session it never had."""

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().__call__(request)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        account = _throttled_token_account(request, token)
        if account is not None:
            request.user = account
        return account
