"""The volunteers workbench: each role's items with their deadlines, nothing from another community, a fixed number of
queries whatever the number of rows, and every item's page opens for the person it is shown to."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core import roles
from linli.core.work import TASK, WATCH
from linli.people.models import Organization
from linli.people.scopes import resolve, system
from linli.volunteers import queries, services
from linli.volunteers.models import Activity, ServiceRecord, SignUp, Volunteer, Wish

from .conftest import approved, fund, sc, staff_person

H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


class Data:
    def __init__(self, world):
        self.w = world
        self.now = timezone.now()
        self.n = 0

    def activity(self, starts_in, community=None, **kw):
        self.n += 1
        starts = self.now + starts_in
        return Activity.objects.create(community=community or self.w.a, title=f"活动{self.n}", place="社区广场", starts_at=starts,
                                       ends_at=starts + 2 * H, capacity=10, **kw)

    def record(self, activity, volunteer, certified=False):
        return ServiceRecord.objects.create(volunteer=volunteer, community=activity.community, activity=activity, minutes=60,
                                            certified_at=self.now if certified else None)

    def pending(self, person_key, community=None):
        return Volunteer.objects.create(person=self.w.persons[person_key], community=community or self.w.a)

    def wish(self, person_key, status=Wish.Status.OPEN, claimed_by=None, community=None):
        self.n += 1
        return Wish.objects.create(community=community or self.w.a, person=self.w.persons[person_key], text=f"心愿{self.n}",
                                   status=status, claimed_by=claimed_by)


@pytest.fixture
def data(world):
    d = Data(world)
    w = world
    d.vol = approved(w)  # 王建国 (a1, the "resident" account), community A
    d.vol_b = Volunteer.objects.create(person=w.persons["b1"], community=w.b, status=Volunteer.Status.APPROVED)
    # community staff of A: one registration waiting (刘芳), hours waiting on two activities, a reservation to hand out
    d.pending_a3 = d.pending("a3")
    d.past = d.activity(-3 * D)
    d.rec = d.record(d.past, d.vol)
    d.record(d.past, d.vol, certified=True)
    fund(w, d.vol, 100)
    item = services.add_item(sc(w, "community_staff"), w.a, name="洗衣液", price=20, stock=5)
    d.reserved = services.redeem(sc(w, "resident"), d.vol, item, channel="online")
    # a team lead appointed for a volunteer-team organisation of A: its team's activity in two days, one in ten days,
    # and a past one with hours to certify
    d.org = Organization.objects.create(kind=Organization.Kind.VOLUNTEER_TEAM, name="航苑志愿服务队", community=w.a)
    staff_person(w, "team_lead", "卢队长", roles.VOLUNTEER_TEAM_LEAD, d.org)
    d.org_team = services.create_team(sc(w, "community_staff"), w.a, name="航苑志愿服务队", organization=d.org)
    d.t_soon = d.activity(2 * D, team=d.org_team)
    d.t_far = d.activity(10 * D, team=d.org_team)
    d.t_past = d.activity(-1 * D, team=d.org_team)
    d.t_rec = d.record(d.t_past, d.vol)
    # the building leader leads a team of their own (as its lead volunteer): its activity tomorrow
    d.leader_vol = approved(w, None, "building_leader")
    d.leader_team = services.create_team(sc(w, "community_staff"), w.a, name="1号楼志愿队", lead=d.leader_vol)
    d.l_soon = d.activity(1 * D, team=d.leader_team)
    # the resident: signed up in 3 days (confirmed) and 5 days (waiting list); not: in 20 days, a cancelled one, one cancelled
    d.s_soon = SignUp.objects.create(activity=d.activity(3 * D), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.CONFIRMED)
    d.s_wait = SignUp.objects.create(activity=d.activity(5 * D), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.WAITLISTED)
    SignUp.objects.create(activity=d.activity(20 * D), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.CONFIRMED)
    SignUp.objects.create(activity=d.activity(4 * D, cancelled=True), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.CONFIRMED)
    SignUp.objects.create(activity=d.activity(4 * D), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.CANCELLED)
    # micro-wishes: the resident's own open one and a fulfilled one; 张伟's, claimed by the resident; community B's
    d.own = d.wish("a1")
    d.wish("a1", status=Wish.Status.FULFILLED)
    d.claimed = d.wish("a2", status=Wish.Status.CLAIMED, claimed_by=d.vol)
    d.wish_b = d.wish("b1", community=w.b)
    # community B: a registration, hours and an activity of its own (never on A's workbenches)
    d.pending("a1_spouse", community=w.b)
    d.b_act = d.activity(1 * D, community=w.b)
    d.record(d.activity(-2 * D, community=w.b), d.vol_b)
    return d


def items_of(world, key, now):
    return {i.key: i for i in queries.workbench(resolve(world.accounts[key]), now)}


def assert_pages_open(client, world, key, items):
    client.force_login(world.accounts[key])
    for item in items.values():
        assert client.get(item.url).status_code == 200, (key, item.key, item.url)


def test_community_staff_approvals_hours_and_reservations_one_item_each(world, data, client):
    d, a = data, world.a.pk
    items = items_of(world, "community_staff", d.now)
    assert set(items) == {f"approvals:{a}", f"certify:{a}", f"reservations:{a}"}
    assert all(i.kind == TASK and i.app == "volunteers" and i.note == world.a.name for i in items.values())
    ap = items[f"approvals:{a}"]
    assert (ap.what, ap.title, ap.url, ap.due) == ("To approve", "1 volunteer registration awaiting approval",
                                                   f"/volunteers/approvals/?community={a}", None)
    cert = items[f"certify:{a}"]  # two activities' hours: the activities page
    assert (cert.what, cert.title, cert.url) == ("To certify", "2 service records awaiting certification", f"/volunteers/activities/?community={a}")
    res = items[f"reservations:{a}"]
    assert (res.what, res.title, res.url) == ("To hand out", "1 shop reservation to hand out", f"/volunteers/shop/counter/?community={a}")
    assert res.due == d.reserved.at + datetime.timedelta(days=services.RESERVATION_DAYS)
    assert_pages_open(client, world, "community_staff", items)
    # one activity's hours only: its page
    d.t_rec.delete()
    assert items_of(world, "community_staff", d.now)[f"certify:{a}"].url == f"/volunteers/activities/{d.past.pk}/"
    other = items_of(world, "other_community_staff", d.now)
    assert set(other) == {f"approvals:{world.b.pk}", f"certify:{world.b.pk}"}


def test_team_lead_activities_to_organise_and_hours_to_certify(world, data, client):
    d = data
    items = items_of(world, "team_lead", d.now)
    assert set(items) == {f"activity:{d.t_soon.pk}:organise", f"certify:activity:{d.t_past.pk}"}
    org = items[f"activity:{d.t_soon.pk}:organise"]
    assert (org.kind, org.what, org.title, org.due) == (TASK, "Organise", d.t_soon.title, d.t_soon.starts_at)
    cert = items[f"certify:activity:{d.t_past.pk}"]
    assert (cert.kind, cert.what, cert.note, cert.url) == (TASK, "To certify", "1 service record awaiting certification",
                                                           f"/volunteers/activities/{d.t_past.pk}/")
    assert_pages_open(client, world, "team_lead", items)


def test_building_leader_leading_a_team_organises_its_activities(world, data, client):
    d = data
    items = items_of(world, "building_leader", d.now)
    assert set(items) == {f"activity:{d.l_soon.pk}:organise"}
    assert items[f"activity:{d.l_soon.pk}:organise"].due == d.l_soon.starts_at
    assert_pages_open(client, world, "building_leader", items)


def test_resident_signups_and_micro_wishes(world, data, client):
    d = data
    items = items_of(world, "resident", d.now)
    assert set(items) == {f"signup:{d.s_soon.pk}", f"signup:{d.s_wait.pk}", f"wish:{d.own.pk}", f"wish:{d.claimed.pk}:fulfil"}
    soon = items[f"signup:{d.s_soon.pk}"]
    assert (soon.kind, soon.what, soon.due) == (WATCH, "Signed up", d.s_soon.activity.starts_at)
    assert items[f"signup:{d.s_wait.pk}"].what == "On the waiting list"
    own = items[f"wish:{d.own.pk}"]
    assert (own.kind, own.what, own.title, own.due) == (WATCH, "My wish", d.own.text, None)
    fulfil = items[f"wish:{d.claimed.pk}:fulfil"]
    assert (fulfil.kind, fulfil.what, fulfil.url) == (TASK, "To fulfil", f"/volunteers/wishes/{d.claimed.pk}/")
    assert_pages_open(client, world, "resident", items)
    assert set(items_of(world, "resident_b", d.now)) == {f"wish:{d.wish_b.pk}"}


def count_queries(world, key, now):
    scope = resolve(world.accounts[key])
    with CaptureQueriesContext(connection) as ctx:
        items = queries.workbench(scope, now)
    return len(ctx.captured_queries), items


def test_a_fixed_number_of_queries_for_one_or_five_items_of_each_kind(world, data):
    d, w = data, world
    keys = ("community_staff", "team_lead", "building_leader", "resident")
    before = {key: count_queries(w, key, d.now) for key in keys}
    item = services.add_item(sc(w, "community_staff"), w.a, name="牙膏", price=5, stock=50)
    for i in range(4):
        d.pending(("a1_spouse", "a2", "micro_grid_worker", "entrance_leader")[i])
        d.record(d.activity(-(i + 5) * D), d.vol)
        services.redeem(sc(w, "resident"), d.vol, item, channel="online")
        d.activity((i + 1) * H, team=d.org_team)
        d.record(d.activity(-(i + 5) * D, team=d.org_team), d.vol)
        d.activity((i + 1) * H, team=d.leader_team)
        SignUp.objects.create(activity=d.activity((i + 1) * D), person=w.persons["a1"], volunteer=d.vol, status=SignUp.Status.CONFIRMED)
        d.wish("a1")
        d.wish("a2", status=Wish.Status.CLAIMED, claimed_by=d.vol)
    after = {key: count_queries(w, key, d.now) for key in keys}
    for key in keys:
        assert after[key][0] == before[key][0], key
        assert len(after[key][1]) > len(before[key][1]) or key == "community_staff", key
    staff_after = {i.key: i.title for i in after["community_staff"][1]}
    assert staff_after[f"approvals:{w.a.pk}"] == "5 volunteer registrations awaiting approval"
    assert staff_after[f"reservations:{w.a.pk}"] == "5 shop reservations to hand out"
    assert {k: n for k, (n, _items) in before.items()} == {"community_staff": 7, "team_lead": 5, "building_leader": 4, "resident": 4}
    assert count_queries(w, "department_contact", d.now)[1] == []
    assert queries.workbench(system(), d.now) == []
