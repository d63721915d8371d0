"""Meetings and the reception day on a 375-px phone: a standing-committee meeting called with the chair from the
rotation and last month's overdue resolution on its agenda, recorded with attendance and resolutions, printed as PDF;
the committee's statistics for a chosen period; a reception slot published, booked by a resident, cancelled and booked
again, and closed with an outcome that opens a case."""

import datetime
import re

import pytest
from django.utils import timezone

from linli.cases.models import Case
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture)
from linli.meetings import services
from linli.meetings.models import Action, Booking, Meeting
from linli.people.models import Organization
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE375 = {"width": 375, "height": 812}


def phone(open_page, username):
    page = open_page(PHONE375)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(page, username, PASSWORD)
    return page


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE375["width"] + 1, f"page is {width}px wide on a 375px phone"
    assert not page.errors, page.errors


def test_committee_meeting_and_reception_day_on_a_phone(world, cats, open_page, shoot):  # noqa: F811
    secretary = resolve(world.accounts["community_secretary"])
    owners = Organization.objects.create(kind=Organization.Kind.OWNERS_COMMITTEE, name="航苑业委会", community=world.a)
    party = Organization.objects.create(kind=Organization.Kind.PARTY, party_level="community_committee", name="柳航里社区党委", community=world.a)
    committee = services.create_committee(secretary, community=world.a, name="物业党建联席会",
                                          members=[(party, world.persons["community_secretary"]), (owners, world.persons["a2"]),
                                                   (world.orgs["property"], world.persons["a3"])])
    # last month's meeting (chaired by the community) left a resolution open past its due date
    last = services.schedule_meeting(secretary, kind="committee", community=world.a, title="上月联席会", place="社区",
                                     starts_at=timezone.now() - datetime.timedelta(days=30), committee=committee)
    services.record_minutes(secretary, last, minutes="研究车棚修缮", resolutions=[
        {"text": "修缮东侧车棚", "owner_org": world.orgs["property"], "due_on": timezone.localdate()}])
    Action.objects.filter(meeting=last).update(due_on=timezone.localdate() - datetime.timedelta(days=10))

    staff = phone(open_page, "community_secretary")
    staff.goto(staff.base + "/meetings/list/")
    staff.select_option("#id_kind", "committee")
    staff.fill("#id_title", "本月联席会")
    staff.fill("#id_starts_at", (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))  # recorded as it ends
    staff.fill("#id_place", "社区党群服务中心")
    staff.select_option("#id_committee", str(committee.pk))
    shoot(staff, "meetings-schedule-phone")
    fits(staff)
    staff.click("#btn-schedule")
    staff.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get(title="本月联席会")
    assert meeting.chair_org == owners and meeting.chair == world.persons["a2"]  # the owners' committee's turn
    agenda = staff.inner_text("#agenda")
    assert "修缮东侧车棚" in agenda and "航苑物业" in agenda
    for a in meeting.attendances.all():
        staff.select_option(f"select[name=att_{a.pk}]", "present" if a.organization_id != world.orgs["property"].pk else "substitute")
        if a.organization_id == world.orgs["property"].pk:
            staff.fill(f"input[name=sub_{a.pk}]", "物业客服主管")
    staff.fill("#id_minutes", "听取物业车棚修缮进度汇报，研究加装充电桩事宜")
    staff.fill("#minutes-form input[name=text_1]", "车棚修缮本月底前完成")
    staff.select_option("#minutes-form select[name=owner_1]", f"org:{world.orgs['property'].pk}")
    staff.fill("#minutes-form input[name=due_1]", (timezone.localdate() + datetime.timedelta(days=20)).isoformat())
    shoot(staff, "meetings-record-phone")
    fits(staff)
    staff.click("#btn-minutes")
    staff.wait_for_selector("#resolutions")
    meeting.refresh_from_db()
    assert meeting.held and meeting.actions.get().owner_org == world.orgs["property"]
    assert meeting.attendances.get(organization=world.orgs["property"]).substitute_name == "物业客服主管"
    shoot(staff, "meetings-record-held-phone")
    fits(staff)
    pdf = staff.request.get(staff.base + f"/meetings/{meeting.pk}/record.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    # the period is chosen, not "this year": last month's meeting (30 days ago) falls in it whatever today's date is
    today = timezone.localdate()
    staff.goto(staff.base + f"/meetings/committees/?from={(today - datetime.timedelta(days=31)).isoformat()}&to={today.isoformat()}")
    assert staff.inner_text(".stat .n >> nth=0") == "2"  # two meetings held in the period
    assert staff.inner_text(".stat .n >> nth=2") == "0"  # no problem solved yet: both resolutions are open
    assert "柳航里社区党委" in staff.inner_text("main p >> nth=0") or "柳航里社区党委" in staff.content()
    shoot(staff, "meetings-committees-phone")
    fits(staff)

    # 书记接待日: publish, book, outcome → a case
    start = timezone.localtime() + datetime.timedelta(days=2)
    staff.goto(staff.base + "/meetings/reception/")
    staff.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_ends_at", (start + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_capacity", "1")
    staff.click("#publish-form button[type=submit]")
    staff.wait_for_selector("section[id^=slot-]")
    resident = phone(open_page, "resident")
    resident.goto(resident.base + "/meetings/reception/")
    resident.fill("section[id^=slot-] textarea[name=topic]", "楼下饭店油烟大，想和书记反映")
    shoot(resident, "meetings-reception-book-phone")
    fits(resident)
    resident.click("section[id^=slot-] button[type=submit]")
    resident.wait_for_selector("section[id^=slot-] .badge.ok")
    # the resident calls it off (the seat is free again), then books it again
    first = Booking.objects.get()
    resident.click("form[id^=cancel-mine-] button[type=submit]")
    resident.wait_for_selector("section[id^=slot-] textarea[name=topic]")
    first.refresh_from_db()
    assert first.status == "cancelled"
    resident.fill("section[id^=slot-] textarea[name=topic]", "楼下饭店油烟大，想和书记反映")
    resident.click("section[id^=slot-] button[type=submit]")
    resident.wait_for_selector("section[id^=slot-] .badge.ok")
    fits(resident)
    booking = Booking.objects.exclude(status="cancelled").get()
    assert booking.person == world.persons["a1"]
    staff.goto(staff.base + "/meetings/reception/")
    staff.fill("textarea[name=outcome]", "已联系市场监管所上门检查油烟净化设备")
    staff.check("input[name=open_case]")
    staff.click("form[action$='/outcome/'] button[type=submit]")
    staff.wait_for_selector("text=/已联系市场监管所/")
    booking.refresh_from_db()
    assert booking.status == "done" and booking.case is not None and Case.objects.get().reporter_person == world.persons["a1"]
    shoot(staff, "meetings-reception-outcome-phone")
    fits(staff)
