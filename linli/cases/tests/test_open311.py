"""Open311 GeoReport v2 over real HTTP: every endpoint in JSON and XML, every error in the spec's
format with nothing stored, and no personal data in any output.

The last test is the "new user with a generic HTTP client" walk: a live server, urllib.request
and xml.etree only.
"""

import datetime
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from linli.cases import open311, services
from linli.cases.models import Case, CaseEvent, Open311Client
from linli.cases.open311 import create_client, hash_key
from linli.people.scopes import resolve, system

BASE = "/open311/v2"
INSIDE = {"lat": "40.0815", "long": "113.3015"}  # grid A1, outside its micro-grid
OUTSIDE = {"lat": "39.9000", "long": "113.1000"}  # no grid there


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def key(cats):
    _, secret = create_client("city app")
    return secret


@pytest.fixture
def http():
    return Client()


def post(http, fmt="json", **data):
    return http.post(f"{BASE}/requests.{fmt}", data)


def counts():
    return Case.objects.count(), CaseEvent.objects.count()


def xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)


def error_of(response, status, fmt="json"):
    assert response.status_code == status, response.content
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        errors = root.findall("error")
        assert len(errors) == 1
        assert errors[0].findtext("code") == str(status)
        return errors[0].findtext("description")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}, body
    assert body[0]["code"] == status
    return body[0]["description"]


def valid(key, **over):
    data = {"api_key": key, "service_code": "home.leak", "description": "楼上卫生间渗水到我家厨房",
            "first_name": "秀兰", "last_name": "李", "phone": "13800000002", "email": "li@example.org", **INSIDE}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------------------- services
def test_service_list_json(http, cats):
    cats["clutter"].active = False
    cats["clutter"].save()
    r = http.get(f"{BASE}/services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    services_ = {s["service_code"]: s for s in r.json()}
    assert {"home.leak", "env.sewage", "home.family"} <= set(services_)  # leaves only, active only
    assert not {"env.clutter", "home", "env"} & set(services_)
    leak = services_["home.leak"]
    assert leak == {"service_code": "home.leak", "service_name": "渗水漏水", "description": "居家 / 渗水漏水",
                    "metadata": False, "type": "realtime", "keywords": "楼上渗水,房顶漏水", "group": "居家"}


def test_service_list_xml(http, cats):
    root = xml(http.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    rows = {s.findtext("service_code"): s for s in root.findall("service")}
    assert {"home.leak", "env.clutter", "env.sewage", "home.family"} <= set(rows)
    assert rows["env.sewage"].findtext("group") == "环境"
    assert rows["env.sewage"].findtext("metadata") == "false"
    assert rows["env.sewage"].findtext("type") == "realtime"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(http, cats, fmt):
    r = http.get(f"{BASE}/services/home.leak.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        assert r.json() == {"service_code": "home.leak", "attributes": []}
    else:
        root = xml(r)
        assert root.tag == "service_definition"
        assert root.findtext("service_code") == "home.leak"
        assert list(root.find("attributes")) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["nope", "home"])  # unknown, and a group (not a service)
def test_service_definition_unknown(http, cats, fmt, code):
    assert error_of(http.get(f"{BASE}/services/{code}.{fmt}"), 404, fmt).startswith("service_code")


def test_unknown_format_is_404(http, cats):
    assert http.get(f"{BASE}/services.csv").status_code == 404


# ---------------------------------------------------------------------------- create
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_creates_a_case(http, key, fmt):
    before = counts()
    r = post(http, fmt, **valid(key, media_url="https://example.org/p/1.jpg", **{"attribute[floor]": "3"}))
    assert r.status_code == 201, r.content
    if fmt == "json":
        [row] = r.json()
        assert set(row) == {"service_request_id", "token", "service_notice", "account_id"}
        assert row["account_id"] is None
        number, token = row["service_request_id"], row["token"]
    else:
        root = xml(r)
        assert root.tag == "service_requests"
        [req] = root.findall("request")
        number, token = req.findtext("service_request_id"), req.findtext("token")
    case = Case.objects.get(number=number)
    assert case.open311_token == token and len(token) == 24
    assert case.source == Case.Source.OPEN311
    assert case.open311_client.name == "city app"
    assert case.category.code == "home.leak" and case.state == Case.State.ASSIGNED
    assert case.grid.name == "第一网格"
    assert case.reporter_name == "秀兰 李" and case.reporter_phone == "13800000002"
    assert case.reporter_person.name == "李秀兰"  # the phone matched a registered resident
    assert "https://example.org/p/1.jpg" in case.description
    assert counts()[0] == before[0] + 1


def test_post_accepts_json_body_and_jurisdiction(http, key):
    r = http.post(f"{BASE}/requests.json", json.dumps(valid(key, jurisdiction_id="linli")), content_type="application/json")
    assert r.status_code == 201, r.content


def test_post_with_key_in_query_string(http, key):
    data = valid(key)
    data.pop("api_key")
    r = http.post(f"{BASE}/requests.json?api_key={urllib.parse.quote(key)}", data)
    assert r.status_code == 201, r.content


BAD = [
    ("missing service_code", {"service_code": None}, 400, "service_code"),
    ("unknown service_code", {"service_code": "no.such"}, 404, "service_code"),
    ("group as service_code", {"service_code": "home"}, 404, "service_code"),
    ("no lat/long, address only", {"lat": None, "long": None, "address_string": "柳航里5号楼"}, 400, "lat/long"),
    ("lat not a number", {"lat": "north"}, 400, "lat/long"),
    ("lat out of range", {"lat": "91"}, 400, "lat/long"),
    ("lat nan", {"lat": "nan"}, 400, "lat/long"),
    ("point outside every grid", OUTSIDE, 400, "lat/long"),
    ("empty description", {"description": "   "}, 400, "description"),
    ("too short description", {"description": "漏"}, 400, "description"),
    ("bad phone", {"phone": "12345"}, 400, "phone"),
    ("bad email", {"email": "not-an-email"}, 400, "email"),
    ("bad media_url", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ("other jurisdiction", {"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("label, change, status, field", BAD, ids=[b[0] for b in BAD])
def test_malformed_payload_stores_nothing(http, key, fmt, label, change, status, field):
    before = counts()
    description = error_of(post(http, fmt, **valid(key, **change)), status, fmt)
    assert description.startswith(field + ":"), description
    assert counts() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_missing_or_revoked_key_is_403(http, key, fmt):
    before = counts()
    assert "api_key" in error_of(post(http, fmt, **valid("o311_guessed")), 403, fmt)
    assert "api_key" in error_of(post(http, fmt, **valid(None)), 403, fmt)
    Open311Client.objects.update(active=False)
    assert "api_key" in error_of(post(http, fmt, **valid(key)), 403, fmt)
    assert counts() == before


def test_bad_json_body_is_400(http, key):
    before = counts()
    assert error_of(http.post(f"{BASE}/requests.json", b"{not json", content_type="application/json"), 400).startswith("Body")
    assert error_of(http.post(f"{BASE}/requests.json", b"[1]", content_type="application/json"), 400).startswith("Body")
    assert counts() == before


def test_wrong_method_is_405(http, cats):
    r = http.post(f"{BASE}/services.json", {})
    assert error_of(r, 405) and r["Allow"] == "GET"
    assert http.delete(f"{BASE}/requests.json").status_code == 405


def test_internal_error_leaks_no_trace(http, key, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("secret stack detail /srv/linli")

    monkeypatch.setattr(services, "submit", boom)
    r = post(http, "xml", **valid(key))
    description = error_of(r, 500, "xml")
    assert "secret" not in r.content.decode() and "Traceback" not in r.content.decode()
    assert description


def test_csrf_is_not_required_for_programs(key):
    r = Client(enforce_csrf_checks=True).post(f"{BASE}/requests.json", valid(key))
    assert r.status_code == 201


# ---------------------------------------------------------------------------- reads
@pytest.fixture
def filed(world, cats, key):
    """Three cases: open leak (open311), closed sewage (hotline), private family matter (resident)."""
    http = Client()
    leak = Case.objects.get(number=post(http, **valid(key, description="楼上渗水 联系我 13800000002 谢谢")).json()[0]["service_request_id"])
    sewage = services.submit(system(), source="hotline", description="菜市场污水外溢到路面", category="env.sewage",
                             lat=40.0812, lng=113.3031, reporter_name="刘芳", reporter_phone="13800000004")
    Case.objects.filter(pk=sewage.pk).update(state=Case.State.CLOSED, result="疏通管道 已回访", closed_at=timezone.now())
    family = services.submit(resolve(world.accounts["resident"]), source="resident", description="家里老人和儿子吵架需要调解",
                             category="home.family", dwelling=world.dwellings["A1-101"])
    old = services.submit(system(), source="hotline", description="去年的房顶漏水问题", category="home.leak", lat=40.0811, lng=113.3011)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=120))
    return {"leak": leak, "sewage": Case.objects.get(pk=sewage.pk), "family": family, "old": old}


def numbers(response):
    assert response.status_code == 200, response.content
    return {r["service_request_id"] for r in response.json()}


def test_get_requests_default_last_90_days(http, filed):
    rows = {r["service_request_id"]: r for r in http.get(f"{BASE}/requests.json").json()}
    assert set(rows) == {filed[k].number for k in ("leak", "sewage", "family")}
    leak = rows[filed["leak"].number]
    assert leak["status"] == "open" and leak["service_code"] == "home.leak" and leak["service_name"] == "渗水漏水"
    assert leak["lat"] == round(40.0815, 3) and leak["long"] == round(113.3015, 3)
    assert leak["address"] == "柳航里社区 第一网格"
    assert leak["expected_datetime"] and leak["requested_datetime"] and leak["updated_datetime"]
    assert datetime.datetime.fromisoformat(leak["requested_datetime"]).tzinfo is not None
    assert "13800000002" not in leak["description"] and "楼上渗水" in leak["description"]
    sewage = rows[filed["sewage"].number]
    assert sewage["status"] == "closed" and "疏通管道" in sewage["status_notes"]
    family = rows[filed["family"].number]
    assert family["description"] == "" and family["status"] == "open"  # outcomes not public


def test_filters(http, filed):
    n = {k: c.number for k, c in filed.items()}
    assert numbers(http.get(f"{BASE}/requests.json", {"status": "closed"})) == {n["sewage"]}
    assert numbers(http.get(f"{BASE}/requests.json", {"status": "open"})) == {n["leak"], n["family"]}
    assert numbers(http.get(f"{BASE}/requests.json", {"status": "open,closed"})) == {n["leak"], n["family"], n["sewage"]}
    assert numbers(http.get(f"{BASE}/requests.json", {"service_code": "env.sewage,home.family"})) == {n["sewage"], n["family"]}
    # service_request_id overrides every other filter, old cases included
    assert numbers(http.get(f"{BASE}/requests.json", {"service_request_id": f"{n['old']},{n['leak']}", "status": "closed"})) == {n["old"], n["leak"]}
    start = (timezone.now() - datetime.timedelta(days=200)).isoformat()
    end = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    assert numbers(http.get(f"{BASE}/requests.json", {"start_date": start, "end_date": end})) == {n["old"]}
    assert numbers(http.get(f"{BASE}/requests.json", {"start_date": start})) == set(n.values())
    day = (timezone.localdate() - datetime.timedelta(days=130)).isoformat()
    assert n["old"] in numbers(http.get(f"{BASE}/requests.json", {"start_date": day}))


@pytest.mark.parametrize("params, field", [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45"}, "end_date"),
    ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
    ({"status": "pending"}, "status"),
    ({"service_code": "no.such"}, "service_code"),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400(http, filed, params, field, fmt):
    assert error_of(http.get(f"{BASE}/requests.{fmt}", params), 400, fmt).startswith(field)


# ---------------------------------------------------------------------------- published limits
POST_LIMITS = [name for name in open311.LIMITS if name not in ("service_request_id", "start_date", "end_date", "status", "token")]


@pytest.mark.parametrize("name", POST_LIMITS)
def test_oversized_parameter_is_400_naming_it_before_any_other_work(http, key, name):
    limit = open311.LIMITS[name]
    before = counts()
    for fmt in ("json", "xml"):
        # one character over the published limit: refused, naming the parameter, nothing stored
        assert error_of(post(http, fmt, **valid(key, **{name: "1" * (limit + 1)})), 400, fmt).startswith(name + ":")
    # checked before the key: a wrong key with an oversized value is still the 400 of the value
    assert error_of(post(http, **valid("o311_guessed", **{name: "x" * (limit + 1)})), 400).startswith(name + ":")
    r = http.post(f"{BASE}/requests.json", json.dumps(valid(key, **{name: "x" * 100_000})), content_type="application/json")
    assert error_of(r, 400).startswith(name + ":")
    assert counts() == before


def test_values_at_the_published_limits_are_accepted(http, key):
    limits = open311.LIMITS
    data = valid(key, description="楼上卫生间渗水" + "漏" * (limits["description"] - 7), first_name="秀" * limits["first_name"],
                 last_name="李" * limits["last_name"], address_string="柳" * limits["address_string"],
                 media_url="https://example.org/" + "p" * (limits["media_url"] - 20), device_id="d" * limits["device_id"])
    r = post(http, **data)
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()[0]["service_request_id"])
    assert len(case.reporter_name) == 100 and case.description.endswith("p" * 100) and len(case.description) <= 4000


def test_too_many_or_oversized_other_parameters_are_400(http, key):
    before = counts()
    many = valid(key, **{f"attribute[a{i}]": "1" for i in range(open311.PARAMS_MAX)})
    assert error_of(post(http, **many), 400).startswith("Too many parameters")
    big = valid(key, **{"attribute[color]": "x" * (open311.OTHER_MAX + 1)})
    assert error_of(post(http, **big), 400).startswith("attribute[color]:")
    assert counts() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_oversized_read_parameters_are_400(http, filed, fmt):
    assert error_of(http.get(f"{BASE}/requests.{fmt}", {"service_request_id": "1," * 10_001}), 400, fmt).startswith("service_request_id:")
    assert error_of(http.get(f"{BASE}/requests.{fmt}", {"service_code": "a," * 1001}), 400, fmt).startswith("service_code:")
    assert error_of(http.get(f"{BASE}/requests.{fmt}", {"start_date": "2" * 41}), 400, fmt).startswith("start_date:")
    assert error_of(http.get(f"{BASE}/tokens/{'t' * 41}.{fmt}"), 400, fmt).startswith("token:")
    assert error_of(http.get(f"{BASE}/services/{'s' * 65}.{fmt}"), 400, fmt).startswith("service_code:")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_publishes_the_limits(http, db, fmt):
    r = http.get(f"{BASE}/discovery.{fmt}")
    if fmt == "json":
        rows = r.json()["limits"]
    else:
        rows = [{c.tag: (int(c.text) if c.text.isdigit() else c.text) for c in el} for el in xml(r).findall("limits/limit")]
    published = {row["parameter"]: row.get("max_length") for row in rows}
    assert all(published[name] == n for name, n in open311.LIMITS.items())
    assert published["*"] == open311.OTHER_MAX and {"parameter": "parameters", "max_count": open311.PARAMS_MAX} in rows


def test_get_requests_xml(http, filed):
    root = xml(http.get(f"{BASE}/requests.xml", {"status": "closed"}))
    assert root.tag == "service_requests"
    [req] = root.findall("request")
    assert req.findtext("service_request_id") == filed["sewage"].number
    assert req.findtext("status") == "closed"
    assert float(req.findtext("lat")) == round(40.0812, 3)
    assert req.findtext("agency_responsible")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request_and_token(http, filed, fmt):
    leak = filed["leak"]
    r = http.get(f"{BASE}/requests/{leak.number}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        [row] = r.json()
        assert row["service_request_id"] == leak.number
    else:
        assert xml(r).find("request").findtext("service_request_id") == leak.number
    r = http.get(f"{BASE}/tokens/{leak.open311_token}.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        assert r.json() == [{"service_request_id": leak.number, "token": leak.open311_token}]
    else:
        assert xml(r).find("request").findtext("service_request_id") == leak.number
    assert "request" in error_of(http.get(f"{BASE}/requests/20000101-9999.{fmt}"), 404, fmt)
    assert error_of(http.get(f"{BASE}/tokens/deadbeef.{fmt}"), 404, fmt).startswith("token")
    assert error_of(http.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "x"}), 404, fmt).startswith("jurisdiction_id")


def test_no_personal_data_in_any_output(http, filed, world):
    outputs = []
    for fmt in ("json", "xml"):
        outputs.append(http.get(f"{BASE}/requests.{fmt}", {"start_date": "2000-01-01"}).content.decode())
        for case in filed.values():
            outputs.append(http.get(f"{BASE}/requests/{case.number}.{fmt}").content.decode())
    text = "\n".join(outputs)
    for secret in ("13800000002", "13800000004", "秀兰", "刘芳", "王建国", "li@example.org", "1单元", "1号楼",
                   "家里老人", "example.org/p"):
        assert secret not in text, secret
    assert "40.0815" not in text and "113.3015" not in text


def test_merged_case_is_closed(http, filed, world):
    s = system()
    services.merge(s, filed["leak"], services.submit(s, source="hotline", description="同一处渗水又报一次", category="home.leak",
                                                     lat=40.0813, lng=113.3013))
    [row] = http.get(f"{BASE}/requests/{filed['leak'].number}.json").json()
    assert row["status"] == "closed"


# ---------------------------------------------------------------------------- discovery and the command
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(http, db, fmt):
    r = http.get(f"{BASE}/discovery.{fmt}")
    assert r.status_code == 200
    if fmt == "json":
        [ep] = r.json()["endpoints"]
        assert ep["url"] == "http://testserver/open311/v2/" and "application/json" in ep["formats"]
    else:
        assert xml(r).find("endpoints/endpoint/url").text == "http://testserver/open311/v2/"


def test_command_prints_key_once_and_stores_hash(world, cats):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_client", "报事小程序", "--account", "community_staff", stdout=out, stderr=err)
    key_ = out.getvalue().strip()
    client = Open311Client.objects.get(name="报事小程序")
    assert client.key_hash == hash_key(key_) and key_ not in client.key_hash
    assert client.account.username == "community_staff" and client.active
    r = post(Client(), **valid(key_))
    assert r.status_code == 201
    with pytest.raises(Exception):
        call_command("open311_client", "x", "--account", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


# ---------------------------------------------------------------------------- a new user with urllib
def test_generic_client_walk(live_server, cats):
    _, api_key = create_client("walker")
    base = live_server.url + "/open311/v2/"

    def get(path):
        with urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept-Language": "en"}), timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()

    status, ctype, body = get("discovery.json")
    endpoint = json.loads(body)["endpoints"][0]
    assert endpoint["url"] == base and status == 200
    status, ctype, body = get("services.xml")
    codes = [s.findtext("service_code") for s in ET.fromstring(body).iter("service")]
    assert "home.leak" in codes and ctype.startswith("text/xml")
    form = urllib.parse.urlencode({"api_key": api_key, "service_code": "home.leak", "lat": "40.0815", "long": "113.3015",
                                   "description": "Water leaking through the ceiling", "first_name": "Li"}).encode()
    req = urllib.request.Request(base + "requests.json", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201
        [created] = json.loads(r.read())
    status, _, body = get(f"tokens/{created['token']}.xml")
    number = ET.fromstring(body).find("request").findtext("service_request_id")
    assert number == created["service_request_id"]
    status, _, body = get(f"requests/{number}.json")
    [row] = json.loads(body)
    assert row["status"] == "open" and row["service_code"] == "home.leak" and "Li" not in json.dumps(row)
    # errors come back in the spec's format with the HTTP status
    bad = urllib.request.Request(base + "requests.xml", data=urllib.parse.urlencode({"api_key": "wrong"}).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(bad, timeout=10)
    assert exc.value.code == 403
    assert ET.fromstring(exc.value.read()).find("error/code").text == "403"
