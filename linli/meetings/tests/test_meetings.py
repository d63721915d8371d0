"""Meetings: the standing committee's rotating chair, agendas with overdue actions, minutes, PDF, statistics;
the secretary's reception day."""

import datetime
import re
import threading
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from linli.cases.tests.conftest import cats  # noqa: F401  (fixture)
from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.meetings import services
from linli.meetings.models import Action, AgendaItem, Attendance, Booking, Meeting, ReceptionSlot
from linli.people.models import Organization
from linli.people.scopes import resolve, system
from linli.people import services as people

from .conftest import sc


def at(y, m, d, h=15):
    return timezone.make_aware(datetime.datetime(y, m, d, h, 0))


def meeting_counts():
    return {m.__name__: m.objects.count() for m in (Meeting, Attendance, Action, AgendaItem)}


@pytest.fixture
def committee(world):
    """新源-style joint committee: community, owners' committee, property company (rotate) and a social organisation (member only)."""
    s = system()
    owners = Organization.objects.create(kind=Organization.Kind.OWNERS_COMMITTEE, name="航苑业委会", community=world.a)
    social = Organization.objects.create(kind=Organization.Kind.SOCIAL, name="邻里社工服务中心", community=world.a)
    community_org = Organization.objects.create(kind=Organization.Kind.PARTY, party_level="community_committee", name="柳航里社区党委", community=world.a)
    chair_owners = people.register_person(s, community=world.a, name="业委会主任", phone="13911110001")
    world.orgs.update(owners=owners, social=social, community=community_org)
    c = services.create_committee(sc(world, "community_secretary"), community=world.a, name="物业党建联席会",
                                  members=[(community_org, world.persons["community_secretary"]), (owners, chair_owners),
                                           (world.orgs["property"], world.persons["property_manager"] if "property_manager" in world.persons else None),
                                           (social, None)])
    social_seat = c.members.get(organization=social)
    social_seat.rotates = False
    social_seat.save()
    return c


def test_chair_rotates_across_a_year_of_monthly_meetings_with_a_skipped_month(world, committee):
    from linli.people.models import Person

    pm = Person.objects.get(name="卫物业")
    committee.members.filter(organization=world.orgs["property"]).update(chair_person=pm)
    staff = sc(world, "community_secretary")
    assert services.next_chair(committee).organization == world.orgs["community"]
    chairs = []
    for month in range(1, 13):
        if month == 5:  # May: no meeting (the Labour Day holiday) — nobody loses a turn
            continue
        m = services.schedule_meeting(staff, kind="committee", community=world.a, title=f"{month}月联席会", starts_at=at(2025, month, 10),
                                      place="社区会议室", committee=committee)
        if month == 8:  # August's meeting is called off after scheduling: its turn passes to September's
            services.cancel_meeting(staff, m)
            continue
        services.record_minutes(staff, m, minutes=f"{month}月议题已讨论")
        chairs.append((month, m.chair_org.kind))
    C, O, P = "party", "owners_committee", "property_company"
    assert chairs == [(1, C), (2, O), (3, P), (4, C), (6, O), (7, P), (9, C), (10, O), (11, P), (12, C)]
    assert Meeting.objects.get(title="6月联席会").chair == Person.objects.get(name="业委会主任")
    assert Meeting.objects.get(title="7月联席会").chair == pm
    assert services.next_chair(committee).organization == world.orgs["owners"]
    # the social organisation sits on the committee (is invited) but does not chair
    assert Attendance.objects.filter(meeting__title="1月联席会", organization=world.orgs["social"]).exists()
    stats = services.committee_stats(committee, datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert stats["meetings_held"] == 5


def test_a_meeting_with_no_chair_is_refused_and_nothing_changes(world, committee):
    staff = sc(world, "community_secretary")
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.schedule_meeting(staff, kind="regular", community=world.a, title="网格例会", starts_at=at(2025, 3, 1), place="社区")
    assert e.value.message_dict["chair"] == ["Chair: a meeting needs a chair."]
    with pytest.raises(ValidationError) as e:
        services.record_meeting(staff, kind="joint", title="联席会议", community=world.a, starts_at=at(2025, 3, 1), place="社区", chair=None, minutes="纪要")
    assert e.value.message_dict["chair"] == ["Chair: a meeting needs a chair."]
    # property's turn comes third; nobody is named to chair for it
    committee.members.filter(organization=world.orgs["property"]).update(chair_person=None)
    for month in (1, 2):
        services.schedule_meeting(staff, kind="committee", community=world.a, title=f"{month}月", starts_at=at(2025, month, 10), place="社区", committee=committee)
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.schedule_meeting(staff, kind="committee", community=world.a, title="3月", starts_at=at(2025, 3, 10), place="社区", committee=committee)
    assert "it is 航苑物业's turn to chair, but nobody is named" in e.value.message_dict["chair"][0]
    with pytest.raises(ValidationError) as e:
        services.schedule_meeting(staff, kind="committee", community=world.a, title="3月", starts_at=at(2025, 3, 10), place="社区")
    assert "names its committee" in e.value.message_dict["committee"][0]
    with pytest.raises(OutOfScope):
        services.schedule_meeting(sc(world, "other_community_staff"), kind="regular", community=world.a, title="例会",
                                  starts_at=at(2025, 3, 1), place="社区", chair=world.persons["community_staff"])
    assert meeting_counts() == before


def test_resolution_refusals_no_owner_past_due(world):
    staff = sc(world, "community_staff")
    m = services.schedule_meeting(staff, kind="regular", community=world.a, title="网格例会", starts_at=timezone.now(), place="社区",
                                  chair=world.persons["community_staff"])
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.record_minutes(staff, m, minutes="讨论楼道堆物", resolutions=[{"text": "清理楼道", "due_on": timezone.localdate()}])
    assert e.value.message_dict["resolutions"] == ["Resolution 1: an action needs an owner (a person or an organisation)."]
    with pytest.raises(ValidationError) as e:
        services.record_minutes(staff, m, minutes="讨论", resolutions=[{"text": "清理", "owner_org": world.orgs["property"],
                                                                       "due_on": timezone.localdate() - datetime.timedelta(days=1)}])
    assert "the due date lies in the past" in e.value.message_dict["resolutions"][0]
    with pytest.raises(ValidationError) as e:
        services.record_minutes(staff, m, minutes=" ")
    assert "Minutes" in e.value.message_dict["minutes"][0]
    m.refresh_from_db()
    assert not m.held and meeting_counts() == before


def test_overdue_actions_appear_on_the_next_agenda_automatically(world, cats):  # noqa: F811
    staff = sc(world, "community_staff")
    today = timezone.localdate()
    first = services.schedule_meeting(staff, kind="regular", community=world.a, title="3月网格例会", starts_at=timezone.now(), place="社区",
                                      chair=world.persons["community_staff"], persons=[world.persons["grid_worker"]], organizations=[world.orgs["property"]])
    assert OutboxMessage.objects.filter(event_key=f"meeting:{first.pk}:invite", recipient=world.accounts["grid_worker"]).exists()
    assert OutboxMessage.objects.filter(event_key=f"meeting:{first.pk}:invite", recipient=world.accounts["property_manager"]).exists()
    services.record_minutes(staff, first, minutes="研究楼道堆物和路灯问题", attendees=[
        {"person": world.persons["grid_worker"], "status": "present"},
        {"organization": world.orgs["property"], "status": "substitute", "substitute_name": "物业客服小李"}],
        resolutions=[
            {"text": "清理1号楼楼道堆物", "owner_org": world.orgs["property"], "due_on": today + datetime.timedelta(days=7)},
            {"text": "修复小区路灯", "owner": world.accounts["grid_worker"], "due_on": today + datetime.timedelta(days=7)},
            {"text": "更换垃圾桶", "owner": world.accounts["grid_worker"], "due_on": today + datetime.timedelta(days=60)}])
    assert first.attendances.get(organization=world.orgs["property"]).status == "substitute"
    lamp = Action.objects.get(text="修复小区路灯")
    services.report_progress(resolve(world.accounts["grid_worker"]), lamp, "路灯已修好", 100, done=True)
    # a case escalated to the community is a hard issue for the meeting too
    from linli.cases import services as cases
    hard = cases.submit(sc(world, "community_staff"), source="hotline", description="菜市场污水外溢到小区门口", category="env.sewage",
                        dwelling=world.dwellings["A1-101"], reporter_name="王先生")
    services.set_support_threshold(staff, world.a, 1)
    matter = services.raise_matter(sc(world, "resident"), title="增设充电桩", what="电动车充电难，希望增设充电桩")
    nxt = services.schedule_meeting(staff, kind="regular", community=world.a, title="4月网格例会", starts_at=timezone.now() + datetime.timedelta(days=30),
                                    place="社区", chair=world.persons["community_staff"])
    items = list(nxt.agenda.values_list("kind", "title"))
    overdue = [t for k, t in items if k == "overdue_action"]
    assert len(overdue) == 1 and "清理1号楼楼道堆物" in overdue[0] and "航苑物业" in overdue[0]  # done and not-yet-due ones stay off
    assert ("matter", "增设充电桩") in items and any(k == "case" and hard.number in t for k, t in items)
    assert nxt.agenda.get(kind="overdue_action").action.text == "清理1号楼楼道堆物"


def test_meeting_pdf_is_a_real_pdf_with_the_record(world):
    staff = sc(world, "community_staff")
    m = services.schedule_meeting(staff, kind="joint", community=world.a, title="物业联席会议", starts_at=timezone.now(), place="社区会议室",
                                  chair=world.persons["community_staff"], organizations=[world.orgs["police"]])
    services.record_minutes(staff, m, minutes="垃圾分类驿站选址", attendees=[{"organization": world.orgs["police"], "status": "absent"}],
                            resolutions=[{"text": "驿站选址公示", "owner_org": world.orgs["property"], "due_on": timezone.localdate()}])
    pdf = services.meeting_pdf(m)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    # the embedded font's ToUnicode map must hold the characters of the minutes (the text is really there)
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            text += stream  # uncompressed streams (the ToUnicode map may be one)
    for ch in "垃圾分类驿站选址联席":
        assert f"{ord(ch):04X}".encode() in text.upper(), ch


def test_committee_statistics_per_period(world, committee):
    staff = sc(world, "community_secretary")
    services.set_support_threshold(staff, world.a, 1)
    for i in range(3):
        services.raise_matter(sc(world, "resident"), title=f"建议{i}", what="居民建议内容")
    m = services.schedule_meeting(staff, kind="committee", community=world.a, title="联席会", starts_at=timezone.now(), place="社区", committee=committee)
    services.record_minutes(staff, m, minutes="议定事项", resolutions=[{"text": "修缮车棚", "owner_org": world.orgs["owners"], "due_on": timezone.localdate()}])
    services.report_progress(staff, m.actions.get(), "车棚已修缮", 100, done=True)
    today = timezone.localdate()
    s = services.committee_stats(committee, today.replace(day=1), today)
    assert (s["meetings_held"], s["suggestions"], s["actions_done"], s["solved"]) == (1, 3, 1, 1)
    last_year = services.committee_stats(committee, today.replace(year=today.year - 1, day=1), today.replace(year=today.year - 1))
    assert (last_year["meetings_held"], last_year["suggestions"], last_year["solved"]) == (0, 0, 0)


# ------------------------------------------------------------------ reception day

def test_reception_day_book_full_refusals_and_outcome_opens_a_case_or_matter(world, cats):  # noqa: F811
    staff = sc(world, "community_secretary")
    start = timezone.now() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as e:
        services.publish_slot(staff, community=world.a, starts_at=timezone.now() - datetime.timedelta(hours=1),
                              ends_at=timezone.now(), place="书记接待室")
    assert "Starts: the time lies in the past" in e.value.message_dict["starts_at"][0]
    slot = services.publish_slot(staff, community=world.a, starts_at=start, ends_at=start + datetime.timedelta(minutes=30), place="书记接待室", capacity=1)
    assert slot.host == world.accounts["community_secretary"]
    b = services.book(sc(world, "resident"), slot, "小区门口停车乱，想和书记聊聊")
    assert b.seat == 1 and OutboxMessage.objects.filter(recipient=world.accounts["community_secretary"], event_key=f"booking:{b.pk}").exists()
    people.create_account(world.persons["a3"], "a3", "x-pass-123456")
    with pytest.raises(ValidationError) as e:
        services.book(resolve(world.persons["a3"].account), slot, "想反映楼道灯")
    assert "Slot: fully booked" in e.value.message_dict["slot"][0]
    with pytest.raises(OutOfScope):
        services.book(sc(world, "resident_b"), slot, "隔壁社区的事")
    assert Booking.objects.count() == 1
    with pytest.raises(OutOfScope):
        services.record_outcome(sc(world, "resident"), b, "自己写结果")
    b = services.record_outcome(staff, b, "协调物业规划停车位", open_case=True, open_matter=True, category="env.clutter")
    assert b.status == "done" and b.case.reporter_person == world.persons["a1"] and b.case.source == "hotline"
    assert b.matter.raised_for == world.persons["a1"] and b.matter.raised_by == world.persons["community_secretary"]
    with pytest.raises(ValidationError):
        services.record_outcome(staff, b, "再写一次")


@pytest.mark.django_db(transaction=True)
def test_two_residents_race_for_the_last_seat_exactly_one_gets_it():
    from linli.testing.world import build_world

    w = build_world()
    start = timezone.now() + datetime.timedelta(days=1)
    slot = services.publish_slot(resolve(w.accounts["community_secretary"]), community=w.a, starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=1), place="接待室", capacity=1)
    people.create_account(w.persons["a3"], "a3", "x-pass-123456")
    barrier = threading.Barrier(2)
    results = []

    def go(username):
        from linli.people.models import Account
        translation.activate("en")  # a new thread does not inherit the test's language
        try:
            account = Account.objects.get(username=username)
            barrier.wait(timeout=5)
            services.book(resolve(account), ReceptionSlot.objects.get(pk=slot.pk), "想反映小区的事情")
            results.append("won")
        except ValidationError as exc:
            results.append(exc.message_dict["slot"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in ("resident", "a3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1 and any("fully booked" in r for r in results), results
    assert Booking.objects.filter(slot=slot).count() == 1
