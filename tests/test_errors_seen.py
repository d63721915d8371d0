"""Errors are seen (issue 13, point 7): an unhandled exception is logged with its traceback and the
request id, shown to the user with that id (500 page, API 500 body, X-Request-ID header), and the
log line carries no personal data from the request (no query string, no body; digits in the
exception message masked)."""

import logging

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

PHONE_IN_QUERY = "13912345678"
PHONE_IN_BODY = "13987654321"
ID_IN_MESSAGE = "140213195001010017"


def _boom(request):
    raise RuntimeError(f"boom while reading {ID_IN_MESSAGE}")


def _fine(request):
    return HttpResponse("ok")


# This module is the URL conf of the page test: linli's URLs plus two test-only views.
urlpatterns = [path("test-boom/", _boom), path("test-fine/", _fine), path("", include("linli.urls"))]
handler500 = "linli.core.request_id.server_error"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def collected():
    handler = _Collect()
    loggers = [logging.getLogger(n) for n in ("linli.errors", "django.request")]
    for lg in loggers:
        lg.addHandler(handler)
    yield handler.records
    for lg in loggers:
        lg.removeHandler(handler)


def _formatted(record) -> str:
    """The line as linli's configured console handler writes it (filter, scrubbing formatter)."""
    console = next(h for h in logging.getLogger("linli").handlers if h.formatter is not None)
    for f in console.filters:
        f.filter(record)
    return console.format(record)


def _errors(records):
    return [r for r in records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_an_api_exception_is_logged_with_its_id_and_answered_with_it(api_as, monkeypatch, collected):
    from linli.people import queries

    def fail(*args, **kwargs):
        raise RuntimeError(f"boom while reading {ID_IN_MESSAGE}")

    monkeypatch.setattr(queries, "persons", fail)
    r = api_as("community_secretary").get(f"/api/v1/people/persons?q={PHONE_IN_QUERY}")
    assert r.status_code == 500
    rid = r["X-Request-ID"]
    assert r.json()["request_id"] == rid and "boom" not in r.content.decode()
    (record,) = _errors(collected)
    line = _formatted(record)
    assert rid in line and "Traceback" in line and "RuntimeError" in line
    assert "/api/v1/people/persons" in line
    assert PHONE_IN_QUERY not in line and "q=" not in line
    assert ID_IN_MESSAGE not in line  # the scrubber masked the ID number quoted by the exception


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_page_exception_shows_the_id_and_logs_no_personal_data(world, collected):
    client = Client(raise_request_exception=False)
    client.force_login(world.accounts["resident"])
    r = client.post(f"/test-boom/?phone={PHONE_IN_QUERY}", {"phone": PHONE_IN_BODY}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 500
    rid = r["X-Request-ID"]
    page = r.content.decode()
    assert rid in page and "出错了" in page and ID_IN_MESSAGE not in page
    records = _errors(collected)
    assert records, "the exception was not logged"
    line = "\n".join(_formatted(rec) for rec in records)
    assert rid in line and "Traceback" in line and "/test-boom/" in line
    for secret in (PHONE_IN_QUERY, PHONE_IN_BODY, ID_IN_MESSAGE, "phone="):
        assert secret not in line


@pytest.mark.urls(__name__)
def test_every_response_carries_a_request_id(client):
    a, b = client.get("/test-fine/"), client.get("/test-fine/")
    assert a["X-Request-ID"] and a["X-Request-ID"] != b["X-Request-ID"]
    # A proxy's id is kept (to follow one request through nginx and linli); a malformed one is replaced.
    assert client.get("/test-fine/", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")["X-Request-ID"] == "nginx-0123456789abcdef"
    assert client.get("/test-fine/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_an_unknown_api_path_answers_json_404(client):
    r = client.get("/api/v1/cases/-1/accept")
    assert r.status_code == 404 and r.json()["detail"]
