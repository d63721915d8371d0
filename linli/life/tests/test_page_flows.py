"""Through the pages (in Chinese, as the site speaks): the room page's weekly booking (N bookings, all or none), the
百宝屋 desk (lend a ready hold, take a return, record a loss, put a copy back), and the community calendar (a
volunteer activity and a council session open to residents; not a meeting or activity the viewer may not see)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from linli.life import services
from linli.life.models import Booking, BookingSeries, Hold, Loan, ToolCopy
from linli.meetings.models import Meeting
from linli.testing.world import PASSWORD
from linli.volunteers.models import Activity

from .conftest import sc

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def client(w, key):
    c = Client(**ZH)
    assert c.login(username=key, password=PASSWORD)
    return c


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def next_weekday(iso, hour):
    """The next given weekday (at least two days away) at `hour`, local time."""
    day = timezone.localdate() + datetime.timedelta(days=2)
    day += datetime.timedelta(days=(iso - day.isoweekday()) % 7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_recurring_booking_on_the_room_page_is_all_or_nothing(life):
    w = life
    hall = services.save_room(sc(w, "community_staff"), w.a, name="议事厅", kind="meeting", opens=datetime.time(8), closes=datetime.time(22),
                              max_minutes=180)
    tuesday = next_weekday(2, 19)
    staff = client(w, "community_staff")
    page = staff.get(f"/life/rooms/{hall.pk}/")
    assert page.status_code == 200 and "每周重复（次数）" in page.content.decode()
    r = staff.post(f"/life/rooms/{hall.pk}/", {"title": "居民议事会", "starts_at": tuesday.strftime("%Y-%m-%dT%H:%M"), "minutes": "90",
                                               "repeat": "4", "public": "1"}, follow=True)
    assert r.redirect_chain[-1][0] == "/life/rooms/mine/" and "预约成功。" in messages_of(r)
    made = list(Booking.objects.filter(room=hall).order_by("starts_at"))
    assert [timezone.localtime(b.starts_at) for b in made] == [tuesday + datetime.timedelta(weeks=i) for i in range(4)]
    assert {b.series_id for b in made} == {BookingSeries.objects.get().pk} and all(b.public and b.state == "confirmed" for b in made)
    # the resident books the hall two Thursdays ahead; a weekly series from next Thursday (3 times) clashes on that one: none is written
    thursday = tuesday + datetime.timedelta(days=2)
    me = client(w, "resident")
    assert me.post(f"/life/rooms/{hall.pk}/", {"title": "合唱排练", "starts_at": (thursday + datetime.timedelta(weeks=2)).strftime("%Y-%m-%dT%H:%M"),
                                               "minutes": "60", "repeat": "1"}).status_code == 302
    r = me.post(f"/life/rooms/{hall.pk}/", {"title": "书法课", "starts_at": (thursday + datetime.timedelta(weeks=1)).strftime("%Y-%m-%dT%H:%M"),
                                            "minutes": "60", "repeat": "3"})
    assert r.status_code == 200  # the form again, with what was typed
    errors = messages_of(r)
    assert any("议事厅在" in m and "已被预约" in m for m in errors), errors
    assert 'value="书法课"' in r.content.decode()
    assert Booking.objects.filter(room=hall).count() == 5 and BookingSeries.objects.count() == 1
    assert not Booking.objects.filter(title="书法课").exists()
    # bad input names the rule, writes nothing
    r = me.post(f"/life/rooms/{hall.pk}/", {"title": "书法课", "starts_at": thursday.strftime("%Y-%m-%dT%H:%M"), "minutes": "60", "repeat": "99"})
    assert any(m.startswith("次数：") for m in messages_of(r)), messages_of(r)
    r = me.post(f"/life/rooms/{hall.pk}/", {"title": "书法课", "starts_at": thursday.strftime("%Y-%m-%dT%H:%M"), "minutes": "很久", "repeat": "2"})
    assert any(m.startswith("时长：") for m in messages_of(r)), messages_of(r)
    assert Booking.objects.filter(room=hall).count() == 5


def test_tool_desk_lends_takes_returns_and_records_a_loss(life):
    w = life
    staff_scope = sc(w, "community_staff")
    drill = services.add_tool(staff_scope, w.a, name="电钻", category="电动工具", copies=2, loan_days=7)
    ladder = services.add_tool(staff_scope, w.a, name="人字梯", category="梯子", copies=1)
    hold = services.place_hold(sc(w, "resident"), drill)
    assert hold.state == "ready"
    desk = client(w, "community_staff")
    page = desk.get("/life/tools/desk/").content.decode()
    assert "百宝屋服务台" in page and "待领取" in page and "电钻" in page
    # lend the ready hold
    r = desk.post("/life/tools/desk/", {"hold": hold.pk}, follow=True)
    assert "已借出。" in messages_of(r)
    loan = Loan.objects.get(copy__tool=drill)
    assert loan.person == w.persons["a1"] and loan.state == "out" and Hold.objects.get(pk=hold.pk).state == "fulfilled"
    assert "应还日期" in r.content.decode()
    # a worn return goes back on the shelf; a damaged one without a word is refused, naming the field
    r = desk.post("/life/tools/desk/", {"loan": loan.pk, "condition": "damaged", "damage": ""}, follow=True)
    assert "损坏：请说明情况。" in messages_of(r)
    assert Loan.objects.get(pk=loan.pk).state == "out"
    r = desk.post("/life/tools/desk/", {"loan": loan.pk, "condition": "worn", "damage": ""}, follow=True)
    assert "已归还。" in messages_of(r)
    loan.refresh_from_db()
    assert (loan.state, loan.condition_in, loan.copy.state, loan.copy.condition) == ("returned", "worn", "available", "worn")
    # returning it twice is refused
    r = desk.post("/life/tools/desk/", {"loan": loan.pk, "condition": "good"}, follow=True)
    assert any(m.startswith("状态：") for m in messages_of(r)), messages_of(r)
    # a loss: the loan and the copy are lost; the desk puts the copy back when it turns up
    ladder_loan = services.lend(staff_scope, ladder.copies.get(), w.persons["a2"])
    r = desk.post("/life/tools/desk/", {"loan": ladder_loan.pk, "lost": "1", "damage": "借出后在公园丢失"}, follow=True)
    assert "已登记丢失。" in messages_of(r)
    ladder_loan.refresh_from_db()
    assert (ladder_loan.state, ladder_loan.damage, ladder_loan.copy.state) == ("lost", "借出后在公园丢失", "lost")
    assert "维修中或丢失" in r.content.decode() and ladder_loan.copy.code in r.content.decode()
    r = desk.post("/life/tools/desk/", {"copy": ladder_loan.copy.pk}, follow=True)
    assert "已放回架上。" in messages_of(r) and ToolCopy.objects.get(pk=ladder_loan.copy.pk).state == "available"
    # a resident may not use the desk; another community's staff may not touch this one's loans
    assert client(w, "resident").post("/life/tools/desk/", {"copy": ladder_loan.copy.pk}).status_code == 403
    other = services.lend(staff_scope, drill.copies.filter(state="available").first(), w.persons["a3"])
    assert client(w, "other_community_staff").post("/life/tools/desk/", {"loan": other.pk, "condition": "good"}).status_code == 404
    assert Loan.objects.get(pk=other.pk).state == "out"


def test_calendar_shows_activities_and_council_sessions_the_viewer_may_see(life):
    w = life
    at = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=3), datetime.time(9)))
    Activity.objects.create(community=w.a, title="社区义诊", place="党群服务中心", starts_at=at, ends_at=at + datetime.timedelta(hours=3), capacity=30)
    Activity.objects.create(community=w.b, title="东风消防演练", place="东风园", starts_at=at, ends_at=at + datetime.timedelta(hours=1), capacity=30)
    Meeting.objects.create(kind=Meeting.Kind.COUNCIL, title="居民议事会：加装电梯", community=w.a, starts_at=at.replace(hour=19), place="议事厅")
    Meeting.objects.create(kind=Meeting.Kind.COMMITTEE, title="两委班子会", community=w.a, starts_at=at.replace(hour=15), place="会议室")
    Meeting.objects.create(kind=Meeting.Kind.COUNCIL, title="东风议事会", community=w.b, starts_at=at.replace(hour=19), place="东风园")
    page = client(w, "resident").get("/life/calendar/")
    body = page.content.decode()
    assert page.status_code == 200 and "社区日历" in body
    assert "社区义诊" in body and "居民议事会：加装电梯" in body
    assert "两委班子会" not in body and "东风议事会" not in body and "东风消防演练" not in body
    assert body.index("社区义诊") < body.index("居民议事会：加装电梯")  # by time of day
    feed = client(w, "resident").get("/life/calendar.ics").content.decode()
    assert "SUMMARY:社区义诊" in feed and "SUMMARY:居民议事会：加装电梯" in feed and "两委班子会" not in feed
    # the other community's resident sees theirs, not ours
    body_b = client(w, "resident_b").get("/life/calendar/").content.decode()
    assert "东风议事会" in body_b and "东风消防演练" in body_b and "社区义诊" not in body_b and "居民议事会：加装电梯" not in body_b
