"""The grid-work workbench: each role's items with their deadlines, nothing from another grid or community, a fixed
number of queries whatever the number of rows, and every item's page opens for the person it is shown to."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.work import TASK, WATCH
from linli.patrols import queries
from linli.patrols.models import CareVisit, DutyItem, Patrol, PatrolStop, RectificationNotice, Reinspection, VisitRule
from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.places import services as places


def end_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


class Data:
    def __init__(self, gw):
        self.gw = gw
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.rule = VisitRule.objects.create(community=gw.a, name="独居老人每周", tag="living_alone", interval_days=7)
        self.rule_b = VisitRule.objects.create(community=gw.b, name="东风园独居", tag="living_alone", interval_days=7)
        self.n = 0

    def day(self, n):
        return self.today + datetime.timedelta(days=n)

    def person(self, dwelling="A1-101"):
        self.n += 1
        return people.register_person(system(), dwelling=self.gw.dwellings[dwelling], name=f"走访对象{self.n}",
                                      since=datetime.date(2015, 1, 1))

    def visit(self, due, to="grid_worker", dwelling="A1-101", grid="A1", community=None, rule=None, **kw):
        p = self.person(dwelling)
        return CareVisit.objects.create(person=p, rule=rule or self.rule, community=community or self.gw.a, grid=self.gw.grids[grid],
                                        building=p.dwelling.building, assigned_to=self.gw.accounts[to], due_on=self.day(due), **kw)

    def notice(self, deadline, grid="A1", community=None, org=None, inspector="grid_worker", status=RectificationNotice.Status.ISSUED,
               **reinspection):
        self.n += 1
        n = RectificationNotice.objects.create(
            number=f"ZG-T-{self.n:03d}", community=community or self.gw.a, grid=self.gw.grids[grid], responsible_name=f"责任方{self.n}",
            responsible_org=self.gw.orgs[org] if org else None, requirements="三日内清理楼道堆物", deadline=self.day(deadline), status=status,
            issued_by=self.gw.accounts[inspector])
        Reinspection.objects.create(notice=n, inspector=self.gw.accounts[inspector], due_on=n.deadline, **reinspection)
        return n

    def duty(self, due, leader="building_leader", building="A1", source=DutyItem.Source.GENERATED, **kw):
        self.n += 1
        return DutyItem.objects.create(leader=self.gw.persons[leader], building=self.gw.buildings[building], community=self.gw.a,
                                       kind=DutyItem.Kind.COLLECT if source == DutyItem.Source.GENERATED else DutyItem.Kind.TASK,
                                       title=f"收集居民意见{self.n}", source=source, period=f"2026-{self.n:02d}" if source == "generated" else "",
                                       due_on=self.day(due), **kw)


@pytest.fixture
def data(gw):
    d = Data(gw)
    gw.persons["leader_b"] = people.register_person(system(), community=gw.b, name="东风楼长", phone="13900007002")
    # grid worker (grid A1): two visits of theirs in the week (one overdue), one of the micro-grid's worker, one in ten days,
    # one done, and one in community B (outside their scope, whoever it names)
    d.v_soon = d.visit(3)
    d.v_late = d.visit(-2, escalated_at=d.now - datetime.timedelta(days=1))
    d.v_micro = d.visit(0, to="micro_grid_worker", dwelling="A1-201")
    d.v_far = d.visit(10)
    d.v_done = d.visit(-1, done_at=d.now)
    d.v_b = d.visit(1, dwelling="B1-101", grid="B1", community=gw.b, rule=d.rule_b, escalated_at=d.now)
    # notices: A1 expiring in 2 days (to the property company); A1 past its deadline, re-inspection due and reported overdue;
    # A1 in 10 days; A1 fixed; A2 (another grid) and B1 (another community, to the fire department) expiring tomorrow
    d.n_soon = d.notice(2, org="property")
    d.n_due = d.notice(-1, org="property", came_due_at=d.now - datetime.timedelta(days=1), overdue_reported_at=d.now)
    d.n_far = d.notice(10)
    d.n_fixed = d.notice(1, status=RectificationNotice.Status.FIXED)
    d.n_a2 = d.notice(1, grid="A2")
    d.n_b = d.notice(1, grid="B1", community=gw.b, org="fire", inspector="other_community_staff")
    # building leader: a monthly duty and a task set by staff open; one done, one missed; another leader's item
    d.duty_open = d.duty(5)
    d.task_open = d.duty(2, source=DutyItem.Source.ASSIGNED)
    d.duty(1, done_at=d.now)
    d.duty(-3, missed_at=d.now)
    d.duty(4, leader="leader_b", building="B1")
    # patrols: building 1 visited yesterday; the shop in A1 never (a coverage gap of grid A1)
    patrol = Patrol.objects.create(worker=gw.accounts["grid_worker"], grid=gw.grids["A1"], community=gw.a, ended_at=d.now)
    PatrolStop.objects.create(patrol=patrol, grid=gw.grids["A1"], community=gw.a, building=gw.buildings["A1"], seen="楼道整洁",
                              at=d.now - datetime.timedelta(days=1))
    return d


def items_of(gw, key, now):
    return {i.key: i for i in queries.workbench(resolve(gw.accounts[key]), now)}


def assert_pages_open(client, gw, key, items):
    client.force_login(gw.accounts[key])
    for item in items.values():
        assert client.get(item.url).status_code == 200, (key, item.key, item.url)


@pytest.mark.django_db
def test_grid_worker_visits_reinspections_expiring_notices_and_coverage_gaps(gw, data, client):
    d = data
    items = items_of(gw, "grid_worker", d.now)
    assert set(items) == {f"visit:{d.v_soon.pk}", f"visit:{d.v_late.pk}", f"reinspection:{d.n_due.reinspection.pk}",
                          f"notice:{d.n_soon.pk}:expiring", f"coverage:{gw.grids['A1'].pk}"}
    visit = items[f"visit:{d.v_soon.pk}"]
    assert (visit.app, visit.kind, visit.what, visit.due) == ("patrols", TASK, "Visit", end_of(d.day(3)))
    assert visit.title == d.v_soon.person.name and visit.url == f"/patrols/visits/{d.v_soon.pk}/"
    late = items[f"visit:{d.v_late.pk}"]
    assert late.due == end_of(d.day(-2)) and late.overdue(d.now)
    r = items[f"reinspection:{d.n_due.reinspection.pk}"]
    assert (r.kind, r.what, r.due, r.url) == (TASK, "Re-inspect", end_of(d.n_due.deadline), f"/patrols/notices/{d.n_due.pk}/")
    n = items[f"notice:{d.n_soon.pk}:expiring"]
    assert (n.kind, n.what, n.due) == (WATCH, "Notice expiring", end_of(d.day(2)))
    gap = items[f"coverage:{gw.grids['A1'].pk}"]
    assert (gap.kind, gap.due, gap.title) == (WATCH, None, gw.grids["A1"].name)
    assert gap.note == "Not patrolled for 30 days: buildings 0, venues 1"  # building 1 patrolled yesterday; the shop never
    assert_pages_open(client, gw, "grid_worker", items)


@pytest.mark.django_db
def test_micro_grid_worker_sees_only_their_own_visit(gw, data):
    items = items_of(gw, "micro_grid_worker", data.now)
    assert f"visit:{data.v_micro.pk}" in items
    assert not any(k.startswith(("notice:", "reinspection:")) for k in items)
    assert {k for k in items if k.startswith("visit:")} == {f"visit:{data.v_micro.pk}"}


@pytest.mark.django_db
def test_building_leader_open_duties_and_tasks(gw, data, client):
    d = data
    items = items_of(gw, "building_leader", d.now)
    assert set(items) == {f"duty:{d.duty_open.pk}", f"duty:{d.task_open.pk}"}
    assert items[f"duty:{d.duty_open.pk}"].what == "Duty" and items[f"duty:{d.duty_open.pk}"].due == end_of(d.day(5))
    assert items[f"duty:{d.task_open.pk}"].what == "Assigned task" and items[f"duty:{d.task_open.pk}"].due == end_of(d.day(2))
    assert all(i.kind == TASK and i.url == "/patrols/leaders/me/" for i in items.values())
    assert_pages_open(client, gw, "building_leader", items)


@pytest.mark.django_db
def test_property_company_and_department_rectify_notices_addressed_to_them(gw, data, client):
    d = data
    pm = items_of(gw, "property_manager", d.now)
    assert set(pm) == {f"notice:{d.n_soon.pk}:rectify", f"notice:{d.n_due.pk}:rectify"}
    assert pm[f"notice:{d.n_soon.pk}:rectify"].due == end_of(d.day(2)) and pm[f"notice:{d.n_soon.pk}:rectify"].what == "Rectify"
    assert pm[f"notice:{d.n_due.pk}:rectify"].overdue(d.now)
    assert_pages_open(client, gw, "property_manager", pm)
    fire = items_of(gw, "fire_contact", d.now)
    assert set(fire) == {f"notice:{d.n_b.pk}:rectify"}  # another community's notice, addressed to the fire department
    assert_pages_open(client, gw, "fire_contact", fire)  # the addressee reads it, though grid work is not theirs otherwise
    assert items_of(gw, "department_contact", d.now) == {}  # the police: nothing addressed to them


@pytest.mark.django_db
def test_community_staff_escalated_visits_and_overdue_reinspections(gw, data, client):
    d = data
    items = items_of(gw, "community_staff", d.now)
    assert set(items) == {f"visit:{d.v_late.pk}", f"reinspection:{d.n_due.reinspection.pk}"}
    v = items[f"visit:{d.v_late.pk}"]
    assert (v.what, v.due, v.kind) == ("Overdue visit", end_of(d.day(-2)), TASK) and "赵网格" in v.note
    r = items[f"reinspection:{d.n_due.reinspection.pk}"]
    assert (r.what, r.due) == ("Re-inspection overdue", end_of(d.day(-1)))
    assert_pages_open(client, gw, "community_staff", items)
    other = items_of(gw, "other_community_staff", d.now)
    assert set(other) == {f"visit:{d.v_b.pk}"}  # community B's escalated visit, nothing of A
    assert items_of(gw, "resident", d.now) == {}


def count_queries(gw, key, now):
    scope = resolve(gw.accounts[key])
    with CaptureQueriesContext(connection) as ctx:
        items = queries.workbench(scope, now)
    return len(ctx.captured_queries), items


@pytest.mark.django_db
def test_a_fixed_number_of_queries_for_one_or_five_items_of_each_kind(gw, data):
    d = data
    before = {key: count_queries(gw, key, d.now) for key in ("grid_worker", "building_leader", "property_manager", "community_staff")}
    # four more of each kind
    for i in range(4):
        d.visit(i, escalated_at=d.now)
        d.notice(-1, org="property", came_due_at=d.now, overdue_reported_at=d.now)
        d.notice(i, org="property")
        d.duty(i, source=DutyItem.Source.ASSIGNED)
        gw.venues[f"gap{i}"] = places.register_venue(system(), gw.grids["A1"], name=f"小店{i}", kind="shop", address=f"航苑{i}号")
    after = {key: count_queries(gw, key, d.now) for key in before}
    for key in before:
        assert after[key][0] == before[key][0], key
        assert len(after[key][1]) > len(before[key][1]), key
    assert {k: n for k, (n, _items) in before.items()} == {"grid_worker": 5, "building_leader": 3, "property_manager": 1,
                                                          "community_staff": 4}
    assert count_queries(gw, "resident", d.now) == (0, [])
    assert next(i for i in after["grid_worker"][1] if i.key.startswith("coverage:")).note.endswith("buildings 0, venues 5")
