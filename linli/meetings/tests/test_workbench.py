"""The meetings part of each role's workbench (queries.workbench): votes to cast, actions owned, meetings this week,
the council hall's next steps, reception bookings — scope-filtered, with their deadlines, in a fixed number of queries,
each opening a page its viewer may read."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.cases import services as cases
from linli.cases.tests.conftest import cats  # noqa: F401  (fixture)
from linli.core.work import TASK, WATCH
from linli.meetings import queries
from linli.meetings.models import Action, Attendance, Ballot, Booking, Matter, Meeting, ReceptionSlot, RollEntry, Vote
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def sc(world, key):
    return resolve(world.accounts[key])


def bench(world, key, now=None):
    return queries.workbench(sc(world, key), now or timezone.now())


def keyed(items):
    return {i.key: i for i in items}


def matter(world, title, status="raised", community=None, building=None, raised_by="a1", compound=None):
    community = community or world.a
    return Matter.objects.create(community=community, compound=compound, building=building, title=title, what=title + "，请大家议一议",
                                 raised_by=world.persons[raised_by], status=status)


def open_vote(world, m, households, closes_in=2 * DAY):
    now = timezone.now()
    v = Vote.objects.create(matter=m, level=Vote.Level.COMMUNITY, unit=Vote.Unit.HOUSEHOLD, opens_at=now - HOUR,
                            closes_at=now + closes_in, eligible=len(households))
    entries = {}
    for key in households:
        p = world.persons[key]
        entries[key] = RollEntry.objects.create(vote=v, household_id=p.household_id, building=p.dwelling.building,
                                                label=f"{p.dwelling.building.number} {p.dwelling.room}")
    return v, entries


def meeting(world, title, starts_at, community=None, persons=(), orgs=(), case=None, kind=Meeting.Kind.REGULAR):
    m = Meeting.objects.create(kind=kind, title=title, community=community or world.a, starts_at=starts_at, place="社区议事室",
                               chair=world.persons["community_secretary"], case=case)
    for p in persons:
        Attendance.objects.create(meeting=m, person=world.persons[p])
    for o in orgs:
        Attendance.objects.create(meeting=m, organization=world.orgs[o])
    return m


def slot(world, host, community, starts_at):
    return ReceptionSlot.objects.create(community=community, host=world.accounts[host], starts_at=starts_at,
                                        ends_at=starts_at + HOUR, place="书记接待室", capacity=3)


@pytest.fixture
def council(world, cats):  # noqa: F811
    w, now, d = world, timezone.now(), {}
    d["voting"] = matter(w, "加装电梯", status="voting", compound=w.compounds["A"])
    d["vote"], d["roll"] = open_vote(w, d["voting"], ["a1", "a2", "a3"])
    d["voting_b"] = matter(w, "东苑停车", status="voting", community=w.b, raised_by="b1")
    d["vote_b"], _roll = open_vote(w, d["voting_b"], ["b1"])
    d["on_agenda"] = matter(w, "小区充电桩", status="on_agenda")
    d["deliberating"] = matter(w, "垃圾分类点位", status="deliberating")
    d["decided"] = matter(w, "绿化补种", status="decided")
    d["raised_b"] = matter(w, "东苑路灯", status="on_agenda", community=w.b, raised_by="b1")
    d["building"] = matter(w, "1号楼单元门禁", status="raised", building=w.buildings["A1"], compound=w.compounds["A"], raised_by="a2")
    d["building2"] = matter(w, "2号楼晾衣架", status="raised", building=w.buildings["A2"], compound=w.compounds["A"], raised_by="a3")
    d["soon"] = meeting(w, "网格例会", now + 2 * DAY, persons=["a1", "grid_worker"], orgs=["police"])
    d["later"] = meeting(w, "下月例会", now + 20 * DAY, persons=["a1"])
    d["soon_b"] = meeting(w, "东风园例会", now + DAY, community=w.b)
    case = cases.submit(sc(w, "community_staff"), source="hotline", description="菜市场污水外溢到小区门口", category="env.sewage",
                        lat=40.0805, lng=113.3015, reporter_name="刘女士", reporter_phone="13900000099")
    d["case"] = case
    whistle_meeting = meeting(w, "污水外溢吹哨会", now - DAY, case=case, kind=Meeting.Kind.WHISTLE, orgs=["police"])
    Meeting.objects.filter(pk=whistle_meeting.pk).update(held=True)
    d["dept_action"] = Action.objects.create(meeting=whistle_meeting, text="派出所配合清理占道", owner_org=w.orgs["police"],
                                             due_on=timezone.localdate() + datetime.timedelta(days=3))
    d["grid_action"] = Action.objects.create(meeting=d["soon"], text="走访2号楼住户", owner=w.accounts["grid_worker"],
                                             due_on=timezone.localdate() - datetime.timedelta(days=1))
    d["property_action"] = Action.objects.create(matter=d["decided"], text="物业补种绿化", owner_org=w.orgs["property"],
                                                 due_on=timezone.localdate() + datetime.timedelta(days=10))
    Action.objects.create(matter=d["decided"], text="已完成的事", owner_org=w.orgs["property"], due_on=timezone.localdate(),
                          status=Action.Status.DONE)
    d["slot"] = slot(w, "community_secretary", w.a, now + DAY)
    d["booking"] = Booking.objects.create(slot=d["slot"], seat=1, person=w.persons["a1"], account=w.accounts["resident"], topic="想聊聊加装电梯")
    Booking.objects.create(slot=d["slot"], seat=2, person=w.persons["a2"], topic="取消了", status=Booking.Status.CANCELLED)
    d["slot_b"] = slot(w, "other_community_staff", w.b, now + DAY)
    d["booking_b"] = Booking.objects.create(slot=d["slot_b"], seat=1, person=w.persons["b1"], topic="东苑停车难")
    return d


def test_resident_votes_attends_and_watches_bookings(world, council):
    d = council
    items = keyed(bench(world, "resident"))
    vote, attend, booking = f"vote:{d['vote'].pk}:cast", f"meeting:{d['soon'].pk}:attend", f"booking:{d['booking'].pk}:mine"
    assert set(items) == {vote, attend, booking}
    assert items[vote].kind == TASK and items[vote].due == d["vote"].closes_at and items[vote].title == "加装电梯"
    assert items[vote].url == f"/meetings/matters/{d['voting'].pk}/" and items[vote].app == "meetings"
    assert items[attend].due == d["soon"].starts_at and items[attend].kind == TASK
    assert items[booking].kind == WATCH and items[booking].due == d["slot"].starts_at
    # the spouse votes for the household: the task is gone for both
    Ballot.objects.create(vote=d["vote"], entry=d["roll"]["a1"], voter=world.persons["a1_spouse"], channel=Ballot.Channel.ONLINE)
    assert vote not in keyed(bench(world, "resident"))
    # a closed vote, or one whose time is up, asks nothing
    Ballot.objects.all().delete()
    assert vote not in keyed(bench(world, "resident", now=d["vote"].closes_at + HOUR))


def test_neighbour_community_resident_sees_only_their_own(world, council):
    d = council
    assert set(keyed(bench(world, "resident_b"))) == {f"vote:{d['vote_b'].pk}:cast", f"booking:{d['booking_b'].pk}:mine"}
    assert {i.key for i in bench(world, "resident")}.isdisjoint({f"vote:{d['vote_b'].pk}:cast", f"booking:{d['booking_b'].pk}:mine"})


def test_community_staff_next_steps_meetings_and_bookings(world, council):
    d = council
    items = keyed(bench(world, "community_staff"))
    expected = {f"matter:{d['on_agenda'].pk}:schedule", f"matter:{d['deliberating'].pk}:open_vote", f"matter:{d['decided'].pk}:plan",
                f"meeting:{d['soon'].pk}:attend", f"booking:{d['booking'].pk}:receive"}
    assert set(items) == expected
    assert items[f"matter:{d['on_agenda'].pk}:schedule"].what == "Schedule"
    assert items[f"booking:{d['booking'].pk}:receive"].due == d["slot"].starts_at
    assert all(items[k].kind == TASK for k in expected)
    # the host is also staff: the same booking, once
    assert f"booking:{d['booking'].pk}:receive" in keyed(bench(world, "community_secretary"))
    b = keyed(bench(world, "other_community_staff"))
    assert set(b) == {f"matter:{d['raised_b'].pk}:schedule", f"meeting:{d['soon_b'].pk}:attend", f"booking:{d['booking_b'].pk}:receive"}


def test_owners_carry_out_their_actions(world, council):
    d = council
    dept = keyed(bench(world, "department_contact"))
    assert set(dept) == {f"action:{d['dept_action'].pk}:carry_out", f"meeting:{d['soon'].pk}:attend"}
    act = dept[f"action:{d['dept_action'].pk}:carry_out"]
    assert act.url == f"/cases/{d['case'].pk}/" and act.note == "污水外溢吹哨会"
    assert timezone.localtime(act.due).date() == d["dept_action"].due_on
    prop = keyed(bench(world, "property_manager"))
    assert set(prop) == {f"action:{d['property_action'].pk}:carry_out"}
    assert prop[f"action:{d['property_action'].pk}:carry_out"].url == f"/meetings/matters/{d['decided'].pk}/"
    grid = keyed(bench(world, "grid_worker"))
    assert set(grid) == {f"action:{d['grid_action'].pk}:carry_out", f"meeting:{d['soon'].pk}:attend"}
    assert grid[f"action:{d['grid_action'].pk}:carry_out"].overdue(timezone.now())  # due yesterday


def test_building_leader_watches_neighbours_matters(world, council):
    d = council
    items = keyed(bench(world, "building_leader"))
    assert set(items) == {f"matter:{d['building'].pk}:watch"}
    assert items[f"matter:{d['building'].pk}:watch"].kind == WATCH and items[f"matter:{d['building'].pk}:watch"].note == "Raised"


def test_nothing_for_the_anonymous_and_the_subdistrict(world, council):
    from django.contrib.auth.models import AnonymousUser

    assert queries.workbench(resolve(AnonymousUser()), timezone.now()) == []
    assert bench(world, "subdistrict_staff") == []


# ---------------------------------------------------------------- no query per row

# actions, meetings and bookings for everyone; the votes for whoever lives somewhere; the matters for staff and leaders
QUERIES = {"resident": 4, "community_staff": 4, "department_contact": 3, "building_leader": 4, "grid_worker": 3}


def _add_rows(world, n, start=0):
    now = timezone.now()
    for i in range(start, start + n):
        m = matter(world, f"议题{i}", status="voting")
        open_vote(world, m, ["a1"])
        matter(world, f"待安排{i}", status="on_agenda")
        matter(world, f"1号楼议题{i}", building=world.buildings["A1"])
        mt = meeting(world, f"例会{i}", now + DAY + i * HOUR, persons=["a1", "grid_worker"], orgs=["police"])
        Action.objects.create(meeting=mt, text=f"落实{i}", owner=world.accounts["grid_worker"], due_on=timezone.localdate())
        Action.objects.create(meeting=mt, text=f"部门落实{i}", owner_org=world.orgs["police"], due_on=timezone.localdate())
        s = slot(world, "community_secretary", world.a, now + DAY + i * HOUR)
        Booking.objects.create(slot=s, seat=1, person=world.persons["a1"], account=world.accounts["resident"], topic=f"接待话题{i}")


def _count(world, key):
    scope = sc(world, key)
    now = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        items = queries.workbench(scope, now)
    return len(ctx.captured_queries), len(items)


@pytest.mark.parametrize("key", sorted(QUERIES))
def test_fixed_number_of_queries_for_1_and_5_items(world, key):
    _add_rows(world, 1)
    few, n_few = _count(world, key)
    _add_rows(world, 4, start=1)
    many, n_many = _count(world, key)
    assert n_many > n_few >= 1
    assert few == many == QUERIES[key]


# ---------------------------------------------------------------- each item opens a page its viewer may read

@pytest.mark.parametrize("key", ["resident", "resident_b", "community_staff", "community_secretary", "other_community_staff",
                                 "department_contact", "property_manager", "grid_worker", "building_leader"])
def test_every_item_opens_for_its_viewer(client, world, council, key):
    items = bench(world, key)
    assert items
    assert client.login(username=key, password=PASSWORD)
    for item in items:
        assert client.get(item.url).status_code == 200, (key, item.key, item.url)
