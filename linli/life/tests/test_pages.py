"""Pages and the API answer for each role; the 接龙 text masks names; the feeds are iCalendar; the workbench."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from linli.life import queries, services
from linli.portal import workbench
from linli.testing.world import PASSWORD

from .conftest import cycle, qty, sc

pytestmark = pytest.mark.django_db


def client(w, key):
    c = Client()
    assert c.login(username=key, password=PASSWORD)
    return c


def test_jielong_pages_totals_and_picking(life):
    w = life
    now = timezone.now()
    c = cycle(w, now=now)
    services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=2), w.points[0], now=now)
    services.join_cycle(sc(w, "r2"), c, qty(c, 黄瓜=1.5), w.points[1], now=now)
    lines = queries.jielong_lines(c)
    assert lines == ["1. 1号楼 王… 西红柿 2斤", "2. 1号楼 张… 黄瓜 1.5斤"]
    assert "王建国" not in queries.jielong_text(c)
    r = client(w, "r3")
    page = r.get(f"/life/groupbuy/{c.pk}/").content.decode()
    assert "1. 1号楼 王… 西红柿 2斤" in page and "王建国" not in page
    assert r.get(f"/life/groupbuy/{c.pk}/totals/").status_code == 403
    farmer = client(w, "farmer")
    assert farmer.get(f"/life/groupbuy/{c.pk}/totals/").status_code == 200
    x = farmer.get(f"/life/groupbuy/{c.pk}/totals.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    t = queries.totals(c)
    assert [(row["item"].name, row["quantity"]) for row in t["items"]] == [("西红柿", 2), ("黄瓜", 1.5)]
    assert r.post(f"/life/groupbuy/{c.pk}/join/", {f"quantity_{c.items.first().pk}": "-1", "pickup_point": w.points[0].pk}).status_code == 302
    assert c.orders.count() == 2
    services.close_cycle(c, "cutoff")
    leader = client(w, "building_leader")
    assert leader.get(f"/life/groupbuy/{c.pk}/pick/{w.points[0].pk}/").status_code == 200
    assert leader.get(f"/life/groupbuy/{c.pk}/pick/{w.points[1].pk}/").status_code == 403
    for key in ("resident", "community_staff", "farmer", "subdistrict_staff"):
        cl = client(w, key)
        for url in ("/life/", "/life/rooms/", "/life/tools/", "/life/calendar/", "/life/rooms/mine/", "/life/tools/mine/", f"/life/sellers/{w.seller.pk}/"):
            assert cl.get(url).status_code == 200, (key, url)
    assert client(w, "community_staff").get("/life/tools/desk/").status_code == 200
    assert client(w, "resident").get("/life/tools/desk/").status_code == 403


def test_feeds_calendar_and_workbench(life):
    w = life
    staff = sc(w, "community_staff")
    hall = services.save_room(staff, w.a, name="议事厅", opens=datetime.time(0), closes=datetime.time(23, 59), max_minutes=240)
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=2), datetime.time(19)))
    services.book(staff, hall, starts_at=start, ends_at=start + datetime.timedelta(hours=2), title="邻里议事会", public=True)
    private = services.book(sc(w, "resident"), hall, starts_at=start + datetime.timedelta(hours=3), ends_at=start + datetime.timedelta(hours=4),
                            title="王家生日会")
    cl = client(w, "resident")
    ics = cl.get(f"/life/rooms/{hall.pk}/calendar.ics")
    body = ics.content.decode()
    assert ics["Content-Type"].startswith("text/calendar") and body.startswith("BEGIN:VCALENDAR")
    assert "邻里议事会" in body and "王家生日会" not in body and body.count("BEGIN:VEVENT") == 2
    c = cycle(w, now=timezone.now())
    cal = cl.get("/life/calendar.ics").content.decode()
    assert "邻里议事会" in cal and f"cycle-{c.pk}@" in cal and "王家生日会" not in cal
    assert "邻里议事会" not in client(w, "resident_b").get("/life/calendar.ics").content.decode()
    items = workbench.collect(sc(w, "resident"))
    assert any(i.key == f"life:booking:{private.pk}" for i in items["watch"])
    counselling = services.save_room(staff, w.a, name="心理诊疗室", needs_approval=True)
    services.book(sc(w, "resident"), counselling, starts_at=start.replace(hour=9), ends_at=start.replace(hour=10), title="咨询")
    assert any(i.key == "life:approvals" for i in workbench.collect(staff)["tasks"])


def test_api_join_and_bad_quantity(life):
    w = life
    c = cycle(w, now=timezone.now())
    cl = client(w, "resident")
    item = c.items.first()
    bad = cl.post(f"/api/v1/life/cycles/{c.pk}/order", {"pickup_point_id": w.points[0].pk, "lines": [{"item_id": item.pk, "quantity": -1}]},
                  content_type="application/json")
    assert bad.status_code == 422 and "quantity" in bad.content.decode()
    ok = cl.post(f"/api/v1/life/cycles/{c.pk}/order", {"pickup_point_id": w.points[0].pk, "lines": [{"item_id": item.pk, "quantity": 2}]},
                 content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["seq"] == 1
    assert cl.get(f"/api/v1/life/cycles/{c.pk}/jielong").json()["lines"] == ["1. 1号楼 王… 西红柿 2斤"]
