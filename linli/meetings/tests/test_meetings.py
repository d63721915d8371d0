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
from linli.meetings.models import Action, AgendaItem, Attendance, Booking, Meeting, ReceptionSlot, StandingCommittee
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
    # a case escalated from the tier below is a hard issue for the meeting too; one the dispatcher simply holds is not
    from linli.cases import services as cases
    from linli.cases.models import Case
    hard = cases.submit(sc(world, "community_staff"), source="hotline", description="菜市场污水外溢到小区门口", category="env.sewage",
                        dwelling=world.dwellings["A1-101"], reporter_name="王先生")
    routine = cases.submit(sc(world, "community_staff"), source="hotline", description="小区门口的路灯不亮了", category="env.sewage",
                           dwelling=world.dwellings["A1-101"], reporter_name="李女士")
    tier_before = hard.tier
    hard = cases.escalate(resolve(hard.assignee) if hard.assignee_id else staff, hard, note="网格内无法解决，需社区协调")
    assert hard.tier != tier_before and routine.tier == tier_before
    reworked = cases.submit(sc(world, "community_staff"), source="hotline", description="楼下餐馆油烟又排进家里", category="env.sewage",
                            dwelling=world.dwellings["A1-101"], reporter_name="赵先生")
    Case.objects.filter(pk=reworked.pk).update(rework_count=1)  # reopened once by an unsatisfied resident
    assert set(services.hard_cases(world.a.pk)) == {hard, reworked}
    services.set_support_threshold(staff, world.a, 1)
    matter = services.raise_matter(sc(world, "resident"), title="增设充电桩", what="电动车充电难，希望增设充电桩")
    nxt = services.schedule_meeting(staff, kind="regular", community=world.a, title="4月网格例会", starts_at=timezone.now() + datetime.timedelta(days=30),
                                    place="社区", chair=world.persons["community_staff"])
    items = list(nxt.agenda.values_list("kind", "title"))
    overdue = [t for k, t in items if k == "overdue_action"]
    assert len(overdue) == 1 and "清理1号楼楼道堆物" in overdue[0] and "航苑物业" in overdue[0]  # done and not-yet-due ones stay off
    assert ("matter", "增设充电桩") in items and any(k == "case" and hard.number in t for k, t in items)
    assert not any(k == "case" and routine.number in t for k, t in items)
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


# ------------------------------------------------------------------ agenda kept up to date until the meeting is held

def test_agenda_refresh_adds_what_came_due_since_scheduling_keeps_manual_items_and_never_duplicates(world, town):
    staff = sc(world, "community_staff")
    today = timezone.localdate()
    services.set_support_threshold(staff, world.a, 2)
    earlier = services.schedule_meeting(staff, kind="regular", community=world.a, title="本周例会", starts_at=timezone.now() - datetime.timedelta(hours=2),
                                        place="社区", chair=world.persons["community_staff"])
    nxt = services.schedule_meeting(staff, kind="regular", community=world.a, title="下周例会", starts_at=timezone.now() + datetime.timedelta(days=7),
                                    place="社区", chair=world.persons["community_staff"])
    assert nxt.agenda.count() == 0  # nothing to discuss when it was called
    manual = services.add_agenda_item(staff, nxt, "讨论夏季防汛值班安排")
    # after the meeting was called: this week's meeting leaves one resolution due before next week's, one due later ...
    services.record_minutes(staff, earlier, minutes="研究楼道堆物", resolutions=[
        {"text": "清理1号楼楼道堆物", "owner_org": world.orgs["property"], "due_on": today},
        {"text": "更换垃圾桶", "owner_org": world.orgs["property"], "due_on": today + datetime.timedelta(days=30)}])
    # ... one matter reaches the support threshold, another does not
    lift = services.raise_matter(sc(world, "resident"), title="加装电梯", what="老人上下楼困难", level="compound")
    n1, = town.household("A1", "301", "邻居甲")
    services.support(sc(world, n1.key), lift)
    services.raise_matter(sc(world, n1.key), title="增设座椅", what="门口没有座椅", level="compound")
    assert nxt.agenda.count() == 1  # stored, not yet refreshed
    items = services.refresh_agenda(nxt)
    assert [(i.kind, i.matter_id or i.action_id or i.title) for i in items] == [
        ("other", "讨论夏季防汛值班安排"), ("matter", lift.pk), ("overdue_action", Action.objects.get(text="清理1号楼楼道堆物").pk)]
    assert [i.position for i in items] == [1, 2, 3] and items[0].pk == manual.pk
    # refreshing again (another page view) adds nothing; an item that no longer qualifies stays listed
    services.report_progress(staff, Action.objects.get(text="清理1号楼楼道堆物"), "已清理", 100, done=True)
    assert [i.pk for i in services.refresh_agenda(nxt)] == [i.pk for i in items]
    # recording the minutes refreshes once more (a matter that reached the agenda meanwhile), then the agenda is fixed
    parking = services.raise_matter(sc(world, "resident"), title="规划停车位", what="小区停车难", level="compound")
    services.support(sc(world, n1.key), parking)
    services.record_minutes(staff, nxt, minutes="逐项讨论")
    assert nxt.agenda.filter(matter=parking).count() == 1 and nxt.agenda.count() == 4
    late = services.raise_matter(sc(world, "resident"), title="修缮车棚", what="车棚漏雨", level="compound")
    services.support(sc(world, n1.key), late)
    assert len(services.refresh_agenda(nxt)) == 4 and not nxt.agenda.filter(matter=late).exists()
    # a cancelled meeting's agenda is not refreshed either
    gone = services.schedule_meeting(staff, kind="regular", community=world.a, title="取消的例会", starts_at=timezone.now() + datetime.timedelta(days=9),
                                     place="社区", chair=world.persons["community_staff"])
    services.cancel_meeting(staff, gone)
    before = gone.agenda.count()
    services.set_support_threshold(staff, world.a, 1)
    services.raise_matter(sc(world, "resident"), title="楼道灯", what="楼道灯不亮", level="compound")
    assert services.refresh_agenda(gone) == list(gone.agenda.all()) and gone.agenda.count() == before


def test_agenda_item_refusals_change_nothing(world):
    staff = sc(world, "community_staff")
    m = services.schedule_meeting(staff, kind="regular", community=world.a, title="例会", starts_at=timezone.now() + datetime.timedelta(days=1),
                                  place="社区", chair=world.persons["community_staff"])
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.add_agenda_item(staff, m, " ")
    assert "Agenda item: say what is to be discussed" in e.value.message_dict["title"][0]
    with pytest.raises(OutOfScope):
        services.add_agenda_item(sc(world, "other_community_staff"), m, "别的社区的议题")
    services.record_minutes(staff, m, minutes="纪要")
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.add_agenda_item(staff, m, "会后补的议题")
    assert "the agenda of a held or cancelled meeting is fixed" in e.value.message_dict["title"][0]
    assert meeting_counts() == before


@pytest.mark.django_db(transaction=True)
def test_two_people_opening_the_meeting_page_at_once_list_each_item_once():
    from linli.testing.world import build_world

    w = build_world()
    staff = resolve(w.accounts["community_staff"])
    m = services.schedule_meeting(staff, kind="regular", community=w.a, title="例会", starts_at=timezone.now() + datetime.timedelta(days=7),
                                  place="社区", chair=w.persons["community_staff"])
    services.set_support_threshold(staff, w.a, 1)
    for t in ("加装电梯", "增设座椅", "规划停车位"):
        services.raise_matter(resolve(w.accounts["resident"]), title=t, what=f"{t}的建议", level="compound")
    barrier = threading.Barrier(2)
    errors = []

    def go():
        try:
            barrier.wait(timeout=5)
            services.refresh_agenda(Meeting.objects.get(pk=m.pk))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(m.agenda.values_list("matter__title", flat=True)) == sorted(["加装电梯", "增设座椅", "规划停车位"])
    assert sorted(m.agenda.values_list("position", flat=True)) == [1, 2, 3]


# ------------------------------------------------------------------ rotation across a cancellation in the middle

def test_cancelling_a_meeting_in_the_middle_moves_the_later_chairs_up_one_turn(world, committee):
    from linli.people.models import Person

    pm = Person.objects.get(name="卫物业")
    committee.members.filter(organization=world.orgs["property"]).update(chair_person=pm)
    staff = sc(world, "community_secretary")
    ms = {month: services.schedule_meeting(staff, kind="committee", community=world.a, title=f"{month}月联席会", starts_at=at(2025, month, 10),
                                           place="社区会议室", committee=committee) for month in (1, 2, 3, 4, 5)}
    services.record_minutes(staff, ms[1], minutes="1月议题")
    C, O, P = world.orgs["community"], world.orgs["owners"], world.orgs["property"]
    assert [ms[k].chair_org for k in (1, 2, 3, 4, 5)] == [C, O, P, C, O]
    services.cancel_meeting(staff, ms[2])
    got = {k: Meeting.objects.select_related("chair_org", "chair").get(pk=m.pk) for k, m in ms.items()}
    # January (held, before) keeps its chair; March takes February's turn, and each later meeting moves up one
    assert [(k, got[k].chair_org) for k in (1, 3, 4, 5)] == [(1, C), (3, O), (4, P), (5, C)]
    assert got[3].chair == Person.objects.get(name="业委会主任") and got[4].chair == pm
    assert got[5].chair == world.persons["community_secretary"]
    assert got[4].attendances.filter(person=pm).exists()
    assert OutboxMessage.objects.filter(event_key=f"meeting:{got[4].pk}:chair:{pm.pk}", recipient=world.accounts["property_manager"]).exists()
    # the stored chairs and the rotation agree: four meetings take place (C O P C), the next one is the owners'
    assert services.next_chair(committee).organization == O
    june = services.schedule_meeting(staff, kind="committee", community=world.a, title="6月联席会", starts_at=at(2025, 6, 10), place="社区", committee=committee)
    assert june.chair_org == O
    # cancelling twice, or a held meeting, is refused and changes nothing
    before = meeting_counts()
    with pytest.raises(ValidationError) as e:
        services.cancel_meeting(staff, ms[2])
    assert e.value.message_dict["meeting"] == ["Meeting: already cancelled."]
    with pytest.raises(ValidationError) as e:
        services.cancel_meeting(staff, ms[1])
    assert "a held meeting cannot be cancelled" in e.value.message_dict["meeting"][0]
    assert meeting_counts() == before


def test_a_cancellation_that_hands_the_chair_to_a_member_without_a_chair_is_refused(world, committee):
    staff = sc(world, "community_secretary")
    ms = [services.schedule_meeting(staff, kind="committee", community=world.a, title=f"{month}月", starts_at=at(2025, month, 10), place="社区",
                                    committee=committee, chair=world.persons["community_staff"]) for month in (1, 2, 3)]
    assert [m.chair_org for m in ms] == [world.orgs["community"], world.orgs["owners"], world.orgs["property"]]
    committee.members.filter(organization=world.orgs["owners"]).update(chair_person=None)
    with pytest.raises(ValidationError) as e:
        services.cancel_meeting(staff, ms[0])  # February would become the community's turn, March the owners' — nobody named
    assert "航苑业委会's turn to chair 3月" in e.value.message_dict["chair"][0]
    got = [Meeting.objects.get(pk=m.pk) for m in ms]
    assert not got[0].cancelled and [m.chair_org for m in got] == [world.orgs["community"], world.orgs["owners"], world.orgs["property"]]


def test_a_meeting_called_before_those_already_scheduled_moves_them_down_one_turn(world, committee):
    staff = sc(world, "community_secretary")
    C, O, P = world.orgs["community"], world.orgs["owners"], world.orgs["property"]
    committee.members.filter(organization=P).update(chair_person=world.persons["community_staff"])
    march = services.schedule_meeting(staff, kind="committee", community=world.a, title="3月", starts_at=at(2025, 3, 10), place="社区", committee=committee)
    april = services.schedule_meeting(staff, kind="committee", community=world.a, title="4月", starts_at=at(2025, 4, 10), place="社区", committee=committee)
    extra = services.schedule_meeting(staff, kind="committee", community=world.a, title="2月临时会", starts_at=at(2025, 2, 20), place="社区", committee=committee)
    assert extra.chair_org == C
    march.refresh_from_db()
    april.refresh_from_db()
    assert (march.chair_org, april.chair_org) == (O, P)


# ------------------------------------------------------------------ the council-hall session (议事会) and statistics

def test_a_council_hall_session_is_called_with_the_matters_on_the_agenda(world, town):
    staff = sc(world, "community_staff")
    services.set_support_threshold(staff, world.a, 1)
    lift = services.raise_matter(sc(world, "resident"), title="加装电梯", what="老人上下楼困难", level="compound")
    m = services.schedule_meeting(staff, kind="council", community=world.a, title="航苑居民议事会", starts_at=timezone.now() + datetime.timedelta(days=3),
                                  place="航苑议事厅", chair=world.persons["community_secretary"], persons=[world.persons["building_leader"]],
                                  organizations=[world.orgs["property"]])
    assert (m.kind, m.get_kind_display(), m.held, m.committee_id, m.chair_org_id) == ("council", "Council-hall session", False, None, None)
    assert list(m.agenda.values_list("kind", "matter_id")) == [("matter", lift.pk)]
    assert OutboxMessage.objects.filter(event_key=f"meeting:{m.pk}:invite", recipient=world.accounts["building_leader"]).exists()
    with pytest.raises(ValidationError) as e:
        services.schedule_meeting(staff, kind="council", community=world.a, title="议事会", starts_at=timezone.now(), place="议事厅",
                                  chair=world.persons["community_secretary"], committee=StandingCommittee.objects.create(community=world.a, name="x"))
    assert "only a standing-committee meeting names a committee" in e.value.message_dict["committee"][0]


def test_problems_solved_counts_matters_done_and_the_committees_actions_done(world, committee):
    staff = sc(world, "community_secretary")
    services.set_support_threshold(staff, world.a, 1)
    matter = services.raise_matter(sc(world, "resident"), title="楼道扶手", what="楼道加装扶手", level="building")
    vote = services.open_vote(staff, matter, level="building", closes_at=timezone.now() + datetime.timedelta(days=1))
    for entry in vote.roll.all():
        services.enter_paper_ballot(staff, vote, entry, matter.options.get(rejects=False))
    services.close_vote(staff, vote, early=True)
    action, = services.plan_actions(staff, matter, [{"text": "安装扶手", "owner_org": world.orgs["property"], "due_on": timezone.localdate()}])
    m = services.schedule_meeting(staff, kind="committee", community=world.a, title="联席会", starts_at=timezone.now(), place="社区", committee=committee)
    services.record_minutes(staff, m, minutes="议定事项", resolutions=[
        {"text": "修缮车棚", "owner_org": world.orgs["owners"], "due_on": timezone.localdate()},
        {"text": "粉刷楼道", "owner_org": world.orgs["owners"], "due_on": timezone.localdate()}])
    today = timezone.localdate()
    s = services.committee_stats(committee, today - datetime.timedelta(days=1), today)
    assert (s["matters_solved"], s["actions_done"], s["solved"]) == (0, 0, 0)
    services.report_progress(resolve(world.accounts["property_manager"]), action, "扶手已安装", 100, done=True)  # the matter is done
    services.report_progress(staff, m.actions.get(text="修缮车棚"), "车棚已修缮", 100, done=True)
    s = services.committee_stats(committee, today - datetime.timedelta(days=1), today)
    assert (s["meetings_held"], s["suggestions"], s["matters_solved"], s["actions_done"], s["solved"]) == (1, 1, 1, 1, 2)


# ------------------------------------------------------------------ reception day: cancelling a booking frees its seat

def test_cancelling_a_booking_frees_exactly_one_seat_for_someone_else_or_the_same_resident(world, town):
    staff = sc(world, "community_secretary")
    start = timezone.now() + datetime.timedelta(days=2)
    slot = services.publish_slot(staff, community=world.a, starts_at=start, ends_at=start + datetime.timedelta(hours=1), place="书记接待室", capacity=2)
    n1, = town.household("A1", "301", "邻居甲")
    n2, = town.household("A2", "401", "邻居乙")

    def live():
        return sorted(slot.bookings.exclude(status="cancelled").values_list("seat", "person__name"))

    mine = services.book(sc(world, "resident"), slot, "小区门口停车乱")
    services.book(sc(world, n1.key), slot, "楼道灯坏了")
    with pytest.raises(ValidationError) as e:
        services.book(sc(world, n2.key), slot, "想反映油烟")
    assert "Slot: fully booked" in e.value.message_dict["slot"][0]
    # refusals first: someone else's booking, and nothing changes
    before = list(Booking.objects.values_list("pk", "status"))
    with pytest.raises(OutOfScope, match="only the resident who booked"):
        services.cancel_booking(sc(world, n2.key), mine)
    with pytest.raises(OutOfScope):
        services.cancel_booking(sc(world, "other_community_staff"), mine)
    assert list(Booking.objects.values_list("pk", "status")) == before
    # the resident cancels: one seat is free, the host hears of it
    b = services.cancel_booking(sc(world, "resident"), mine)
    assert (b.status, b.cancelled_by) == ("cancelled", world.accounts["resident"]) and b.cancelled_at is not None
    assert OutboxMessage.objects.filter(event_key=f"booking:{b.pk}:cancelled", recipient=world.accounts["community_secretary"]).exists()
    assert live() == [(2, "邻居甲")]
    with pytest.raises(ValidationError) as e:
        services.cancel_booking(sc(world, "resident"), mine)
    assert e.value.message_dict["booking"] == ["Cancel: the booking is already cancelled."]
    # the freed seat goes to the next resident — and only one seat was freed
    other = services.book(sc(world, n2.key), slot, "想反映油烟")
    assert other.seat == 1 and live() == [(1, "邻居乙"), (2, "邻居甲")]
    with pytest.raises(ValidationError) as e:
        services.book(sc(world, "resident"), slot, "还是想来聊聊")
    assert "Slot: fully booked" in e.value.message_dict["slot"][0]
    # staff cancel a booking for the resident (who is told); the same resident may then book the slot again
    services.cancel_booking(staff, other)
    assert OutboxMessage.objects.filter(event_key=f"booking:{other.pk}:cancelled", recipient=world.accounts[n2.key]).exists()
    # a cancelled booking takes no outcome (its seat may be someone else's by now), and stays cancelled
    with pytest.raises(ValidationError) as e:
        services.record_outcome(staff, other, "已协调")
    assert e.value.message_dict["outcome"] == ["Outcome: the booking was cancelled; there was no conversation to record."]
    other.refresh_from_db()
    assert (other.status, other.outcome, other.case_id) == ("cancelled", "", None)
    again = services.book(sc(world, n2.key), slot, "改期后还是想反映油烟")
    assert again.pk != other.pk and again.seat == 1 and Booking.objects.filter(slot=slot, person=n2).count() == 2
    assert live() == [(1, "邻居乙"), (2, "邻居甲")]
    # a conversation that took place cannot be cancelled
    services.record_outcome(staff, again, "已协调市场监管所")
    with pytest.raises(ValidationError) as e:
        services.cancel_booking(staff, again)
    assert "the conversation has taken place" in e.value.message_dict["booking"][0]


def test_a_resident_cannot_cancel_once_the_reception_has_begun_but_the_host_can(world):
    staff = sc(world, "community_secretary")
    start = timezone.now() + datetime.timedelta(hours=1)
    slot = services.publish_slot(staff, community=world.a, starts_at=start, ends_at=start + datetime.timedelta(hours=1), place="接待室")
    b = services.book(sc(world, "resident"), slot, "想反映楼道堆物")
    ReceptionSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))  # it has begun
    with pytest.raises(ValidationError) as e:
        services.cancel_booking(sc(world, "resident"), b)
    assert "the reception has already begun" in e.value.message_dict["booking"][0]
    b.refresh_from_db()
    assert b.status == "booked"
    assert services.cancel_booking(staff, b).status == "cancelled"  # a no-show, called off by the host
