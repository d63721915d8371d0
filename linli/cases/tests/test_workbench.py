"""The cases part of each role's workbench (queries.workbench): the right items, scope-filtered, with their deadlines,
in a fixed number of queries, each opening a page its viewer may read."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.cases import queries, services
from linli.cases.models import Case, Summons
from linli.core.work import TASK, WATCH
from linli.people.scopes import resolve
from linli.testing.world import PASSWORD


def sc(world, key):
    return resolve(world.accounts[key])


def bench(world, key, now=None):
    return queries.workbench(sc(world, key), now or timezone.now())


def keyed(items):
    return {i.key: i for i in items}


def leak(world, dwelling="A1-101", who="resident", **kw):
    args = dict(source="resident", description="楼上渗水，卫生间天花板一直滴水", category="home.leak", dwelling=world.dwellings[dwelling])
    args.update(kw)
    return services.submit(sc(world, who), **args)


def fresh(case):
    case.refresh_from_db()
    return case


@pytest.fixture
def bench_world(world, cats):
    """One case of each kind a workbench shows, in community A; one in community B."""
    w = world
    c = {}
    c["respond"] = leak(w)  # the resident's, routed to the micro-grid worker (A1m), waiting for a response
    c["handle"] = leak(w, description="厨房水管漏水，地上全是水")
    services.accept(sc(w, "micro_grid_worker"), c["handle"])
    c["rate"] = leak(w, description="阳台顶上渗水，墙皮脱落")
    services.accept(sc(w, "micro_grid_worker"), c["rate"])
    services.resolve(sc(w, "micro_grid_worker"), c["rate"], "已联系楼上住户修好防水")
    c["building"] = services.submit(sc(w, "building_leader"), source="building_leader", description="3楼楼道堆满纸箱",
                                    category="env.clutter", dwelling=w.dwellings["A1-201"])
    c["building_other"] = services.submit(sc(w, "building_leader"), source="building_leader", description="2单元楼道堆放自行车",
                                          category="env.clutter", dwelling=w.dwellings["A1-201"])
    Case.objects.filter(pk=c["building_other"].pk).update(assignee=w.accounts["grid_worker"])  # held by the grid worker
    c["triage"] = leak(w, who="community_staff", source="hotline", reporter_name="刘女士", reporter_phone="13800000004",
                       dwelling="A2-301", description="电话反映的事情")
    Case.objects.filter(pk=c["triage"].pk).update(state="triage", category=None, assignee=None, response_due=None, handling_due=None)
    c["whistle"] = services.submit(sc(w, "grid_worker"), source="patrol", description="菜市场门口污水外溢", category="env.sewage",
                                   lat=40.0805, lng=113.3015)
    c["whistle_obj"] = services.whistle(sc(w, "community_staff"), c["whistle"], [w.orgs["police"]], "需派出所协同", report_in_hours=2)
    c["overdue"] = leak(w, dwelling="A2-301", who="community_staff", source="hotline", reporter_name="刘女士",
                        reporter_phone="13800000004", description="2号楼屋顶漏水")
    Case.objects.filter(pk=c["overdue"].pk).update(response_due=timezone.now() - datetime.timedelta(hours=3))
    c["escalated"] = leak(w, dwelling="A2-301", who="community_staff", source="hotline", reporter_name="刘女士",
                          reporter_phone="13800000004", description="2号楼外墙渗水")
    services.escalate(sc(w, "community_staff"), c["escalated"], "需街道协调", to_tier="subdistrict")
    c["other"] = leak(w, dwelling="B1-101", who="resident_b", description="东苑楼上渗水")  # community B
    Case.objects.filter(pk=c["other"].pk).update(response_due=timezone.now() - datetime.timedelta(hours=3))
    for k in list(c):
        if isinstance(c[k], Case):
            fresh(c[k])
    return c


def test_grid_worker_gets_assigned_cases_with_their_deadlines(world, bench_world):
    c = bench_world
    items = keyed(bench(world, "micro_grid_worker"))
    respond, handle = f"case:{c['respond'].pk}:respond", f"case:{c['handle'].pk}:handle"
    assert set(items) == {respond, handle}
    assert items[respond].kind == TASK and items[respond].due == c["respond"].response_due and items[respond].what == "Respond"
    assert items[handle].due == c["handle"].handling_due and items[handle].what == "Handle"
    assert items[respond].app == "cases" and items[respond].url == f"/cases/{c['respond'].pk}/"
    assert c["respond"].number in items[respond].title
    # the other grid worker of grid A1 holds the building-tier case the leader passed on
    assert set(keyed(bench(world, "grid_worker"))) == {f"case:{c['building_other'].pk}:respond"}


def test_resident_rates_and_watches_own_cases(world, bench_world):
    c = bench_world
    items = keyed(bench(world, "resident"))
    assert set(items) == {f"case:{c['rate'].pk}:rate", f"case:{c['respond'].pk}:mine", f"case:{c['handle'].pk}:mine"}
    rate = items[f"case:{c['rate'].pk}:rate"]
    assert rate.kind == TASK and rate.due == c["rate"].rating_due and rate.due is not None
    mine = items[f"case:{c['handle'].pk}:mine"]
    assert mine.kind == WATCH and mine.note == "Waiting to be handled" and mine.due == c["handle"].handling_due
    assert items[f"case:{c['respond'].pk}:mine"].note == "Waiting for a response"
    services.rate(sc(world, "resident"), c["rate"], "satisfied")
    assert f"case:{c['rate'].pk}:rate" not in keyed(bench(world, "resident"))
    # the neighbour community's resident sees only their own
    assert set(keyed(bench(world, "resident_b"))) == {f"case:{c['other'].pk}:mine"}


def test_building_leader_gets_building_tier_cases(world, bench_world):
    c = bench_world
    items = keyed(bench(world, "building_leader"))
    assert set(items) == {f"case:{c['building'].pk}:respond", f"case:{c['building_other'].pk}:building"}
    assert items[f"case:{c['building'].pk}:respond"].kind == TASK
    assert items[f"case:{c['building_other'].pk}:building"].kind == WATCH


def test_community_staff_triage_overdue_escalated_and_whistled(world, bench_world):
    c = bench_world
    items = keyed(bench(world, "community_staff"))
    triage, whistled = f"case:{c['triage'].pk}:triage", f"case:{c['whistle'].pk}:whistled"
    overdue, escalated = f"case:{c['overdue'].pk}:respond", f"case:{c['escalated'].pk}:watch"
    assert {triage, whistled, overdue, escalated} <= set(items)
    assert items[triage].kind == TASK and items[triage].due is None
    assert items[whistled].kind == TASK and items[whistled].due == c["whistle"].handling_due  # the staff member holds it
    assert items[overdue].overdue(timezone.now())  # held by the staff member: a task, overdue
    assert items[escalated].kind == WATCH and items[escalated].what == "Escalated"
    # nothing of community B, nothing of the grid worker's queue
    others = {f"case:{c[k].pk}:" for k in ("other", "respond", "handle", "rate")}
    assert not any(k.startswith(tuple(others)) for k in items)
    b = keyed(bench(world, "other_community_staff"))
    assert f"case:{c['other'].pk}:respond" in b and b[f"case:{c['other'].pk}:respond"].overdue(timezone.now())  # no grid worker in B1
    assert not any(k.startswith(f"case:{c['triage'].pk}:") for k in b)


def test_community_staff_watch_overdue_cases_held_by_others(world, bench_world):
    c = bench_world
    Case.objects.filter(pk=c["respond"].pk).update(response_due=timezone.now() - datetime.timedelta(hours=1))
    items = keyed(bench(world, "community_staff"))
    late = items[f"case:{c['respond'].pk}:watch"]
    assert late.kind == WATCH and late.what == "Overdue" and late.note == "Waiting for a response"


def test_department_contact_is_summoned_to_report_in(world, bench_world):
    c = bench_world
    s = Summons.objects.get(whistle=c["whistle_obj"], department=world.orgs["police"])
    items = keyed(bench(world, "department_contact"))
    key = f"case:{c['whistle'].pk}:report_in:{s.pk}"
    assert set(items) == {key}
    assert items[key].due == c["whistle_obj"].report_in_due and items[key].note == "永泰派出所"
    assert bench(world, "urban_contact") == []  # not summoned
    services.report_in(sc(world, "department_contact"), s)
    assert bench(world, "department_contact") == []


def test_department_holding_a_case(world, bench_world):
    c = bench_world
    Case.objects.filter(pk=c["overdue"].pk).update(tier="department", assignee=None, assignee_org=world.orgs["urban"])
    items = keyed(bench(world, "urban_contact"))
    assert set(items) == {f"case:{c['overdue'].pk}:respond"} and items[f"case:{c['overdue'].pk}:respond"].kind == TASK


def test_subdistrict_sees_escalations_and_overdue_by_community(world, bench_world):
    c = bench_world
    items = keyed(bench(world, "subdistrict_staff"))
    esc = items[f"case:{c['escalated'].pk}:respond"]  # the escalation went to the subdistrict staff member: a task
    assert esc.kind == TASK and esc.due == c["escalated"].response_due
    Case.objects.filter(pk=c["other"].pk).update(tier="subdistrict")  # sent up, still held by community B's staff
    items = keyed(bench(world, "subdistrict_staff"))
    sent_up = items[f"case:{c['other'].pk}:watch"]
    assert sent_up.kind == WATCH and sent_up.what == "Escalated to the subdistrict"
    a, b = items[f"community:{world.a.pk}:overdue"], items[f"community:{world.b.pk}:overdue"]
    assert a.kind == WATCH and a.title == "柳航里社区: 1 overdue" and b.title == "东风园社区: 1 overdue"
    Case.objects.filter(pk=c["handle"].pk).update(handling_due=timezone.now() - datetime.timedelta(minutes=5))
    assert keyed(bench(world, "subdistrict_staff"))[f"community:{world.a.pk}:overdue"].title == "柳航里社区: 2 overdue"
    assert [i.key for i in items.values() if i.kind == TASK] == [f"case:{c['escalated'].pk}:respond"]


def test_anonymous_and_admin_get_nothing_odd(world, bench_world):
    from django.contrib.auth.models import AnonymousUser

    assert queries.workbench(resolve(AnonymousUser()), timezone.now()) == []
    assert bench(world, "admin") == []  # the superuser holds no cases and dispatches nowhere


# ---------------------------------------------------------------- no query per row

ROLES = ("micro_grid_worker", "resident", "community_staff", "subdistrict_staff", "department_contact", "building_leader")
# one query for the cases held, one for the caller's own reports, and one per duty the role adds: the triage queue and the
# community's watch list (dispatchers), the summonses (departments), the escalations and the overdue counts (subdistrict)
QUERIES = {"micro_grid_worker": 2, "resident": 2, "community_staff": 4, "subdistrict_staff": 4, "department_contact": 3,
           "building_leader": 2}


def _count(world, key):
    scope = sc(world, key)
    now = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        items = queries.workbench(scope, now)
    return len(ctx.captured_queries), len(items)


def _add_rows(world, n):
    """n more of each: reports by the resident, building-tier reports, triage calls, overdue cases, summonses."""
    for i in range(n):
        leak(world, description=f"楼上渗水第{i}次，天花板滴水")
        services.submit(sc(world, "building_leader"), source="building_leader", description=f"楼道堆物第{i}处",
                        category="env.clutter", dwelling=world.dwellings["A1-201"])
        t = leak(world, who="community_staff", source="hotline", reporter_name="刘女士", reporter_phone="13800000004",
                 dwelling="A2-301", description=f"电话反映第{i}件")
        Case.objects.filter(pk=t.pk).update(state="triage", category=None, assignee=None, response_due=None, handling_due=None)
        late = leak(world, dwelling="B1-101", who="resident_b", description=f"东苑渗水第{i}处")
        Case.objects.filter(pk=late.pk).update(handling_due=timezone.now() - datetime.timedelta(hours=1), state="accepted",
                                               tier="subdistrict")
        w = services.submit(sc(world, "grid_worker"), source="patrol", description=f"污水外溢第{i}处", category="env.sewage",
                            lat=40.0805, lng=113.3015)
        services.whistle(sc(world, "community_staff"), w, [world.orgs["police"]], "需派出所协同")


@pytest.mark.parametrize("key", ROLES)
def test_fixed_number_of_queries_for_1_and_5_items(world, cats, key):
    _add_rows(world, 1)
    few, n_few = _count(world, key)
    _add_rows(world, 4)
    many, n_many = _count(world, key)
    assert n_many > n_few >= 1
    assert few == many == QUERIES[key]


# ---------------------------------------------------------------- each item opens a page its viewer may read

@pytest.mark.parametrize("key", ["micro_grid_worker", "resident", "community_staff", "other_community_staff", "subdistrict_staff",
                                 "department_contact", "building_leader", "grid_worker"])
def test_every_item_opens_for_its_viewer(client, world, bench_world, key):
    items = bench(world, key)
    assert items
    assert client.login(username=key, password=PASSWORD)
    for item in items:
        assert client.get(item.url).status_code == 200, (key, item.key, item.url)
