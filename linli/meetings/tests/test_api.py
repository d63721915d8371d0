"""The council JSON API over HTTP with bearer tokens: scoped lists, raise, support, vote, result, evaluation; refusals."""

import datetime
import json

import pytest
from django.utils import timezone

from linli.meetings import services
from linli.meetings.models import Ballot, Matter, Support

from .conftest import sc

API = "/api/v1/council"


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def as_(api_as):
    return api_as


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_council_api_from_raise_to_evaluation(world, as_, town):
    services.set_support_threshold(sc(world, "community_staff"), world.a, 2)
    r = post(as_("resident"), f"{API}/matters", {"title": "楼道加装扶手", "what": "老人上楼需要扶手", "level": "building"})
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    assert r.json()["building_id"] == world.buildings["A1"].pk and r.json()["support_count"] == 1
    r = post(as_("resident"), f"{API}/matters", {"title": "", "what": "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "title" and Matter.objects.count() == 1
    assert as_("resident_b").get(f"{API}/matters/{mid}").status_code == 404
    assert as_("resident_b").get(f"{API}/matters").json()["count"] == 0
    assert post(as_("resident_b"), f"{API}/matters/{mid}/support").status_code == 404
    n1, = town.household("A1", "301", "邻居甲")
    r = post(as_(n1.key), f"{API}/matters/{mid}/support")
    assert r.status_code == 200 and r.json()["status"] == "on_agenda"
    r = post(as_(n1.key), f"{API}/matters/{mid}/support")
    assert r.status_code == 409 and Support.objects.count() == 2  # the state of the matter: already supported
    assert r.json()["detail"][0]["field"] == "support" and "already support" in r.json()["detail"][0]["message"]
    assert post(as_(n1.key), f"{API}/matters/{mid}/replies", {"text": "同意"}).status_code == 201
    m = Matter.objects.get()
    vote = services.open_vote(sc(world, "community_staff"), m, level="building", closes_at=timezone.now() + datetime.timedelta(days=1))
    detail = as_("resident").get(f"{API}/matters/{mid}").json()
    assert detail["vote"]["eligible"] == 3 and detail["vote"]["counts"] is None
    agree = [o for o in detail["options"] if not o["rejects"]][0]["id"]
    assert post(as_("resident"), f"{API}/matters/{mid}/ballot", {"option": agree}).status_code == 201
    r = post(as_("resident"), f"{API}/matters/{mid}/ballot", {"option": agree})
    assert r.status_code == 409 and "already voted" in r.json()["detail"][0]["message"] and Ballot.objects.count() == 1
    assert post(as_(n1.key), f"{API}/matters/{mid}/ballot", {"option": agree}).status_code == 201
    services.close_vote(sc(world, "community_staff"), vote, early=True)
    detail = as_(n1.key).get(f"{API}/matters/{mid}").json()
    assert detail["status"] == "decided" and detail["vote"]["passed"] is True and detail["vote"]["counts"] == {str(agree): 2, str(detail["options"][1]["id"]): 0}
    action, = services.plan_actions(sc(world, "community_staff"), m, [{"text": "安装扶手", "owner_org": world.orgs["property"], "due_on": timezone.localdate()}])
    services.report_progress(sc(world, "community_staff"), action, "已安装", 100, done=True)
    r = post(as_(n1.key), f"{API}/matters/{mid}/evaluation", {"rating": 5})
    assert r.status_code == 201 and r.json()["count"] == 1 and r.json()["average"] == 5.0
