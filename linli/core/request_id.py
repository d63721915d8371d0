"""Errors are seen: a request id on every request, every unhandled exception logged with it.

- ``RequestIdMiddleware`` (first in MIDDLEWARE) gives each request an id: the X-Request-ID a proxy
  sent when it looks like one (letters, digits, ``._-``, 8–64 characters), else a new one. The id is
  on the response (X-Request-ID), in every log record written while the request runs
  (``%(request_id)s``, by ``RequestIdFilter``), on the 500 page and in the API's 500 body.
- An unhandled exception is logged once, at ERROR with its traceback, by Django's
  ``django.request`` logger (pages) or by ``linli.errors`` (the JSON API, which answers
  ``{"detail": …, "request_id": …}``). The line names the method and the path only: never the query
  string, the body, headers or cookies.
- ``ScrubbingFormatter`` passes every formatted line, traceback included, through the personal-data
  scrubber (core.scrub), so an exception message quoting a phone or ID number is masked too.
"""

import contextvars
import logging
import re
import uuid

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from .scrub import scrub

HEADER = "X-Request-ID"
_INCOMING = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("linli_request_id", default=None)

log = logging.getLogger("linli.errors")


def current() -> str | None:
    """The id of the request being handled in this thread, if any."""
    return _current.get()


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _INCOMING.match(incoming) else new_id()
        request.request_id = rid
        token = _current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = rid
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record ("-" outside a request)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current() or "-"
        return True


class ScrubbingFormatter(logging.Formatter):
    """The formatted line (message and traceback) with phones, ID numbers, cards and e-mails masked."""

    def format(self, record):
        return scrub(super().format(record))


def log_unhandled(request, exc) -> str:
    """Log an unhandled exception (traceback, request id, method and path only); return the id."""
    rid = getattr(request, "request_id", None) or current() or new_id()
    log.error("Unhandled %s in %s %s", type(exc).__name__, request.method, request.path,
              exc_info=(type(exc), exc, exc.__traceback__), extra={"request_id": rid, "status_code": 500})
    return rid


def api_server_error(api):
    """The JSON API's handler for an unhandled exception: logged, then a 500 body carrying the id."""

    def handler(request, exc):
        rid = log_unhandled(request, exc)
        response = JsonResponse({"detail": _("Internal error; the request was not completed."), "request_id": rid}, status=500)
        response._has_been_logged = True  # logged above with the traceback; Django need not log it again
        return response

    return handler


def server_error(request, template_name="500.html"):
    """handler500: the 500 page with the request id (no context processors: nothing that could fail again)."""
    rid = getattr(request, "request_id", None) or current() or "-"
    try:
        body = loader.get_template(template_name).render({"request_id": rid})
    except Exception:  # the page itself failed: a plain line, still with the id
        body = f"<h1>Server Error (500)</h1><p>{HEADER}: {rid}</p>"
    response = HttpResponseServerError(body)
    response[HEADER] = rid
    return response


def not_found(request, exception=None):
    """handler404: the API and Open311 answer a path that matches no route in JSON; pages as usual."""
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
