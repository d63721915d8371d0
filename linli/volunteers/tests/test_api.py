"""The volunteers JSON API over HTTP with bearer tokens."""

import json

import pytest
from django.test import Client

from linli.testing.api import bearer_client
from linli.volunteers import services
from linli.volunteers.models import Posting, Redemption, SignUp

from .conftest import activity, fund, sc

API = "/api/v1/volunteers"


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


def client(world, key):
    return bearer_client(world.accounts[key])


def post(c, url, data=None):
    return c.post(url, json.dumps(data or {}), content_type="application/json")


def test_me_sign_up_check_in_and_redeem(world, vol):
    c = client(world, "resident")
    assert c.get(f"{API}/me").json() == {"volunteer": vol.pk, "status": "approved", "community": world.a.pk, "balance": 0, "hours": 0.0}
    act = activity(world)
    assert [a["id"] for a in c.get(f"{API}/activities").json()] == [act.pk]
    r = post(c, f"{API}/activities/{act.pk}/signup")
    assert r.status_code == 201 and r.json()["status"] == "confirmed"
    r = post(c, f"{API}/activities/{act.pk}/checkin", {"code": "12345x"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "code"
    assert SignUp.objects.get().checked_in_at is None
    assert post(c, f"{API}/activities/{act.pk}/checkin", {"code": services.code_at(act)}).json()["checked_in_at"]
    assert post(c, f"{API}/activities/{act.pk}/checkout", {"code": services.code_at(act)}).json()["checked_out_at"]
    fund(world, vol, 25, key="k")
    item = services.add_item(sc(world, "community_staff"), world.a, name="毛巾", price=10, stock=5)
    assert c.get(f"{API}/shop/items").json() == [{"id": item.pk, "name": "毛巾", "kind": "goods", "price": 10, "stock": 5}]
    r = post(c, f"{API}/shop/redeem", {"item": item.pk, "quantity": 3})
    assert r.status_code == 422 and "exceed the balance" in r.json()["detail"][0]["message"]
    assert Redemption.objects.count() == 0
    r = post(c, f"{API}/shop/redeem", {"item": item.pk, "quantity": 2, "token": "x1"})
    assert r.status_code == 201 and r.json()["balance"] == 5
    assert post(c, f"{API}/shop/redeem", {"item": item.pk, "quantity": 2, "token": "x1"}).json()["id"] == r.json()["id"]
    postings = c.get(f"{API}/me/postings").json()
    assert sorted(p["amount"] for p in postings) == [-20, 25] and Posting.objects.count() == 2


def test_other_community_sees_nothing(world, vol):
    act = activity(world)
    c = client(world, "resident_b")
    assert c.get(f"{API}/activities").json() == []
    assert post(c, f"{API}/activities/{act.pk}/signup").status_code == 404
    assert Client().get(f"{API}/me").status_code == 401


def test_open_wishes_are_masked(world):
    services.post_wish(sc(world, "resident"), text="想要一副老花镜")
    body = client(world, "resident_b").get(f"{API}/wishes").json()
    assert body == []  # another community
    mine = client(world, "resident").get(f"{API}/wishes").json()
    assert [(w["text"], w["resident"]) for w in mine] == [("想要一副老花镜", "王**")]
