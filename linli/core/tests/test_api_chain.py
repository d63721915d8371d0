"""Machine requests (the API and Open311 without a cookie) run a shorter middleware chain (linli.core.api_chain);
everything else runs the full one. Called through linli.wsgi.application as a server calls it."""

import io
import json
import sys

import pytest
from django.conf import settings

from linli.core import api_chain


def _call(path, *, method="GET", body=b"", headers=None, content_type="application/json"):
    from linli.wsgi import application

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
               "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type,
               "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "testserver"}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    started = []
    response = application(environ, lambda status, hdrs, *exc: started.append((status, hdrs)))
    try:
        out = b"".join(response)
    finally:
        response.close()  # as a WSGI server does: Django's request_finished (the request's caches end with it)
    status, hdrs = started[0]
    return int(status.split()[0]), {k.lower(): v for k, v in hdrs}, out


def test_the_machine_chain_is_the_full_one_without_the_browser_only_middleware():
    chain = api_chain.machine_middleware(settings.MIDDLEWARE, settings.LINLI_BROWSER_ONLY_MIDDLEWARE)
    assert not set(chain) & set(settings.LINLI_BROWSER_ONLY_MIDDLEWARE)
    assert chain.count("linli.core.api_chain.MachineRequestMiddleware") == 1
    rest = [m for m in chain if m != "linli.core.api_chain.MachineRequestMiddleware"]
    assert rest == [m for m in settings.MIDDLEWARE if m not in settings.LINLI_BROWSER_ONLY_MIDDLEWARE]
    # the request id first, the lock-out answer last, security headers and language kept
    assert chain[0] == "linli.core.request_id.RequestIdMiddleware" and chain[-1] == "axes.middleware.AxesMiddleware"
    assert {"django.middleware.security.SecurityMiddleware", "django.middleware.locale.LocaleMiddleware"} <= set(chain)


def test_a_browser_only_entry_missing_from_middleware_is_refused():
    with pytest.raises(ValueError, match="not.in MIDDLEWARE.*SessionMiddlewareRenamed"):
        api_chain.machine_middleware(["a.B"], ["x.SessionMiddlewareRenamed"])


@pytest.mark.parametrize("environ, machine", [
    ({"PATH_INFO": "/api/v1/cases"}, True),
    ({"PATH_INFO": "/open311/v2/requests.json"}, True),
    ({"PATH_INFO": "/api/v1/cases", "HTTP_COOKIE": "sessionid=x"}, False),  # a browser's own API call
    ({"PATH_INFO": "/cases/"}, False),
    ({"PATH_INFO": "/apis/"}, False),
    ({"PATH_INFO": "/api/v1/docs"}, False),  # a page: Swagger UI
    ({"PATH_INFO": "/api/v1/openapi.json"}, True),
    ({"PATH_INFO": "/admin/"}, False),
])
def test_which_requests_are_machine_requests(environ, machine):
    assert api_chain.is_machine_request(environ) is machine


@pytest.mark.django_db(transaction=True)
def test_a_bearer_intake_through_the_machine_chain(world):
    from linli.cases.tests.conftest import make_categories
    from linli.people.auth import issue_token

    make_categories()
    _, token = issue_token(world.accounts["resident"], "chain")
    body = json.dumps({"description": "楼道灯坏了，晚上很黑", "category": "env.clutter",
                       "dwelling": world.dwellings["A1-101"].pk}).encode()
    status, headers, out = _call("/api/v1/cases", method="POST", body=body, headers={"Authorization": f"Bearer {token}"})
    assert status == 201, out
    assert json.loads(out)["number"]
    assert headers["content-security-policy"] == api_chain.API_CSP
    assert "Cookie" in headers["vary"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert len(headers["x-request-id"]) >= 8
    assert "set-cookie" not in headers  # no session, no CSRF cookie


@pytest.mark.django_db(transaction=True)
def test_without_a_token_the_machine_chain_answers_401_not_500(world):
    status, headers, out = _call("/api/v1/people/me")
    assert status == 401, out
    assert json.loads(out)["detail"]
    assert headers["content-security-policy"] == api_chain.API_CSP


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_browser_calls_the_api_through_the_full_chain(world):
    from django.test import Client

    from linli.testing.world import PASSWORD

    browser = Client()
    assert browser.login(username="resident", password=PASSWORD)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, headers, out = _call("/api/v1/people/me", headers={"Cookie": cookie})
    assert status == 200, out
    assert json.loads(out)["account"]["username"] == "resident"
    assert "script-src 'self'" in headers["content-security-policy"]  # the page policy of the full chain
    # the same request without its cookie is a machine request, and nobody
    assert _call("/api/v1/people/me")[0] == 401


@pytest.mark.django_db(transaction=True)
def test_bad_tokens_lock_the_address_out_through_the_machine_chain(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    statuses = [_call("/api/v1/people/me", headers={"Authorization": "Bearer not-a-token"})[0] for _ in range(4)]
    assert statuses[:2] == [401, 401] and statuses[-1] == 429
    from linli.people.auth import issue_token

    _, good = issue_token(world.accounts["resident"], "locked")
    status, _headers, out = _call("/api/v1/people/me", headers={"Authorization": f"Bearer {good}"})
    assert status == 429, out  # a good token from a locked address is refused too


@pytest.mark.django_db(transaction=True)
def test_pages_keep_the_full_chain(world):
    status, headers, _out = _call("/login/")
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "csrftoken" in headers.get("set-cookie", "")  # the sign-in form's CSRF cookie: CsrfViewMiddleware ran


def test_the_suites_bearer_clients_run_the_machine_chain(world):
    """Every API test that uses a bearer client (linli.testing.api) goes through the chain the server runs."""
    from linli.testing.api import bearer_client

    client = bearer_client(world.accounts["resident"])
    response = client.get("/api/v1/people/me")
    assert response.status_code == 200 and response["Content-Security-Policy"] == api_chain.API_CSP
    assert client.get("/login/")["Content-Security-Policy"] != api_chain.API_CSP  # a page: the full chain


@pytest.mark.django_db(transaction=True)
def test_the_api_documentation_page_keeps_the_page_chain_without_a_cookie():
    """A person opening /api/v1/docs in a fresh browser sends no cookie; Swagger UI still needs its own scripts and
    styles ('self') and a CSRF cookie to try calls with the session."""
    status, headers, out = _call("/api/v1/docs")
    assert status == 200 and b"/static/ninja/swagger-ui-bundle.js" in out
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "csrftoken" in headers.get("set-cookie", "")


@pytest.mark.django_db(transaction=True)
def test_a_post_with_a_bad_token_or_none_is_401_not_a_csrf_failure(world):
    """A program that POSTs with a wrong token (or none) has no session: it was answered 403 "CSRF check Failed" by the
    session check that came after the token's; it is told 401, as a GET is."""
    body = json.dumps({"description": "楼道灯坏了"}).encode()
    for headers in ({"Authorization": "Bearer not-a-token"}, {}):
        status, _headers, out = _call("/api/v1/cases", method="POST", body=body,
                                      headers=headers)
        assert status == 401, out
