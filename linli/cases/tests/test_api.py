"""The cases JSON API over real HTTP with bearer tokens: scope of lists and details, intake by role,
the handling steps, 404 alike for hidden and missing, 403 for not allowed, 409 for stale, 422 naming
the field."""

import json

import pytest
from django.test import Client

from linli.cases import services
from linli.cases.models import Case, CaseEvent
from linli.people.scopes import system

API = "/api/v1/cases"
A1_POINT = {"lat": 40.0815, "lng": 113.3015}  # grid A1, outside the micro-grid
A2_POINT = {"lat": 40.0811, "lng": 113.3031}  # grid A2


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_(api_as, cats):
    return api_as


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def numbers(response):
    return sorted(i["number"] for i in ok(response)["items"])


def fields(response):
    assert response.status_code == 422, response.content
    return {d["field"]: d["message"] for d in response.json()["detail"]}


def report(client, **data):
    return ok(post(client, API, {"description": "楼上卫生间渗水到我家厨房", "category": "home.leak", **data}), 201)


@pytest.fixture
def cases(world, as_):
    """Resident a1's leak at home (grid A1 / micro A1m), a patrol case in A2, resident_b's case in community B."""
    mine = report(as_("resident"), dwelling=world.dwellings["A1-101"].pk)
    a2 = services.submit(system(), source="hotline", description="二号楼门口污水外溢", category="env.sewage", **A2_POINT)
    b = report(as_("resident_b"), dwelling=world.dwellings["B1-101"].pk, description="东风园楼顶漏水")
    return {"mine": mine, "a2": Case.objects.get(pk=a2.pk), "b": b}


# ---------------------------------------------------------------------------- intake
def test_resident_reports_for_their_home(as_, world):
    body = report(as_("resident"), dwelling=world.dwellings["A1-101"].pk)
    case = Case.objects.get(pk=body["id"])
    assert case.source == "resident" and case.reporter == world.accounts["resident"]
    assert body["state"] == "assigned" and body["category"] == "home.leak" and body["mine"] is True
    assert body["grid_name"] == "第一网格" and body["version"] == case.version
    assert [e["action"] for e in body["timeline"]] == ["submit", "assign"]


@pytest.mark.parametrize("role, data", [("resident", {"dwelling": "A1-101"}), ("community_staff", {**A2_POINT, "reporter_phone": "13800000004", "reporter_name": "刘芳"})])
def test_the_201_reply_is_what_ninja_renders_from_the_schema_and_what_a_read_gives_back(as_, world, role, data):
    """The intake's reply is built without pydantic (core.api_replies): it must be the published CaseDetail shape,
    byte for byte the JSON ninja renders from the same object, and the same as the case read back."""
    from ninja.responses import NinjaJSONEncoder

    from linli.cases import api
    from linli.cases.schemas import CaseDetail
    from linli.people.scopes import resolve

    if "dwelling" in data:
        data = dict(data, dwelling=world.dwellings[data["dwelling"]].pk)
    client = as_(role)
    response = post(client, API, {"description": "楼上卫生间渗水到我家厨房", "category": "home.leak", **data})
    body = ok(response, 201)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert list(body) == list(CaseDetail.model_fields)  # every published field, in the published order
    scope = resolve(world.accounts[role])
    again = api._detail(scope, body["id"])  # the case read back, with its timeline, as the GET handler gives it to ninja
    rendered = json.loads(json.dumps(CaseDetail.model_validate(again).model_dump(), cls=NinjaJSONEncoder))
    assert body == rendered
    assert body == ok(client.get(f"{API}/{body['id']}"))
    assert body["timeline"][0]["action_label"] and body["state_label"] and body["assignee"] is not None


@pytest.mark.parametrize("role, data, source", [
    ("grid_worker", A1_POINT, "patrol"),
    ("building_leader", {"dwelling": "A1-201", "reporter_name": "张伟"}, "building_leader"),
    ("community_staff", {**A2_POINT, "reporter_phone": "13800000004", "reporter_name": "刘芳"}, "hotline"),
    ("admin", A2_POINT, "hotline"),
])
def test_source_follows_the_role(as_, world, role, data, source):
    if "dwelling" in data:
        data = dict(data, dwelling=world.dwellings[data["dwelling"]].pk)
    body = report(as_(role), **data)
    case = Case.objects.get(pk=body["id"])
    assert case.source == source
    if source == "hotline" and role == "community_staff":
        assert case.reporter_person == world.persons["a3"]  # the caller's phone matched the resident
        assert body["reporter_phone_masked"] == "138****0004"


def test_resident_cannot_claim_another_source(as_, world):
    # Who the caller is decides: a source their roles do not give is a permission matter (403), an
    # unknown source bad input (422, the schema lists the sources).
    before = Case.objects.count()
    r = post(as_("resident"), API, {"description": "巡查发现楼道堆物", "source": "patrol", **A1_POINT})
    assert r.status_code == 403, r.content
    assert "patrol" in r.json()["detail"]
    assert "source" in fields(post(as_("resident"), API, {"description": "巡查发现楼道堆物", "source": "pigeon", **A1_POINT}))
    assert Case.objects.count() == before


@pytest.mark.parametrize("data, field", [
    ({"description": ""}, "description"),
    ({"description": "漏"}, "description"),
    ({"category": "no.such"}, "category"),
    ({"lat": None, "lng": None}, "location"),
    ({"lat": "north"}, "lat"),
])
def test_bad_input_names_the_field_and_stores_nothing(as_, data, field):
    before = Case.objects.count(), CaseEvent.objects.count()
    payload = {"description": "楼道里堆满了纸箱", "category": "home.leak", **A1_POINT, **data}
    assert field in fields(post(as_("grid_worker"), API, payload))
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_point_outside_every_grid_is_409_naming_the_location(as_):
    # well formed (the schema's ranges), but the map holds no grid there: the system's state, not the input
    before = Case.objects.count(), CaseEvent.objects.count()
    r = post(as_("grid_worker"), API, {"description": "楼道里堆满了纸箱", "category": "home.leak", "lat": 39.9, "lng": 113.1})
    assert r.status_code == 409, r.content
    assert [d["field"] for d in r.json()["detail"]] == ["location"]
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_patrol_outside_own_grid_is_403(as_):
    before = Case.objects.count()
    r = post(as_("grid_worker"), API, {"description": "二号楼门口污水外溢", **A2_POINT})
    assert r.status_code == 403
    assert Case.objects.count() == before


def test_someone_elses_dwelling_is_404_field(as_, world):
    r = post(as_("resident"), API, {"description": "邻居家漏水", "dwelling": world.dwellings["B1-101"].pk})
    assert r.status_code == 404 and r.json()["field"] == "dwelling"


def test_anonymous_is_401(cats):
    assert Client().get(API).status_code == 401


# ---------------------------------------------------------------------------- scope
def test_resident_sees_only_their_own(as_, cases):
    assert numbers(as_("resident").get(API)) == [cases["mine"]["number"]]
    assert numbers(as_("resident_b").get(API)) == [cases["b"]["number"]]


def test_grid_worker_sees_their_grid(as_, cases):
    assert numbers(as_("grid_worker").get(API)) == [cases["mine"]["number"]]
    assert numbers(as_("micro_grid_worker").get(API)) == [cases["mine"]["number"]]
    assert sorted(numbers(as_("community_staff").get(API))) == sorted([cases["mine"]["number"], cases["a2"].number])
    assert numbers(as_("other_community_staff").get(API)) == [cases["b"]["number"]]
    assert len(numbers(as_("admin").get(API))) == 3


def test_outsider_gets_the_same_404_as_missing(as_, cases):
    outsider = as_("other_community_staff")
    hidden = outsider.get(f"{API}/{cases['mine']['id']}")
    missing = outsider.get(f"{API}/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert as_("resident_b").get(f"{API}/{cases['mine']['id']}").status_code == 404
    assert post(outsider, f"{API}/{cases['mine']['id']}/accept").status_code == 404


def test_filters(as_, cases):
    staff = as_("community_staff")
    assert numbers(staff.get(API, {"category": "env.sewage"})) == [cases["a2"].number]
    assert numbers(staff.get(API, {"category": "env"})) == [cases["a2"].number]
    assert numbers(staff.get(API, {"grid": cases["a2"].grid_id})) == [cases["a2"].number]
    assert numbers(staff.get(API, {"q": "卫生间"})) == [cases["mine"]["number"]]
    assert numbers(staff.get(API, {"state": "assigned,accepted"})) == sorted([cases["mine"]["number"], cases["a2"].number])
    assert numbers(staff.get(API, {"state": "closed"})) == []
    assert "state" in fields(staff.get(API, {"state": "sleeping"}))


def test_department_sees_cases_assigned_to_it(as_, cases, world):
    case = cases["a2"]
    services.transfer(system(), case, to_org=world.orgs["urban"], note="管道属城管")
    assert numbers(as_("urban_contact").get(API)) == [case.number]
    assert numbers(as_("department_contact").get(API)) == []


# ---------------------------------------------------------------------------- handling
def test_stale_accept_is_409(as_, cases):
    case_id = cases["mine"]["id"]
    first = ok(post(as_("micro_grid_worker"), f"{API}/{case_id}/accept", {"note": "马上到"}))
    assert first["state"] == "accepted" and first["assignee"] == "钱微格"
    second = post(as_("grid_worker"), f"{API}/{case_id}/accept", {})
    assert second.status_code == 409 and "someone else" in second.json()["detail"]
    assert CaseEvent.objects.filter(case_id=case_id, action="accept").count() == 1


def test_stale_version_is_409(as_, cases):
    case_id = cases["mine"]["id"]
    version = cases["mine"]["version"]
    ok(post(as_("grid_worker"), f"{API}/{case_id}/notes", {"note": "已联系楼上住户", "version": version}), 201)
    r = post(as_("grid_worker"), f"{API}/{case_id}/accept", {"version": version})
    assert r.status_code == 409
    assert Case.objects.get(pk=case_id).state == "assigned"


def test_full_loop_and_reporter_timeline(as_, cases):
    case_id = cases["mine"]["id"]
    worker, resident = as_("grid_worker"), as_("resident")
    ok(post(worker, f"{API}/{case_id}/accept", {}))
    ok(post(worker, f"{API}/{case_id}/notes", {"note": "内部：楼上住户不配合", "public": False}), 201)
    ok(post(worker, f"{API}/{case_id}/notes", {"note": "明天上门维修"}), 201)
    assert "result" in fields(post(worker, f"{API}/{case_id}/resolve", {"result": ""}))
    resolved = ok(post(worker, f"{API}/{case_id}/resolve", {"result": "更换了防水层"}))
    assert resolved["state"] == "resolved"
    # the reporter sees the public rows only; the worker sees all
    own = ok(resident.get(f"{API}/{case_id}"))
    notes = [e["note"] for e in own["timeline"]]
    assert "明天上门维修" in notes and "内部：楼上住户不配合" not in notes
    assert "内部：楼上住户不配合" in [e["note"] for e in ok(worker.get(f"{API}/{case_id}"))["timeline"]]
    # only the reporter rates
    assert post(worker, f"{API}/{case_id}/rate", {"verdict": "satisfied"}).status_code == 403
    assert "verdict" in fields(post(resident, f"{API}/{case_id}/rate", {"verdict": "great"}))
    assert "comment" in fields(post(resident, f"{API}/{case_id}/rate", {"verdict": "unsatisfied"}))
    closed = ok(post(resident, f"{API}/{case_id}/rate", {"verdict": "satisfied", "comment": "谢谢"}))
    assert closed["state"] == "closed" and closed["verdict"] == "satisfied"
    assert post(resident, f"{API}/{case_id}/rate", {"verdict": "satisfied"}).status_code in (409, 422)


def test_reporter_may_not_handle(as_, cases):
    r = post(as_("resident"), f"{API}/{cases['mine']['id']}/accept", {})
    assert r.status_code == 403
    assert Case.objects.get(pk=cases["mine"]["id"]).state == "assigned"


def test_escalate(as_, cases):
    case_id = cases["mine"]["id"]
    assert "note" in fields(post(as_("grid_worker"), f"{API}/{case_id}/escalate", {"note": ""}))
    up = ok(post(as_("grid_worker"), f"{API}/{case_id}/escalate", {"note": "需要社区协调"}))
    assert up["tier"] == "community" and up["assignee"] == "郑干事"
    # the grid worker still reads it (their grid) but no longer handles it
    assert post(as_("grid_worker"), f"{API}/{case_id}/accept", {}).status_code == 403
    assert "to_tier" in fields(post(as_("community_staff"), f"{API}/{case_id}/escalate", {"note": "x", "to_tier": "grid"}))
    sent = ok(post(as_("community_staff"), f"{API}/{case_id}/escalate", {"note": "需要住建部门", "to_tier": "department"}))
    assert sent["tier"] in ("department", "community")  # no housing department in this world: it stays with the dispatcher


def test_no_phone_in_clear(as_, cases, world):
    body = report(as_("community_staff"), reporter_phone="13800000004", reporter_name="刘芳", **A2_POINT)
    for r in (as_("community_staff").get(f"{API}/{body['id']}"), as_("community_staff").get(API)):
        assert "13800000004" not in r.content.decode()
