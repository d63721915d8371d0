"""The grid-work JSON API with bearer tokens: a phone app patrols, records a hazard, issues a notice and a
re-inspection; refusals answer 422/403/404 and change nothing."""

import datetime

import pytest
from django.utils import timezone

from linli.cases.models import Case
from linli.patrols import sweeps
from linli.patrols.models import Hazard, PatrolStop, RectificationNotice
from linli.testing.api import bearer_client

pytestmark = pytest.mark.django_db
API = "/api/v1/patrols"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def client_for(world, key):
    return bearer_client(world.accounts[key])


def test_patrol_hazard_notice_reinspection_over_the_api(gw):
    c = client_for(gw, "grid_worker")
    r = c.post(f"{API}/patrols", content_type="application/json")
    assert r.status_code == 201, r.content
    patrol = r.json()
    r = c.post(f"{API}/patrols/{patrol['id']}/stops", {"seen": "商铺后门堆放货物", "venue_id": gw.venues["shop_a1"].pk},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["place"] == "航苑小吃店"
    stop_id = r.json()["id"]
    r = c.post(f"{API}/patrols/{patrol['id']}/stops", {"seen": "外网格", "building_id": gw.buildings["A2"].pk}, content_type="application/json")
    assert r.status_code == 404 and "building_id" in r.content.decode() and PatrolStop.objects.count() == 1  # not in their area
    r = c.post(f"{API}/hazards", {"title": "消防通道堵塞", "stop_id": stop_id, "category_code": "fire.passage"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["responsible_name"] == "航苑小吃店"
    hazard_id = r.json()["id"]
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    r = c.post(f"{API}/notices", {"hazard_ids": [hazard_id], "requirements": "清理通道", "deadline": past}, content_type="application/json")
    assert r.status_code == 409 and "Deadline: the date lies in the past." in r.content.decode()  # today-dependent: StateConflict
    assert RectificationNotice.objects.count() == 0
    deadline = timezone.localdate() + datetime.timedelta(days=2)
    r = c.post(f"{API}/notices", {"hazard_ids": [hazard_id], "requirements": "清理通道", "deadline": deadline.isoformat()},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["number"].startswith("ZG")
    assert c.get(f"{API}/reinspections/due").json() == []
    sweeps.reinspections_due(deadline)
    due = c.get(f"{API}/reinspections/due").json()
    assert len(due) == 1
    r = c.post(f"{API}/reinspections/{due[0]['id']}", {"fixed": False, "note": "仍然堵塞"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["outcome"] == "not_fixed"
    case = Case.objects.get()
    assert r.json()["case_number"] == case.number and case.assignee_org == gw.orgs["fire"]
    hazards = c.get(f"{API}/hazards?status=escalated").json()
    assert [h["case_number"] for h in hazards["items"]] == [case.number]
    # another community's staff sees none of it
    other = client_for(gw, "other_community_staff")
    assert other.post(f"{API}/reinspections/{due[0]['id']}", {"fixed": True}, content_type="application/json").status_code == 404
    assert Hazard.objects.get(pk=hazard_id).status == Hazard.Status.ESCALATED


def test_a_leaders_points_for_them_their_staff_and_their_grid_worker_only(gw):
    from linli.patrols import services
    from linli.patrols.models import DutyItem
    from linli.people.scopes import resolve

    services.seed_point_rules(gw.a, datetime.date(2020, 1, 1))
    services.generate_duties(gw.a, timezone.localdate())
    leader = gw.persons["building_leader"]
    item = DutyItem.objects.filter(leader=leader).first()
    services.complete_duty(resolve(gw.accounts["building_leader"]), item, "收集了意见")  # on time: +2
    url = f"{API}/leaders/{leader.pk}/points"
    for key in ("building_leader", "community_staff", "grid_worker"):
        r = client_for(gw, key).get(url)
        assert r.status_code == 200, (key, r.content)
        assert r.json() == {"person": "孙楼长", "points": 2}, key
    for key in ("other_community_staff", "resident"):
        assert client_for(gw, key).get(url).status_code == 404, key
    # someone who is no building leader at all, and an id that does not exist
    assert client_for(gw, "community_staff").get(f"{API}/leaders/{gw.persons['a3'].pk}/points").status_code == 404
    r = client_for(gw, "community_staff").get(f"{API}/leaders/999999/points")
    assert r.status_code == 404 and "person_id" in r.content.decode()


def test_the_router_is_in_the_openapi_schema(client, db):  # the schema lists category codes from the database
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/patrols/hazards" in paths and "/api/v1/patrols/reinspections/{reinspection_id}" in paths


def test_record_a_care_visit_with_a_care_request_over_the_api(gw):
    from linli.patrols import services
    from linli.patrols.models import CareVisit
    from linli.volunteers.models import Wish

    services.seed_visit_rules(gw.a)
    services.generate_visits(gw.a, timezone.localdate())
    visit = CareVisit.objects.filter(person=gw.persons["a2"], done_at__isnull=True).get()
    c = client_for(gw, "grid_worker")
    due = [v["id"] for v in c.get(f"{API}/visits").json()["items"]]
    assert visit.pk in due
    # refusals name the field and record nothing
    r = c.post(f"{API}/visits/{visit.pk}", {"method": "door", "situation": "独自在家", "care": "wish", "needs": "轮"},
               content_type="application/json")
    assert r.status_code == 422 and "needs" in r.content.decode()
    r = c.post(f"{API}/visits/{visit.pk}", {"method": "door", "situation": "独自在家", "care": "order", "needs": "需要助餐服务",
                                             "menu_item_id": 999999}, content_type="application/json")
    assert r.status_code == 404 and "menu_item_id" in r.content.decode()
    r = c.post(f"{API}/visits/{visit.pk}", {"method": "carrier pigeon", "situation": "独自在家"}, content_type="application/json")
    assert r.status_code == 422 and "method" in r.content.decode()
    visit.refresh_from_db()
    assert visit.done_at is None and Wish.objects.count() == 0
    # someone of another community cannot even see the visit
    other = client_for(gw, "other_community_staff")
    r = other.post(f"{API}/visits/{visit.pk}", {"method": "door", "situation": "独自在家"}, content_type="application/json")
    assert r.status_code == 404
    # the visit with a need turned into a micro-wish for the person
    r = c.post(f"{API}/visits/{visit.pk}", {"method": "phone", "situation": "腿脚不便", "care": "wish",
                                             "needs": "想要一个带扶手的淋浴凳"}, content_type="application/json")
    assert r.status_code == 200, r.content
    body = r.json()
    wish = Wish.objects.get()
    assert body["method"] == "phone" and body["done_at"] and body["wish_id"] == wish.pk and body["case_number"] is None
    assert wish.person_id == gw.persons["a2"].pk and wish.text == "想要一个带扶手的淋浴凳"
    assert visit.pk not in [v["id"] for v in c.get(f"{API}/visits").json()["items"]]
