"""Machine requests through a shorter middleware chain.

A program calling the JSON API or Open311 (a bearer token, an api_key) sends no cookie: it has no session, no
CSRF token, no flash messages, asks for no static file, and a JSON answer needs no page policy. For such a
request — a path under /api/ or /open311/ and no Cookie header — `application()` runs Django's handler with
every middleware of settings.MIDDLEWARE except those that only serve a browser session
(settings.LINLI_BROWSER_ONLY_MIDDLEWARE: WhiteNoise, sessions, CSRF, authentication, messages, the page CSP),
and `MachineRequestMiddleware` in their place:

- `request.user` is the anonymous user (what AuthenticationMiddleware gives a request without a session
  cookie): the API's bearer authentication sets it to the token's account; session authentication finds no one.
- every response says `Vary: Cookie`, as the full chain's does once authentication has looked at the session;
- every response carries the API's own Content-Security-Policy, `default-src 'none'; frame-ancestors 'none'`:
  a JSON answer loads nothing and is framed nowhere.

Every other request (pages, the API's documentation page, the admin, a browser's own API calls with its session
cookie) runs the full chain.
The request id, security headers, language, CommonMiddleware and the lock-out answer are the same in both.
Measured (docs/benchmarks.md, seventh session): the skipped middleware cost a sixth to a fifth of an intake's in-process CPU.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.utils.cache import patch_vary_headers

API_CSP = "default-src 'none'; frame-ancestors 'none'"
MACHINE_PREFIXES = ("/api/", "/open311/")
# pages under those prefixes, for a person in a browser: the API's documentation (Swagger UI: its scripts and styles,
# and a CSRF cookie for trying calls with the session) runs the full chain with or without a cookie
BROWSER_PREFIXES = ("/api/v1/docs",)


class MachineRequestMiddleware:
    """Stands in, for a machine request, for the browser-only middleware (see the module's docstring)."""

    def __init__(self, get_response):
        from django.contrib.auth.models import AnonymousUser  # needs the app registry: imported when the chain is built

        self.get_response = get_response
        self.anonymous = AnonymousUser()

    def __call__(self, request):
        request.user = self.anonymous
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = API_CSP
        return response


def machine_middleware(middleware: list[str], browser_only) -> list[str]:
    """settings.MIDDLEWARE without the browser-only entries, MachineRequestMiddleware where the first of them stood."""
    skipped = set(browser_only)
    unknown = skipped - set(middleware)
    if unknown:  # a renamed entry would silently stay in the machine chain
        raise ValueError(f"LINLI_BROWSER_ONLY_MIDDLEWARE names middleware not in MIDDLEWARE: {sorted(unknown)}")
    out, placed = [], False
    for path in middleware:
        if path in skipped:
            if not placed:
                out.append(f"{__name__}.MachineRequestMiddleware")
                placed = True
            continue
        out.append(path)
    return out


class MachineChainMixin:
    """A Django handler's load_middleware with the machine chain (Django's loader reads settings.MIDDLEWARE, so the
    chain stands in for it while the handler loads, once, before it serves)."""

    def load_middleware(self, is_async=False):
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = machine_middleware(full, settings.LINLI_BROWSER_ONLY_MIDDLEWARE)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class MachineHandler(MachineChainMixin, WSGIHandler):
    """Django's WSGI handler with the machine chain."""


def is_machine_request(environ) -> bool:
    path = environ.get("PATH_INFO", "")
    return path.startswith(MACHINE_PREFIXES) and not environ.get("HTTP_COOKIE") and not path.startswith(BROWSER_PREFIXES)


class Dispatcher:
    """The WSGI application: machine requests to the machine chain, every other request to the full one."""

    def __init__(self, full, machine):
        self.full, self.machine = full, machine

    def __call__(self, environ, start_response):
        handler = self.machine if is_machine_request(environ) else self.full
        return handler(environ, start_response)


def application(full=None):
    """The dispatching WSGI application (after django.setup()); `full` defaults to Django's own handler."""
    from django.core.wsgi import get_wsgi_application

    return Dispatcher(full or get_wsgi_application(), MachineHandler())
