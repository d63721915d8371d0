"""API authentication: a bearer token for programs, or the browser session (with CSRF) for pages."""

from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from .auth import account_for_token


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
        account = account_for_token(token)
        if account is not None:
            request.user = account
        return account


class TokenHeader(APIKeyHeader):
    param_name = "X-Linli-Token"

    def authenticate(self, request, key):
        return account_for_token(key)
