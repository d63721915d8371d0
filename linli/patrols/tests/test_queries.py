"""Reads of grid work: the day/week activity view (per worker, per grid), coverage (not visited for N days) and
the building leaders' ranking, each on known days and through the caller's scope."""

import datetime

import pytest
from django.utils import timezone

from linli.patrols import queries, services
from linli.patrols.models import DutyItem, PatrolStop
from linli.core import roles
from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

MON = datetime.date(2026, 3, 9)  # a Monday; the week runs to Sunday 15 March


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the site's time zone (Asia/Shanghai, UTC+8: 00:30 there is still the day before in UTC)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def second_worker(gw):
    """韩网格 works grid A2 (the world has no worker there)."""
    p = people.register_person(system(), community=gw.a, name="韩网格", phone="13900007101")
    people.appoint(system(), p, roles.GRID_WORKER, gw.grids["A2"], starts_on=datetime.date(2020, 1, 1))
    gw.accounts["grid_worker_a2"] = people.create_account(p, "grid_worker_a2", PASSWORD)
    return resolve(gw.accounts["grid_worker_a2"])


def patrol_with(scope, *stops):
    """A patrol with stops made at known moments: (at, place kwargs, seen)."""
    patrol = services.start_patrol(scope)
    made = [services.record_stop(scope, patrol, seen=seen, at=when, **place) for when, place, seen in stops]
    services.end_patrol(scope, patrol)
    return patrol, made


@pytest.fixture
def week(gw):
    """赵网格 (grid A1): two patrols this week, four stops, one hazard and one case; one stop the Sunday before and
    one the Monday after (outside the week). 韩网格 (grid A2): one patrol, one stop on Tuesday."""
    zhao = resolve(gw.accounts["grid_worker"])
    han = second_worker(gw)
    patrol_with(zhao, (at(MON - datetime.timedelta(days=1), 23, 50), {"building": gw.buildings["A1"]}, "上周日巡查"))
    _p1, (mon_early, mon_late) = patrol_with(
        zhao, (at(MON, 0, 30), {"building": gw.buildings["A1"]}, "凌晨巡查楼道"),
        (at(MON, 10), {"dwelling": gw.dwellings["A1-101"]}, "走访王建国老人，楼上渗水"))
    _p2, (wed_shop, wed_building) = patrol_with(
        zhao, (at(MON + datetime.timedelta(days=2), 9), {"venue": gw.venues["shop_a1"]}, "小吃店后门堆放货物"),
        (at(MON + datetime.timedelta(days=2), 9, 30), {"building": gw.buildings["A1"]}, "楼道无异常"))
    services.record_hazard(zhao, stop=wed_shop, title="后门通道堵塞", category_code="fire.passage")
    services.stop_to_case(zhao, mon_late, "卫生间天花板渗水，楼上漏水")
    patrol_with(zhao, (at(MON + datetime.timedelta(days=7), 0, 10), {"building": gw.buildings["A1"]}, "下周一巡查"))
    patrol_with(han, (at(MON + datetime.timedelta(days=1), 15), {"building": gw.buildings["A2"]}, "二号楼巡查"))
    return gw


def test_week_per_worker_counts_stops_on_their_local_days(week):
    staff = resolve(week.accounts["community_staff"])
    rows = queries.activity(staff, MON, MON + datetime.timedelta(days=6), by="worker")
    assert rows == [
        {"label": "赵网格", "per_day": [2, 0, 2, 0, 0, 0, 0], "stops": 4, "patrols": 2, "hazards": 1, "cases": 1},
        {"label": "韩网格", "per_day": [0, 1, 0, 0, 0, 0, 0], "stops": 1, "patrols": 1, "hazards": 0, "cases": 0},
    ]


def test_week_per_grid(week):
    staff = resolve(week.accounts["community_staff"])
    rows = queries.activity(staff, MON, MON + datetime.timedelta(days=6), by="grid")
    assert rows == [
        {"label": "第一网格", "per_day": [2, 0, 2, 0, 0, 0, 0], "stops": 4, "patrols": 2, "hazards": 1, "cases": 1},
        {"label": "第二网格", "per_day": [0, 1, 0, 0, 0, 0, 0], "stops": 1, "patrols": 1, "hazards": 0, "cases": 0},
    ]


def test_day_view_and_the_days_around_the_week(week):
    staff = resolve(week.accounts["community_staff"])
    assert queries.activity(staff, MON, MON) == [
        {"label": "赵网格", "per_day": [2], "stops": 2, "patrols": 1, "hazards": 0, "cases": 1}]
    # the Sunday before holds the 23:50 stop only (00:30 on Monday is Monday, though still Sunday in UTC)
    sunday = MON - datetime.timedelta(days=1)
    assert queries.activity(staff, sunday, sunday) == [
        {"label": "赵网格", "per_day": [1], "stops": 1, "patrols": 1, "hazards": 0, "cases": 0}]
    assert queries.activity(staff, MON + datetime.timedelta(days=3), MON + datetime.timedelta(days=6)) == []


def test_a_hazard_counts_on_the_day_of_its_visit_even_when_recorded_later(week):
    staff = resolve(week.accounts["community_staff"])
    zhao = resolve(week.accounts["grid_worker"])
    stop = PatrolStop.objects.get(seen="上周日巡查")
    services.record_hazard(zhao, stop=stop, title="楼道堆物", responsible_name="1号楼住户")  # recorded today, found on Sunday's visit
    this_week = queries.activity(staff, MON, MON + datetime.timedelta(days=6))
    assert [r["hazards"] for r in this_week] == [1, 0]
    sunday = MON - datetime.timedelta(days=1)
    assert [r["hazards"] for r in queries.activity(staff, sunday, sunday)] == [1]


def test_a_grid_worker_sees_only_their_grid(week):
    rows = queries.activity(resolve(week.accounts["grid_worker"]), MON, MON + datetime.timedelta(days=6), by="worker")
    assert [r["label"] for r in rows] == ["赵网格"]
    rows = queries.activity(resolve(week.accounts["grid_worker_a2"]), MON, MON + datetime.timedelta(days=6), by="grid")
    assert [(r["label"], r["stops"]) for r in rows] == [("第二网格", 1)]
    assert queries.activity(resolve(week.accounts["other_community_staff"]), MON, MON + datetime.timedelta(days=6)) == []


# ---------------------------------------------------------------- coverage

TODAY = datetime.date(2026, 3, 20)


@pytest.fixture
def visited(gw):
    """Building 1 visited exactly 7 days before TODAY (just after midnight), building 2 eight days before (just before
    midnight); the shop in A1 seven days before; the supermarket (dedicated grid) never."""
    zhao = resolve(gw.accounts["grid_worker"])
    han = second_worker(gw)
    patrol_with(zhao, (at(TODAY - datetime.timedelta(days=7), 0, 5), {"building": gw.buildings["A1"]}, "一号楼巡查"),
                (at(TODAY - datetime.timedelta(days=7), 23, 55), {"venue": gw.venues["shop_a1"]}, "小吃店巡查"))
    patrol_with(han, (at(TODAY - datetime.timedelta(days=8), 23, 55), {"building": gw.buildings["A2"]}, "二号楼巡查"))
    return gw


def names(cov):
    return [str(b) for b in cov["buildings"]], [v.name for v in cov["venues"]]


def test_visited_exactly_n_days_ago_is_covered_and_n_plus_one_is_not(visited):
    staff = resolve(visited.accounts["community_staff"])
    a1, a2 = str(visited.buildings["A1"]), str(visited.buildings["A2"])
    cov = queries.coverage(staff, 7, TODAY)
    assert names(cov) == ([a2], ["平价超市"])  # building 2: 8 days ago; the supermarket: never
    assert (cov["buildings_total"], cov["venues_total"]) == (2, 2)  # community A only (not 东风园's building or shop)
    assert [b.last for b in cov["buildings"]] == [at(TODAY - datetime.timedelta(days=8), 23, 55)]
    assert [v.last for v in cov["venues"]] == [None]
    # building 1 and the shop were visited 7 days ago: N = 6 lists them too
    assert names(queries.coverage(staff, 6, TODAY)) == ([a1, a2], ["航苑小吃店", "平价超市"])
    # building 2 visited 8 days ago: N = 8 covers it
    assert names(queries.coverage(staff, 8, TODAY)) == ([], ["平价超市"])


def test_coverage_of_a_grid_worker_lists_only_their_grid(visited):
    zhao = resolve(visited.accounts["grid_worker"])
    cov = queries.coverage(zhao, 7, TODAY)
    assert names(cov) == ([], [])
    assert (cov["buildings_total"], cov["venues_total"]) == (1, 1)
    assert names(queries.coverage(zhao, 6, TODAY)) == ([str(visited.buildings["A1"])], ["航苑小吃店"])
    han = resolve(visited.accounts["grid_worker_a2"])
    assert names(queries.coverage(han, 7, TODAY)) == ([str(visited.buildings["A2"])], [])


def test_a_visit_to_a_dwelling_covers_its_building(gw):
    zhao = resolve(gw.accounts["grid_worker"])
    patrol_with(zhao, (at(TODAY - datetime.timedelta(days=1), 10), {"dwelling": gw.dwellings["A1-101"]}, "入户走访"))
    assert names(queries.coverage(zhao, 7, TODAY))[0] == []


# ---------------------------------------------------------------- leaders' ranking

def test_leader_ranking_orders_by_points_then_name_and_ties_share_a_rank(gw):
    s = system()
    out = {"sun": gw.persons["building_leader"]}
    for key, name, building in [("li", "李楼长", "A2"), ("chen", "陈楼长", "B1")]:
        p = people.register_person(s, community=gw.a if building != "B1" else gw.b, name=name, phone=f"1390000{len(out) + 80:04d}")
        people.appoint(s, p, roles.BUILDING_LEADER, gw.buildings[building], starts_on=datetime.date(2020, 1, 1))
        gw.accounts[key] = people.create_account(p, key, PASSWORD)
        out[key] = p
    month = timezone.localdate().replace(day=1)
    services.seed_point_rules(gw.a, datetime.date(2020, 1, 1))
    services.seed_point_rules(gw.b, datetime.date(2020, 1, 1))
    services.generate_duties(gw.a, month)
    services.generate_duties(gw.b, month)
    items = {(i.leader_id, i.kind): i for i in DutyItem.objects.all()}
    # 孙: two done on time (+2 +2); 李: one done on time (+2), two missed (−2 −2) → −2; 陈 (community B): one done on time
    services.complete_duty(resolve(gw.accounts["building_leader"]), items[(out["sun"].pk, "collect")], "收集意见")
    services.complete_duty(resolve(gw.accounts["building_leader"]), items[(out["sun"].pk, "mediate")], "调解纠纷")
    services.complete_duty(resolve(gw.accounts["li"]), items[(out["li"].pk, "collect")], "收集意见")
    services.complete_duty(resolve(gw.accounts["chen"]), items[(out["chen"].pk, "collect")], "收集意见")
    after_due = items[(out["li"].pk, "mediate")].due_on + datetime.timedelta(days=1)
    assert services.mark_missed(items[(out["li"].pk, "mediate")].pk, after_due)
    assert services.mark_missed(items[(out["li"].pk, "organise")].pk, after_due)
    rows = queries.leader_ranking(gw.a.pk)
    assert [(r["rank"], r["person"].name, r["building"], r["points"], r["done"], r["missed"]) for r in rows] == [
        (1, "孙楼长", gw.buildings["A1"], 4, 2, 0),
        (2, "李楼长", gw.buildings["A2"], -2, 1, 2),
    ]
    assert [r["points"] for r in rows] == [services.points_of(r["person"], gw.a.pk) for r in rows]
    # 李 catches up with 孙 (two cases handled in time, +3 each) and 吕 (a second leader of building 2) has nothing yet:
    # a tie shares the rank, ordered by name (孙 U+5B59 before 李 U+674E), and the next rank skips the shared one
    lv = people.register_person(s, community=gw.a, name="吕楼长", phone="13900000099")
    people.appoint(s, lv, roles.BUILDING_LEADER, gw.buildings["A2"], starts_on=datetime.date(2020, 1, 1))
    for n in (1, 2):
        assert services.record_points(out["li"], gw.a.pk, "case_in_time", f"case:test-{n}", on=timezone.localdate(), reason="按时办结")
    rows = queries.leader_ranking(gw.a.pk)
    assert [(r["rank"], r["person"].name, r["points"], r["done"], r["missed"]) for r in rows] == [
        (1, "孙楼长", 4, 2, 0), (1, "李楼长", 4, 1, 2), (3, "吕楼长", 0, 0, 0)]
