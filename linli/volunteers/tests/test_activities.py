import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.errors import OutOfScope
from linli.core.models import OutboxMessage
from linli.people import services as people
from linli.people.models import Organization
from linli.people.scopes import system
from linli.testing.world import PASSWORD
from linli.volunteers import queries, services
from linli.volunteers.models import Posting, ServiceRecord, SignUp, Volunteer

from .conftest import activity, approved, sc


def resident(world, key, person_key):
    world.accounts[key] = people.create_account(world.persons[person_key], key, PASSWORD)
    return sc(world, key)


def test_register_and_approve(world):
    v = services.register(sc(world, "resident"), skills="理发、量血压", availability="周末上午", target_groups=["elderly", "disabled"])
    assert (v.status, v.community, v.person) == ("pending", world.a, world.persons["a1"])
    told = set(OutboxMessage.objects.filter(event_key__startswith=f"volunteer:{v.pk}:applied", channel="inapp").values_list("recipient__username", flat=True))
    assert told == {"community_staff", "community_secretary"}
    assert list(queries.pending(sc(world, "community_staff"), world.a)) == [v]
    assert list(queries.pending(sc(world, "other_community_staff"), world.a)) == []
    with pytest.raises(OutOfScope):
        services.decide(sc(world, "other_community_staff"), v, approve=True)
    with pytest.raises(OutOfScope):
        services.decide(sc(world, "resident"), v, approve=True)
    services.decide(sc(world, "community_staff"), v, approve=True)
    v.refresh_from_db()
    assert v.status == "approved" and v.decided_by == world.accounts["community_staff"]
    told = OutboxMessage.objects.get(recipient=world.accounts["resident"], channel="inapp")
    assert told.subject == "您的志愿者注册已审核通过。"  # stored in the site's language, though this test runs in English
    with pytest.raises(ValidationError) as exc:
        services.decide(sc(world, "community_staff"), v, approve=False, note="重复")
    assert exc.value.message_dict == {"status": ["Status: this registration was already decided."]}


def test_registration_refusals(world):
    s = sc(world, "resident")
    with pytest.raises(ValidationError) as exc:
        services.register(s, target_groups=["aliens"])
    assert exc.value.message_dict == {"target_groups": ["Groups served: unknown group aliens."]}
    with pytest.raises(ValidationError) as exc:
        services.register(s, party_member=True)
    assert "does not list this person as a CPC member" in exc.value.message_dict["party_member"][0]
    assert Volunteer.objects.count() == 0
    services.register(s)
    with pytest.raises(ValidationError) as exc:
        services.register(s)
    assert "already registered" in exc.value.message_dict["person"][0]
    assert Volunteer.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        services.decide(sc(world, "community_staff"), Volunteer.objects.get(), approve=False, note="")
    assert exc.value.message_dict == {"note": ["Note: required."]}


def test_party_member_registration_is_counted_by_party_organisation(world):
    party = Organization.objects.create(kind="party", name="柳航里社区党委", party_level="community_committee", community=world.a)
    people.update_person(system(), world.persons["a3"], political_status="party_member")
    world.persons["a3"].refresh_from_db()
    v = services.register(resident(world, "r3", "a3"), party_member=True, party_org=party)
    services.decide(sc(world, "community_staff"), v, approve=True)
    assert queries.party_counts(world.a) == [{"party_org__name": "柳航里社区党委", "n": 1}]


def test_co_building_unit_member_registers_through_the_unit(world):
    unit = Organization.objects.create(kind="co_building", name="市供电公司", community=world.a)
    v = services.register(sc(world, "resident_b"), community=world.a, organization=unit)
    assert v.community == world.a and v.organization == unit
    with pytest.raises(ValidationError):
        services.register(sc(world, "resident_b"), community=world.a, organization=world.orgs["police"])


def test_teams_keep_membership_history(world, vol):
    team = services.create_team(sc(world, "community_staff"), world.a, name="益民志愿服务队", lead=vol, channel="社区服务站 每周三上午")
    m = team.memberships.get()
    services.leave_team(sc(world, "community_staff"), m, until=timezone.localdate())
    services.join_team(sc(world, "community_staff"), team, vol)
    assert team.memberships.count() == 2 and team.memberships.filter(until__isnull=True).count() == 1
    with pytest.raises(ValidationError):
        services.create_team(sc(world, "community_staff"), world.a, name="益民志愿服务队")


def test_sign_up_rule_seats_then_waiting_list_then_refused(world):
    act = activity(world, capacity=1, waitlist_size=1)
    v1 = approved(world)
    s2 = resident(world, "r3", "a3")
    approved(world, key="r3", person_key="a3")
    s3 = resident(world, "r2", "a2")
    approved(world, key="r2", person_key="a2")
    first = services.sign_up(sc(world, "resident"), act)
    second = services.sign_up(s2, act)
    assert (first.status, second.status, first.volunteer) == ("confirmed", "waitlisted", v1)
    with pytest.raises(ValidationError) as exc:
        services.sign_up(s3, act)
    assert exc.value.message_dict == {"capacity": ["Capacity: all 1 places and the waiting list are taken."]}
    assert SignUp.objects.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.sign_up(sc(world, "resident"), act)
    assert exc.value.message_dict == {"activity": ["Activity: you have signed up already."]}
    # the confirmed one cancels: the first on the waiting list moves up and is told
    services.cancel_signup(sc(world, "resident"), first)
    second.refresh_from_db()
    assert second.status == "confirmed"
    assert OutboxMessage.objects.filter(recipient=world.accounts["r3"], event_key=f"signup:{second.pk}:promoted").exists()
    third = services.sign_up(s3, act)
    assert third.status == "waitlisted"


def test_only_approved_volunteers_sign_up_for_service(world):
    act = activity(world)
    services.register(sc(world, "resident"))
    with pytest.raises(ValidationError) as exc:
        services.sign_up(sc(world, "resident"), act)
    assert exc.value.message_dict == {"volunteer": ["Volunteer: you are not an approved volunteer of this community."]}
    assert SignUp.objects.count() == 0


def test_activity_refusals(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        activity(world, starts_at=now + datetime.timedelta(hours=2), ends_at=now + datetime.timedelta(hours=1))
    assert exc.value.message_dict == {"ends_at": ["Ends: the end must lie after the start."]}
    with pytest.raises(ValidationError) as exc:
        activity(world, capacity=0)
    assert exc.value.message_dict == {"capacity": ["Capacity: must be above zero."]}
    with pytest.raises(OutOfScope):
        services.create_activity(sc(world, "resident"), world.a, title="x", place="y", starts_at=now, ends_at=now + datetime.timedelta(hours=1), capacity=3)


def test_rotating_code_check_in_and_out_to_certified_points(world, vol):
    act = activity(world, points_per_hour=12)
    me = sc(world, "resident")
    services.sign_up(me, act)
    t0 = timezone.now()
    code = services.code_at(act, t0)
    assert len(code) == 6 and code.isdigit()
    # an expired code (three windows ago) is refused and changes nothing
    old = services.code_at(act, t0 - datetime.timedelta(minutes=3))
    if old != code and old != services.code_at(act, t0 - datetime.timedelta(minutes=1)):
        with pytest.raises(ValidationError) as exc:
            services.check_in(me, act, old, at=t0)
        assert exc.value.message_dict == {"code": ["Code: wrong or expired; read the current code from the organiser's phone."]}
    assert SignUp.objects.get().checked_in_at is None
    # the previous window's code still works (a code read just before it rotated)
    services.check_in(me, act, services.code_at(act, t0 - datetime.timedelta(seconds=60)), at=t0)
    t1 = t0 + datetime.timedelta(minutes=95)
    services.check_out(me, act, services.code_at(act, t1), at=t1)
    rec = ServiceRecord.objects.get()
    assert (rec.minutes, rec.points, rec.certified_at) == (95, 0, None)
    assert not Posting.objects.exists()
    with pytest.raises(OutOfScope):
        services.certify(me, rec)
    services.certify(sc(world, "community_staff"), rec, rating=5)
    rec.refresh_from_db()
    assert (rec.points, rec.rating) == (95 * 12 // 60, 5)
    assert services.account_of(vol).balance == 19 == Posting.objects.get(source_key=f"service:{rec.pk}").amount
    # stored in the site's language (zh-Hans), though this test runs in English
    assert Posting.objects.get().reason == "志愿服务：义诊进社区，1.58 小时"
    assert Posting.objects.get().cause == rec
    with pytest.raises(ValidationError) as exc:
        services.certify(sc(world, "community_staff"), rec)
    assert exc.value.message_dict == {"minutes": ["Minutes: these hours are certified already."]}
    assert Posting.objects.count() == 1


def test_code_is_refused_outside_the_activity_and_without_a_place(world, vol):
    act = activity(world)
    me = sc(world, "resident")
    with pytest.raises(ValidationError) as exc:
        services.check_in(me, act, services.code_at(act))
    assert exc.value.message_dict == {"code": ["Code: you have no confirmed place in this activity."]}
    services.sign_up(me, act)
    late = act.ends_at + datetime.timedelta(hours=3)
    with pytest.raises(ValidationError) as exc:
        services.check_in(me, act, services.code_at(act, late), at=late)
    assert "two hours after the end" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        services.check_out(me, act, services.code_at(act))
    assert exc.value.message_dict == {"code": ["Code: check in first."]}
    other = activity(world, title="另一个")
    if services.code_at(other) != services.code_at(act):  # another activity's code (equal once in a million)
        with pytest.raises(ValidationError):
            services.check_in(me, act, services.code_at(other))
    assert SignUp.objects.get().checked_in_at is None


def test_residents_attend_a_free_clinic(world):
    act = activity(world, audience="residents", title="免费义诊")
    me = sc(world, "resident")
    s = services.sign_up(me, act)
    assert s.volunteer is None and s.status == "confirmed"
    services.check_in(me, act, services.code_at(act))
    services.check_out(me, act, services.code_at(act))
    assert not ServiceRecord.objects.exists()
    assert queries.attendance(act) == {"confirmed": 1, "checked_in": 1}
    with pytest.raises(ValidationError):
        services.sign_up(sc(world, "resident_b"), act)  # another community's resident


def test_certified_minutes_are_bounded(world, vol):
    act = activity(world)
    me = sc(world, "resident")
    services.sign_up(me, act)
    services.check_in(me, act, services.code_at(act))
    services.check_out(me, act, services.code_at(act))
    rec = ServiceRecord.objects.get()
    with pytest.raises(ValidationError) as exc:
        services.certify(sc(world, "community_staff"), rec, minutes=999)
    assert "Minutes: at most" in exc.value.message_dict["minutes"][0]
    with pytest.raises(ValidationError):
        services.certify(sc(world, "community_staff"), rec, minutes=60, rating=6)
    assert not Posting.objects.exists()
    services.certify(sc(world, "community_staff"), rec, minutes=120)
    assert services.account_of(vol).balance == 20


def test_annual_plan_planned_vs_done(world):
    staff = sc(world, "community_staff")
    year = timezone.localdate().year
    a = services.add_plan_item(staff, world.a, year=year, month=3, title="学雷锋义诊", kind="clinic")
    services.add_plan_item(staff, world.a, year=year, month=11, title="消防演练", kind="fire_drill")
    with pytest.raises(ValidationError) as exc:
        services.add_plan_item(staff, world.a, year=year, month=13, title="x")
    assert exc.value.message_dict == {"month": ["Month: from 1 to 12."]}
    past = timezone.now() - datetime.timedelta(days=1)
    act = activity(world)
    from linli.volunteers.models import Activity
    Activity.objects.filter(pk=act.pk).update(starts_at=past - datetime.timedelta(hours=2), ends_at=past)
    services.link_plan_item(staff, a, act)
    summary = queries.plan(world.a, year)
    assert (summary["planned"], summary["done"]) == (2, 1)


def test_staff_sign_in_a_volunteer_without_a_phone_but_residents_cannot(world):
    v = approved(world, key=None, person_key="a2")  # 张伟 has no account
    act = activity(world)
    staff = sc(world, "community_staff")
    with pytest.raises(OutOfScope):
        services.sign_up(sc(world, "resident"), act, person=world.persons["a2"])
    s = services.sign_up(staff, act, person=world.persons["a2"])
    assert (s.person, s.volunteer, s.status) == (world.persons["a2"], v, "confirmed")
    services.check_in(staff, act, services.code_at(act), person=world.persons["a2"])
    with pytest.raises(OutOfScope):
        services.check_out(sc(world, "other_community_staff"), act, services.code_at(act), person=world.persons["a2"])
    services.check_out(staff, act, services.code_at(act), person=world.persons["a2"])
    assert ServiceRecord.objects.get().volunteer == v


def test_staff_record_hours_from_a_paper_sheet_once(world, vol):
    now = timezone.now()
    past = activity(world, starts_at=now - datetime.timedelta(days=20), ends_at=now - datetime.timedelta(days=20) + datetime.timedelta(hours=3))
    staff = sc(world, "community_staff")
    with pytest.raises(OutOfScope):
        services.record_hours(sc(world, "resident"), past, vol, minutes=60)
    rec = services.record_hours(staff, past, vol, minutes=150)
    with pytest.raises(ValidationError) as exc:
        services.record_hours(staff, past, vol, minutes=150)
    assert exc.value.message_dict == {"volunteer": ["Volunteer: already has hours for this activity."]}
    services.certify(staff, rec)
    assert services.account_of(vol).balance == 25
    with pytest.raises(ValidationError) as exc:
        services.sign_up(sc(world, "resident"), past)
    assert exc.value.message_dict == {"activity": ["Activity: it is over."]}
    with pytest.raises(ValidationError) as exc:
        activity(world, starts_at=now - datetime.timedelta(days=400), ends_at=now - datetime.timedelta(days=399))
    assert "more than a year ago" in exc.value.message_dict["starts_at"][0]


def test_a_team_lead_organises_but_the_community_decides(world, vol):
    from linli.core import roles
    lead_person = people.register_person(system(), community=world.a, name="卢队长", phone="13900007777")
    people.appoint(system(), lead_person, roles.VOLUNTEER_TEAM_LEAD, world.a, starts_on=datetime.date(2020, 1, 1))
    world.accounts["team_lead"] = people.create_account(lead_person, "team_lead", PASSWORD)
    lead = sc(world, "team_lead")
    act = services.create_activity(lead, world.a, title="楼道清理", place="1号楼", starts_at=timezone.now() - datetime.timedelta(hours=1),
                                   ends_at=timezone.now() + datetime.timedelta(hours=1), capacity=5)
    rec = services.record_hours(lead, act, vol, minutes=60)
    services.certify(lead, rec)  # the organiser certifies hours
    pending = services.register(sc(world, "resident_b"), community=world.a,
                                organization=Organization.objects.create(kind="co_building", name="市供电公司", community=world.a))
    today = timezone.localdate()
    for refused in (lambda: services.decide(lead, pending, approve=True),
                    lambda: services.correct(lead, Posting.objects.get(), amount=1, reason="x"),
                    lambda: services.give_award(lead, vol, title="实践之星", level="excellence", period_start=today, period_end=today, points=5)):
        with pytest.raises(OutOfScope):
            refused()
    assert Posting.objects.count() == 1 and Volunteer.objects.get(pk=pending.pk).status == "pending"
