"""The desk loop through the pages (Django test client): an alarm arrives over HTTP, appears in the feed, is
acknowledged, called, sent a visit (助救 order), visited, closed; the figures count it. Devices and orders pages."""

import datetime
import json

from django.test import Client

from linli.care import services, sweeps
from linli.care.models import Alarm, CareOrder, Device
from linli.people.scopes import system
from linli.testing.world import PASSWORD
from linli.testing.pages import has_pager, two_pages

from .conftest import signed


def _client(username):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def test_alarm_loop_through_pages(care):
    raw = json.dumps({"device": "SOS-0001", "event_id": "page-1", "type": "alarm", "code": "fall"}).encode()
    ts, sig = signed(raw)
    r = Client().post("/care/gateway/events", raw, content_type="application/json", HTTP_X_LINLI_GATEWAY="vendor-a",
                      HTTP_X_LINLI_TIMESTAMP=ts, HTTP_X_LINLI_SIGNATURE=sig)
    assert r.status_code == 201
    alarm = Alarm.objects.get()
    op = _client("operator")
    feed = op.get(f"/care/{care.station.pk}/desk/feed.json").json()
    assert feed["alarms"][0]["id"] == alarm.pk and feed["alarms"][0]["status"] == "new"
    page = op.get(f"/care/{care.station.pk}/desk/")
    assert page.status_code == 200 and b"care-desk.js" in page.content and b"<script>" not in page.content
    assert op.post(f"/care/alarms/{alarm.pk}/acknowledge/").status_code == 302
    op.post(f"/care/alarms/{alarm.pk}/call/", {"called": "person", "outcome": "help", "note": "摔倒起不来"})
    r = op.post(f"/care/alarms/{alarm.pk}/visit/", {"note": "上门查看"})
    order = CareOrder.objects.get(alarm=alarm)
    assert r["Location"] == f"/care/orders/{order.pk}/" and order.kind == "rescue"
    op.post(f"/care/orders/{order.pk}/arrive/")
    op.post(f"/care/orders/{order.pk}/visit/", {"work_done": "扶起，无外伤", "confirmation": "phone", "payer": "free"})
    op.post(f"/care/alarms/{alarm.pk}/close/", {"outcome": "visit", "note": "已上门"})
    alarm.refresh_from_db()
    assert (alarm.status, alarm.outcome) == ("closed", "visit")
    assert op.get(f"/care/{care.station.pk}/desk/feed.json").json()["alarms"] == []
    figures = op.get(f"/care/{care.station.pk}/figures/")
    assert figures.status_code == 200 and figures.context["f"]["total"]["n"] == 1 and figures.context["f"]["arrivals"]["n"] == 1
    assert _client("resident").get(f"/care/{care.station.pk}/desk/feed.json").status_code == 404


def test_pages_render_for_the_operator(care):
    op = _client("operator")
    for url in ["/care/", f"/care/{care.station.pk}/devices/", f"/care/{care.station.pk}/orders/", "/care/applications/"]:
        assert op.get(url).status_code == 200, url


def test_register_device_from_the_page_and_sheet(care):
    from linli.testing.sheets import xlsx

    op = _client("operator")
    op.post(f"/care/{care.station.pk}/devices/", {"person": care.world.persons["a3"].pk, "kind": "smoke", "serial": "SMK-1",
                                                  "c1_name": "刘儿子", "c1_relation": "son", "c1_phone": "13711112222"})
    assert Device.objects.get(serial="SMK-1").contacts.count() == 1
    from linli.testing.world import IDS

    sheet = xlsx(["序列号", "设备类型", "身份证号", "紧急联系人1", "联系电话1"],
                 [["GAS-1", "燃气", IDS["a1"], "王小明", "13700000001"], ["GAS-2", "燃气", "110101190001010000", "", ""]], title=None)
    sheet.name = "devices.xlsx"
    op.post(f"/care/{care.station.pk}/devices/", {"sheet": sheet})
    assert Device.objects.filter(serial="GAS-1").exists() and not Device.objects.filter(serial="GAS-2").exists()


def test_offline_and_inactivity_sweeps_raise_once(care):
    import datetime

    later = care.sensor.silent_at + datetime.timedelta(minutes=1)
    Device.objects.filter(pk=care.pendant.pk).update(check_at=later - datetime.timedelta(hours=1))
    Device.objects.filter(pk=care.sensor.pk).update(check_at=later + datetime.timedelta(hours=1))  # still beating, but nobody moves
    assert sweeps.devices(later) == 2
    assert sweeps.devices(later) == 0
    assert set(Alarm.objects.values_list("kind", flat=True)) == {"technical", "welfare"}
    assert Device.objects.get(pk=care.pendant.pk).status == "offline"


def test_recurring_meals_every_working_day(care):
    import datetime

    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime(2026, 9, 28, 11, 0))  # Monday; Oct 1–7 is the National Day holiday
    t = services.raise_order(system(), care.station, person=care.world.persons["a1"], kind="meals", source="resident",
                             window_start=start, window_end=start + datetime.timedelta(minutes=30), provider_account=care.operator,
                             recurrence="weekdays", repeat_until=datetime.date(2026, 10, 9), fee="12", payer="subsidy")
    services.generate_occurrences(t.pk, start)
    days = sorted(timezone.localtime(o.window_start).date().isoformat() for o in t.occurrences.all())
    assert days[:2] == ["2026-09-28", "2026-09-29"] and "2026-10-05" not in days
    assert services.generate_occurrences(t.pk, start) == 0  # each day once


def test_the_desk_finds_a_resident_by_part_of_the_name_or_a_whole_number(care):
    """No form lists a whole community in a drop-down (it stopped at the first 500 names): the desk types part of a
    name, or a whole mobile or ID number, and picks among at most 20 matches shown with their homes."""
    from linli.people import queries
    from linli.people.models import Person

    a3 = care.world.persons["a3"]  # 刘芳
    for who, path in (("operator", f"/care/{care.station.pk}/devices/"), ("operator", f"/care/{care.station.pk}/orders/"),
                      ("community_staff", "/care/applications/")):  # applications are filed by the community's staff
        op = _client(who)
        html = op.get(path).content.decode()
        assert 'id="who-first"' in html and 'name="person"' not in html, path  # nothing typed: nobody listed
        html = op.get(path, {"who": "刘"}).content.decode()
        assert f'name="person" value="{a3.pk}"' in html and "刘芳" in html, path
        assert f'name="person" value="{care.world.persons["a1"].pk}"' not in html, path  # 王建国 does not match
    people = Person.objects.filter(community=care.world.a)
    assert [p.pk for p in queries.resident_candidates(people, "13800000004")] == [a3.pk]  # a whole mobile number
    assert queries.resident_candidates(people, "0000000") == []  # part of a number: no plaintext search
    assert queries.resident_candidates(people, "   ") == []


def test_the_device_list_pages_and_finds_by_serial_or_resident(care):
    op = _client("operator")
    for i in range(60):
        Device.objects.create(station=care.station, community=care.station.community, person=care.world.persons["a2" if i % 2 else "a3"], kind="smoke", serial=f"PAGE-{i:03d}")
    total = Device.objects.filter(station=care.station).count()
    first = op.get(f"/care/{care.station.pk}/devices/").content.decode()
    assert first.count('data-label="序列号"') == 50 and "第 1 页，共 2 页" in first
    second = op.get(f"/care/{care.station.pk}/devices/", {"page": 2}).content.decode()
    assert second.count('data-label="序列号"') == total - 50
    found = op.get(f"/care/{care.station.pk}/devices/", {"q": "PAGE-01"}).content.decode()
    assert found.count('data-label="序列号"') == 10  # PAGE-010 … PAGE-019
    by_name = op.get(f"/care/{care.station.pk}/devices/", {"q": "张伟"}).content.decode()
    assert by_name.count('data-label="序列号"') == Device.objects.filter(station=care.station, person__name="张伟").count() > 0


def test_an_escalation_reads_in_words_on_the_alarm_page():
    from django.utils import translation

    from linli.care.templatetags.care_tags import escalation_note

    with translation.override("zh-hans"):
        assert escalation_note("operator: 1 in-app, 0 phone") == "通知值班员：站内 1 人，电话 0 个"
        assert escalation_note("contacts: 0 in-app, 2 phone") == "通知紧急联系人：站内 0 人，电话 2 个"
        assert escalation_note("grid_worker") == "网格员"  # a step's name alone
        assert escalation_note("手工备注") == "手工备注"  # any other note as written


def test_the_open_orders_page_instead_of_stopping_at_200(care, monkeypatch):
    """The station's open orders stopped at the first 200 with no way to the rest; now LIST_PAGE a page with the pager."""
    import datetime
    import importlib
    import re

    view = importlib.import_module("linli.care.views.orders")
    monkeypatch.setattr(view, "LIST_PAGE", 3)
    start = datetime.datetime(2030, 3, 4, 9, 0, tzinfo=datetime.timezone.utc)
    made = [services.raise_order(system(), care.station, person=care.world.persons["a1"], kind="meals", source="resident",
                                 window_start=start + datetime.timedelta(hours=i), window_end=start + datetime.timedelta(hours=i, minutes=30),
                                 provider_account=care.operator).pk for i in range(5)]
    op, url = _client("operator"), f"/care/{care.station.pk}/orders/"  # the desk lists its station's orders (it had none: no care area)
    first, second = two_pages(op, url, r'href="/care/orders/(\d+)/"')
    assert [int(pk) for pk in first] == made[:3] and [int(pk) for pk in second] == made[3:]  # soonest first
    monkeypatch.setattr(view, "LIST_PAGE", 50)
    assert not has_pager(op, url)  # one page: no pager
    staff = _client("community_staff").get(url).content.decode()  # and the community's staff, by their area
    assert [int(pk) for pk in re.findall(r'href="/care/orders/(\d+)/"', staff)] == made


def test_the_applications_page_instead_of_stopping_at_200(care, monkeypatch):
    """The assistance applications stopped at the first 200 with no way to the rest; now LIST_PAGE a page with the pager."""
    import datetime
    import importlib

    from linli.people.scopes import resolve

    view = importlib.import_module("linli.care.views.applications")
    monkeypatch.setattr(view, "LIST_PAGE", 3)
    staff, start = resolve(care.world.accounts["community_staff"]), datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.timezone.utc)
    made = [services.submit_application(staff, person=care.world.persons[("a1", "a2", "a3")[i % 3]], kind="linshi", reason=f"临时困难 {i}",
                                        now=start + datetime.timedelta(hours=i)).pk for i in range(5)]
    c = _client("community_staff")
    first, second = two_pages(c, "/care/applications/", r'href="/care/applications/(\d+)/"')
    assert [int(pk) for pk in first] == made[:1:-1] and [int(pk) for pk in second] == made[1::-1]  # newest first
    monkeypatch.setattr(view, "LIST_PAGE", 50)
    assert not has_pager(c, "/care/applications/")  # one page: no pager


def test_a_new_alarm_heads_the_feed_however_many_acknowledged_ones_are_open(care):
    """The feed ordered by status took 100 rows: "acknowledged" sorts before "new", so with 100 acknowledged alarms open
    a new one was not in the feed at all — no row, no beep. Now every new alarm comes first, and the feed says how
    many open ones it leaves out."""
    from django.utils import timezone

    from linli.care import queries

    base = dict(device=care.pendant, station=care.station, community=care.world.a, person=care.world.persons["a1"], kind="emergency",
                source="http", acknowledged_at=timezone.now())
    Alarm.objects.bulk_create([Alarm(status="acknowledged", received_at=timezone.now(), **base)
                               for _ in range(queries.FEED_ROWS + 5)])
    older = timezone.now() - datetime.timedelta(minutes=10)
    new = Alarm.objects.create(status="new", received_at=older, **{k: v for k, v in base.items() if k != "acknowledged_at"})
    feed = _client("operator").get(f"/care/{care.station.pk}/desk/feed.json").json()
    assert feed["alarms"][0]["id"] == new.pk and feed["alarms"][0]["status"] == "new"
    assert len(feed["alarms"]) == queries.FEED_ROWS
    assert feed["open"] == {"new": 1, "acknowledged": queries.FEED_ROWS + 5}
    assert feed["left_out"] == 6
    page = _client("operator").get(f"/care/{care.station.pk}/desk/").content.decode()
    assert "另有 6 条" in page and "未结：1 条新警报，105 条已确认" in page
    assert page.index(f'data-id="{new.pk}"') < page.index('care-acknowledged')
