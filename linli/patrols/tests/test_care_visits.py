"""Visit plans: rules by tag produce the expected due visits; overdue ones escalate exactly once."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.models import OutboxMessage
from linli.patrols import services, sweeps
from linli.patrols.models import CareVisit, VisitRule
from linli.people import services as people
from linli.people.scopes import resolve, system

DAY = datetime.date(2026, 3, 2)  # a Monday


def register(w):
    """A register for community A: who must be visited under the default rules on DAY."""
    s = system()
    p = {}

    def person(key, dwelling, name, born, tags=None):
        p[key] = people.register_person(s, dwelling=w.dwellings[dwelling], name=name, birth_date=born, tags=tags,
                                        since=datetime.date(2015, 1, 1))

    person("alone85", "A1-201", "高奶奶", datetime.date(1940, 5, 1), {"living_alone": None})       # weekly
    person("alone81_a2", "A2-301", "韩爷爷", datetime.date(1945, 1, 9), {"living_alone": None})    # weekly (grid A2)
    person("notalone85", "A1-201", "马爷爷", datetime.date(1939, 2, 2))                            # no rule
    person("alone79", "A1-101", "钱阿姨", datetime.date(1947, 3, 3), {"living_alone": None})       # 79: not yet 80
    person("turns80", "A2-301", "孙奶奶", datetime.date(1946, 3, 2), {"living_alone": None})        # 80 on DAY: weekly
    person("dis1", "A2-301", "周叔", datetime.date(1970, 1, 1), {"disabled": 1})                   # fortnightly
    person("dis3", "A1-101", "吴叔", datetime.date(1972, 1, 1), {"disabled": 3})                   # level 3: no rule
    person("child", "A2-301", "小刘", datetime.date(2015, 6, 1), {"left_behind_child": None})      # monthly
    person("b_alone", "B1-101", "陈奶奶", datetime.date(1938, 1, 1), {"living_alone": None})       # community B: no
    # world: a2 (张伟) is disabled level 2 → fortnightly; a1 (王建国, 76) lives alone but is under 80
    return p


def expected(w, p):
    return {
        (p["alone85"].pk, 7), (p["alone81_a2"].pk, 7), (p["turns80"].pk, 7),
        (w.persons["a2"].pk, 14), (p["dis1"].pk, 14), (p["child"].pk, 30),
    }


@pytest.mark.django_db
def test_rules_produce_the_expected_due_visits_for_a_register_and_date(world):
    p = register(world)
    rules = services.seed_visit_rules(world.a)
    assert [(r.tag, r.also_tag, r.interval_days) for r in rules] == [("age80", "living_alone", 7), ("disabled", "", 14),
                                                                     ("left_behind_child", "", 30)]
    assert services.generate_visits(world.a, DAY) == 6
    got = {(v.person_id, v.rule.interval_days) for v in CareVisit.objects.select_related("rule")}
    assert got == expected(world, p)
    assert all(v.due_on == DAY for v in CareVisit.objects.all())
    # assigned to the grid worker of the person's grid (the micro-grid's worker first)
    v = CareVisit.objects.get(person=p["alone85"])  # building 1 entrance 2 → micro-grid A1m
    assert v.assigned_to == world.accounts["micro_grid_worker"] and v.grid == world.grids["A1"]
    assert CareVisit.objects.get(person=p["alone81_a2"]).assigned_to is None  # grid A2 has no worker
    # idempotent: a second run (or the sweep) adds nothing
    assert services.generate_visits(world.a, DAY) == 0
    assert CareVisit.objects.count() == 6


@pytest.mark.django_db
def test_a_tag_rules_residents_are_read_after_its_tagged_ids_not_with_a_tag_subquery(world):
    """CI once saw PostgreSQL run the residents' query with the tag rows as a subquery for 15 s (a plan that read the
    tag's rows again for each resident). The tagged residents of the community are now read first, on their own."""
    p = register(world)
    rule = [r for r in services.seed_visit_rules(world.a) if r.tag == "disabled"][0]  # levels 1–2
    with CaptureQueriesContext(connection) as seen:
        persons = list(services.persons_for(rule, DAY))
    assert {x.pk for x in persons} == {world.persons["a2"].pk, p["dis1"].pk}
    residents = [q["sql"] for q in seen.captured_queries if 'FROM "people_person"' in q["sql"]]
    assert len(residents) == 1 and "people_persontag" not in residents[0]
    assert len(seen.captured_queries) == 2


@pytest.mark.django_db
def test_recording_a_visit_makes_the_next_one_due_and_rules_are_editable(world):
    p = register(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    visit = CareVisit.objects.get(person=p["alone85"])
    s = resolve(world.accounts["micro_grid_worker"])
    at = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.timezone.utc)
    services.record_visit(s, visit, method="door", situation="身体尚可，行动不便", needs="希望有人帮忙买菜", at=at)
    nxt = CareVisit.objects.get(person=p["alone85"], done_at__isnull=True)
    assert nxt.due_on == datetime.date(2026, 3, 10)
    # staff make the disabled rule monthly; the next generation uses it
    staff = resolve(world.accounts["community_staff"])
    rule = VisitRule.objects.get(community=world.a, tag="disabled")
    services.save_visit_rule(staff, world.a, rule=rule, name=rule.name, tag="disabled", min_level=1, max_level=2, interval_days=30)
    v = CareVisit.objects.get(person=world.persons["a2"], done_at__isnull=True)
    services.record_visit(resolve(world.accounts["micro_grid_worker"]), v, method="phone", situation="电话回访，情况稳定",
                          at=datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.timezone.utc))
    assert CareVisit.objects.get(person=world.persons["a2"], done_at__isnull=True).due_on == datetime.date(2026, 4, 1)
    # a grid worker may not edit rules
    with pytest.raises(PermissionDenied):
        services.save_visit_rule(s, world.a, name="x", tag="age80", interval_days=7)
    with pytest.raises(ValidationError) as exc:
        services.save_visit_rule(staff, world.a, name="坏规则", tag="age80", interval_days=0)
    assert "interval_days" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.save_visit_rule(staff, world.a, name="坏规则", tag="nonsense", interval_days=7)
    assert "tag" in exc.value.message_dict


@pytest.mark.django_db
def test_a_visit_for_a_person_not_in_scope_is_refused_and_changes_nothing(world):
    p = register(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    outside = CareVisit.objects.get(person=p["dis1"])  # lives in building 2, grid A2
    before = (CareVisit.objects.filter(done_at__isnull=False).count(), CareVisit.objects.count())
    with pytest.raises(PermissionDenied) as exc:
        services.record_visit(resolve(world.accounts["grid_worker"]), outside, method="door", situation="上门看望")
    assert str(exc.value) == "周叔 is not in your area: you may record visits only for people you look after."
    assert (CareVisit.objects.filter(done_at__isnull=False).count(), CareVisit.objects.count()) == before
    # the building leader of building 1 may record for their building, not for building 2
    mine = CareVisit.objects.get(person=p["alone85"])
    services.record_visit(resolve(world.accounts["building_leader"]), mine, method="door", situation="楼长上门看望")
    with pytest.raises(PermissionDenied):
        services.record_visit(resolve(world.accounts["building_leader"]), outside, method="door", situation="上门看望")
    # bad input names the field
    v = CareVisit.objects.get(person=world.persons["a2"])
    with pytest.raises(ValidationError) as exc:
        services.record_visit(resolve(world.accounts["grid_worker"]), v, method="pigeon", situation="情况稳定")
    assert exc.value.message_dict == {"method": ["Method: door, phone or video."]}
    with pytest.raises(ValidationError) as exc:
        services.record_visit(resolve(world.accounts["grid_worker"]), v, method="door", situation="")
    assert "situation" in exc.value.message_dict


@pytest.mark.django_db
def test_needs_found_open_a_case(world):
    from linli.cases.categories import seed_categories

    seed_categories()
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    v = CareVisit.objects.get(person=world.persons["a2"])
    done = services.record_visit(resolve(world.accounts["grid_worker"]), v, method="door", situation="独自在家",
                                 needs="轮椅损坏需要更换", open_case=True)
    assert done.case is not None and done.case.dwelling == world.persons["a2"].dwelling
    assert done.case.source == "patrol"


@pytest.mark.django_db
def test_overdue_visits_escalate_to_the_community_exactly_once(world):
    register(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    later = DAY + datetime.timedelta(days=2)
    assert sweeps.care_visits(DAY) == 0  # due today is not overdue
    assert sweeps.care_visits(later) == 6
    assert sweeps.care_visits(later) == 0
    assert CareVisit.objects.filter(escalated_at__isnull=False).count() == 6
    staff = {world.accounts["community_staff"].pk, world.accounts["community_secretary"].pk}
    msgs = OutboxMessage.objects.filter(event_key__contains=":overdue", event_key__startswith="patrols:carevisit:")
    assert set(msgs.values_list("recipient_id", flat=True)) == staff
    assert msgs.filter(channel="inapp").count() == 6 * len(staff)


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_each_overdue_visit_once():
    from linli.testing.world import build_world

    w = build_world()
    register(w)
    services.seed_visit_rules(w.a)
    services.generate_visits(w.a, DAY)
    later = DAY + datetime.timedelta(days=3)
    ids = list(CareVisit.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    results = {}

    def sweep(key):
        try:
            barrier.wait(timeout=5)
            results[key] = sum(services.escalate_overdue_visit(pk, later) for pk in ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(k,)) for k in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(results.values()) == len(ids) == 6, results
    staff_n = 2
    assert OutboxMessage.objects.filter(event_key__startswith="patrols:carevisit:", channel="inapp").count() == 6 * staff_n


# ---------------------------------------------------------------- needs found → a care request (volunteers app)

def _menu(world):
    from linli.volunteers import services as volunteers

    staff = resolve(world.accounts["community_staff"])
    return {"haircut": volunteers.add_menu_item(staff, world.a, target_group="disabled", title="上门理发"),
            "b": volunteers.add_menu_item(system(), world.b, target_group="elderly", title="代购买菜")}


def _care_counts():
    from linli.cases.models import Case
    from linli.volunteers.models import ServiceOrder, Wish

    return (CareVisit.objects.count(), CareVisit.objects.filter(done_at__isnull=False).count(), Wish.objects.count(),
            ServiceOrder.objects.count(), Case.objects.count())


@pytest.mark.django_db
def test_a_need_becomes_a_micro_wish_or_a_service_order_linked_from_the_visit(world):
    from linli.cases.categories import seed_categories
    from linli.volunteers.models import ServiceOrder, Wish

    seed_categories()
    menu = _menu(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    gw = resolve(world.accounts["grid_worker"])
    zhang = world.persons["a2"]  # 张伟, disabled level 2: visited fortnightly
    v = CareVisit.objects.get(person=zhang)
    done = services.record_visit(gw, v, method="door", situation="独自在家，情绪稳定", needs="轮椅坏了，想请人修一修", care="wish",
                                 at=datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.timezone.utc))
    wish = Wish.objects.get()
    assert CareVisit.objects.get(pk=v.pk).wish == wish == done.wish
    assert (wish.person, wish.community, wish.posted_by, wish.text, wish.status) == (
        zhang, world.a, world.accounts["grid_worker"], "轮椅坏了，想请人修一修", Wish.Status.OPEN)
    assert done.case is None and done.service_order is None
    # the next visit: the need is ordered from the service menu, and a case opened as well
    nxt = CareVisit.objects.get(person=zhang, done_at__isnull=True)
    done = services.record_visit(gw, nxt, method="door", situation="头发很长，行动不便", needs="希望有人上门理发", care="order",
                                 menu_item=menu["haircut"], open_case=True,
                                 at=datetime.datetime(2026, 3, 16, 9, tzinfo=datetime.timezone.utc))
    order = ServiceOrder.objects.get()
    assert CareVisit.objects.get(pk=nxt.pk).service_order == order
    assert (order.person, order.item, order.note, order.status) == (zhang, menu["haircut"], "希望有人上门理发", ServiceOrder.Status.REQUESTED)
    assert done.case is not None and done.wish is None
    assert Wish.objects.count() == 1


@pytest.mark.django_db
def test_a_care_request_that_cannot_be_made_is_refused_by_field_and_records_nothing(world):
    from linli.volunteers import services as volunteers
    from linli.volunteers.models import MenuItem

    menu = _menu(world)
    services.seed_visit_rules(world.a)
    services.generate_visits(world.a, DAY)
    gw = resolve(world.accounts["grid_worker"])
    v = CareVisit.objects.get(person=world.persons["a2"])
    before = _care_counts()

    def refused(field, **kw):
        with pytest.raises(ValidationError) as exc:
            services.record_visit(gw, v, method="door", situation="情况稳定", **{"needs": "需要帮助买菜", **kw})
        assert list(exc.value.message_dict) == [field], exc.value.message_dict
        assert _care_counts() == before
        assert CareVisit.objects.get(pk=v.pk).done_at is None
        return exc.value.message_dict[field][0]

    assert refused("care", care="pigeon") == "Care request: a micro-wish or a service-menu order."
    assert refused("needs", care="wish", needs="") == \
        "Needs found: describe the need to make a care request (at least 4 characters)."
    assert refused("needs", care="wish", needs="买" * 201) == "Needs found: a care request holds at most 200 characters."
    assert refused("menu_item", care="order") == "Service: choose a service from the community's service menu."
    assert refused("menu_item", care="order", menu_item=menu["b"]) == "Service: choose a service from the community's service menu."
    MenuItem.objects.filter(pk=menu["haircut"].pk).update(active=False)
    assert refused("menu_item", care="order", menu_item=MenuItem.objects.get(pk=menu["haircut"].pk)) == \
        "Service: choose a service from the community's service menu."
    # the volunteers app's own rule (at most 3 open wishes) comes back against the needs field; the visit is not recorded
    for text in ("想要一副老花镜", "想学用智能手机", "想请人陪同就医"):
        volunteers.post_wish(gw, person=world.persons["a2"], text=text)
    before = _care_counts()
    assert refused("needs", care="wish") == "Wish: a resident may have at most 3 open wishes."
    # a building leader records visits in their building but may not post wishes for residents: refused, nothing recorded
    assert not services.may_request_care(resolve(world.accounts["building_leader"]), world.persons["a1"])
    assert services.may_request_care(gw, world.persons["a1"])
    mine = CareVisit.objects.create(person=world.persons["a1"], rule=v.rule, community=world.a, grid=world.grids["A1"],
                                    building=world.buildings["A1"], due_on=DAY)
    before = _care_counts()
    with pytest.raises(PermissionDenied) as exc:
        services.record_visit(resolve(world.accounts["building_leader"]), mine, method="door", situation="楼长上门看望",
                              needs="想要一副老花镜", care="wish")
    assert str(exc.value) == "You may post a wish only for yourself or a resident in your area."
    assert _care_counts() == before and CareVisit.objects.get(pk=mine.pk).done_at is None
