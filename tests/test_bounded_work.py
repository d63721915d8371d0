"""Bounded work per request (issue 13, point 1 and the "500 instead of 422" findings).

Every input of the JSON API is checked against published limits before any work: an oversized
title, offset, filter or id answers 422 naming the field (never 500), NUL characters and lone
surrogates are refused, and a slow request does not stall other users' reads and writes.
"""

import json
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from linli.cases.models import Case

API = "/api/v1"
HUGE = "99999999999999999999"  # 20 digits: more than a 64-bit integer holds
DIGITS_25 = "1234567890123456789012345"
CASE = {"description": "楼上卫生间渗水到我家厨房", "category": "home.leak"}


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _fields(response):
    assert response.status_code == 422, (response.status_code, response.content[:500])
    return {d["field"] for d in response.json()["detail"]}


@pytest.mark.django_db
def test_a_100000_character_title_is_refused_before_any_work(api_as):
    client = api_as("resident")
    before = Case.objects.count()
    with CaptureQueriesContext(connection) as queries:
        r = _post(client, f"{API}/cases", {**CASE, "title": "标" * 100_000})
    assert _fields(r) == {"title"}
    assert Case.objects.count() == before
    # Only the caller's sign-in was looked up: no case, category, place or classifier work, no write.
    touched = " ".join(q["sql"] for q in queries.captured_queries)
    assert "cases_" not in touched and "places_" not in touched
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "DELETE")) for q in queries.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/people/persons", "/cases", "/patrols/visits", "/people/households"])
def test_an_offset_beyond_the_limit_answers_422(api_as, url):
    assert _fields(api_as("community_secretary").get(f"{API}{url}?offset={HUGE}")) == {"offset"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/cases", "/people/persons"])
def test_a_25_digit_grid_filter_answers_422(api_as, url):
    assert _fields(api_as("community_secretary").get(f"{API}{url}?grid={DIGITS_25}")) == {"grid"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/cases/{}", "/people/persons/{}", "/people/households/{}", "/places/grids/{}"])
def test_a_25_digit_id_answers_422(api_as, url):
    r = api_as("community_secretary").get(API + url.format(DIGITS_25))
    assert r.status_code == 422, r.content


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_json_body_answers_422(api_as):
    before = Case.objects.count()
    body = '{"description": "\\ud800 楼道里堆满了杂物", "category": "home.leak"}'
    r = api_as("resident").post(f"{API}/cases", body, content_type="application/json")
    assert _fields(r) == {"description"}
    assert Case.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["\x00\x00\x00\x00", "楼道\x00堆物很多"])
def test_nul_characters_are_refused(api_as, text):
    assert _fields(_post(api_as("resident"), f"{API}/cases", {**CASE, "description": text})) == {"description"}


def test_the_schema_states_the_limits(client, db):  # the schema lists category codes from the database
    from linli.core.api_limits import non_blank_pattern

    schema = client.get(f"{API}/openapi.json").json()
    case_in = schema["components"]["schemas"]["CaseIn"]["properties"]
    assert case_in["title"]["maxLength"] == 200
    assert case_in["description"]["maxLength"] == 4000
    assert case_in["description"]["pattern"] == non_blank_pattern(4)  # at least 4 characters besides spaces, no NUL
    assert case_in["address"]["pattern"] == "^[^\\x00]*$"
    params = {p["name"]: p["schema"] for p in schema["paths"][f"{API}/cases"]["get"]["parameters"]}
    assert params["offset"]["maximum"] == 10**9 and params["limit"]["maximum"] == 500
    grid = next(s for s in params["grid"]["anyOf"] if s.get("type") == "integer")
    assert grid["maximum"] == 2**63 - 1
    path = schema["paths"][f"{API}/cases/{{case_id}}"]["get"]
    assert path["parameters"][0]["schema"]["maximum"] == 2**63 - 1
    assert {"401", "404", "422"} <= set(map(str, path["responses"]))


def test_the_database_waits_are_bounded(settings):
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert 0 < options["timeout"] <= 60
    else:
        assert "statement_timeout=" in options["options"] and "lock_timeout=" in options["options"]


# ---------------------------------------------------------------------------- one slow request
class _SlowClassifier:
    """Blocks the first prediction that mentions SLOW until released (the stand-in for heavy CPU work)."""

    def __init__(self, real):
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()

    def predict(self, text):
        if "SLOW" in text:
            self.entered.set()
            assert self.release.wait(60), "never released"
        return self.real.predict(text)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _in_thread(fn, results, key):
    def run():
        try:
            results[key] = fn()
        except BaseException as exc:  # reported by the main thread
            results[key] = exc
        finally:
            connection.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.mark.django_db(transaction=True)
def test_a_slow_intake_does_not_stall_other_users(world, monkeypatch):
    from linli.cases import classifier
    from linli.cases.tests.conftest import make_categories
    from linli.testing.api import bearer_client

    make_categories()  # a transactional test starts from an empty database
    slow = _SlowClassifier(classifier.current())
    monkeypatch.setattr(classifier, "current", lambda path=None: slow)
    resident, staff, worker = (bearer_client(world.accounts[k]) for k in ("resident", "community_staff", "grid_worker"))
    results = {}
    t = _in_thread(lambda: _post(resident, f"{API}/cases", {"description": "SLOW 楼上卫生间渗水到我家厨房",
                                                             "dwelling": world.dwellings["A1-101"].pk}), results, "slow")
    try:
        while not slow.entered.wait(0.1):
            assert t.is_alive(), getattr(results.get("slow"), "content", results.get("slow"))
        # While the slow intake is still classifying: others read and write.
        assert staff.get(f"{API}/cases").status_code == 200
        assert staff.get(f"{API}/people/persons").status_code == 200
        r = _post(worker, f"{API}/cases", {**CASE, "description": "二号楼门口污水外溢", "dwelling": world.dwellings["A1-101"].pk})
        assert r.status_code == 201, r.content
        assert t.is_alive() and not slow.release.is_set()
    finally:
        slow.release.set()
        t.join(60)
    assert results["slow"].status_code == 201, results["slow"].content


@pytest.mark.django_db(transaction=True)
def test_reads_answer_while_a_write_transaction_is_held(world):
    from linli.testing.api import bearer_client

    holding, release = threading.Event(), threading.Event()
    staff = bearer_client(world.accounts["community_staff"])
    assert staff.get(f"{API}/cases").status_code == 200  # the token's last use is recorded now, not under the lock

    def hold():
        with transaction.atomic():
            Case.objects.filter(pk=-1).update(title="x")  # takes the write lock (SQLite) / a transaction (PostgreSQL)
            holding.set()
            assert release.wait(60)
        return "done"

    results = {}
    t = _in_thread(hold, results, "hold")
    try:
        assert holding.wait(60), results.get("hold")
        assert staff.get(f"{API}/cases").status_code == 200
        assert staff.get(f"{API}/people/persons").status_code == 200
        assert t.is_alive()
    finally:
        release.set()
        t.join(60)
    assert results["hold"] == "done"
