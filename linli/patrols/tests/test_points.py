"""Building leaders' lists and points: points = SUM of recorded events under the published rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from linli.cases import services as cases
from linli.cases.models import Case, CaseEvent
from linli.patrols import services, sweeps
from linli.patrols.models import DutyItem, PointEvent, PointRule
from linli.core import roles
from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD

M = datetime.date(2026, 3, 1)


def at(day: datetime.date, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def leaders(world):
    """孙楼长 leads building 1 (world); a second leader for building 2 and a third for building B1."""
    s = system()
    out = {"sun": world.persons["building_leader"]}
    for key, name, building in [("li", "李楼长", "A2"), ("chen", "陈楼长", "B1")]:
        p = people.register_person(s, community=world.a, name=name, phone=f"1390000{len(out) + 70:04d}")
        people.appoint(s, p, roles.BUILDING_LEADER, world.buildings[building], starts_on=datetime.date(2020, 1, 1))
        world.accounts[key] = people.create_account(p, key, PASSWORD)
        out[key] = p
    return out


def total(person):
    return PointEvent.objects.filter(leader=person).aggregate(t=Sum("points"))["t"] or 0


@pytest.mark.django_db
def test_points_are_the_sum_of_events_under_the_rules_in_force(world):
    L = leaders(world)
    services.seed_point_rules(world.a, datetime.date(2026, 1, 1))
    services.seed_point_rules(world.b, datetime.date(2026, 1, 1))
    assert services.generate_duties(world.a, M) == 6  # two leaders in A × three duties
    assert services.generate_duties(world.b, M) == 3
    assert services.generate_duties(world.a, M) == 0  # once a month
    items = {(i.leader_id, i.kind): i for i in DutyItem.objects.all()}
    assert all(i.due_on == datetime.date(2026, 3, 31) for i in items.values())
    sun = resolve(world.accounts["building_leader"])
    # 孙: two done on time (+2 each), one done late after being missed (−2, no reward)
    services.complete_duty(sun, items[(L["sun"].pk, "collect")], "收集意见12条", at=at(datetime.date(2026, 3, 10)))
    services.complete_duty(sun, items[(L["sun"].pk, "mediate")], "调解渗水纠纷", at=at(datetime.date(2026, 3, 31)))
    # the rule for a done item changes from April: +5 (history keeps +2)
    staff = resolve(world.accounts["community_staff"])
    PointRule.objects.filter(community=world.a, code="duty_done").update(effective_from=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.publish_rule(staff, world.a, code="duty_done", description="清单事项按时完成", points=5,
                              effective_from=timezone.localdate() - datetime.timedelta(days=1))
    assert "effective_from" in exc.value.message_dict
    # publish from the future through the service, then move the dates back to stage "a change mid-period"
    services.publish_rule(staff, world.a, code="duty_done", description="清单事项按时完成", points=5,
                          effective_from=timezone.localdate() + datetime.timedelta(days=1))
    PointRule.objects.filter(community=world.a, code="duty_done", points=2).update(effective_to=datetime.date(2026, 3, 31))
    PointRule.objects.filter(community=world.a, code="duty_done", points=5).update(effective_from=datetime.date(2026, 4, 1))
    # the sweep on 1 April: missed items recorded against their leaders, once
    assert sweeps.duties(datetime.date(2026, 4, 1)) >= 7  # April's 9 items + 7 missed (9 items − 2 done)
    sweeps.duties(datetime.date(2026, 4, 1))
    missed = PointEvent.objects.filter(code="duty_missed")
    assert missed.count() == 7 and set(missed.values_list("points", flat=True)) == {-2}
    late = services.complete_duty(sun, items[(L["sun"].pk, "organise")], "组织了楼栋议事会", at=at(datetime.date(2026, 4, 2)))
    assert late.done_at is not None and not PointEvent.objects.filter(code="duty_done", duty_item=late).exists()
    # 李 finishes an April item on time under the new rule
    april = DutyItem.objects.get(leader=L["li"], period="2026-04", kind="collect")
    services.complete_duty(resolve(world.accounts["li"]), april, "收集意见5条", at=at(datetime.date(2026, 4, 3)))
    # duplicate recording attempts add nothing
    assert services.record_points(L["li"], world.a.pk, "duty_done", f"duty:{april.pk}", on=datetime.date(2026, 4, 3), reason="again") is None
    with pytest.raises(ValidationError):
        services.complete_duty(resolve(world.accounts["li"]), april, "再点一次")
    assert total(L["sun"]) == 2 + 2 - 2 == services.points_of(L["sun"])
    assert total(L["li"]) == -2 * 3 + 5 == services.points_of(L["li"])
    assert total(L["chen"]) == -2 * 3 == services.points_of(L["chen"])
    ev = PointEvent.objects.get(duty_item=april, code="duty_done")
    assert ev.points == 5 and ev.rule.effective_from == datetime.date(2026, 4, 1)
    assert PointEvent.objects.filter(leader=L["sun"], code="duty_done").values_list("points", flat=True).distinct().get() == 2
    # a leader ticks only their own list
    with pytest.raises(PermissionDenied):
        services.complete_duty(sun, DutyItem.objects.get(leader=L["li"], period="2026-04", kind="mediate"), "代别人完成")


@pytest.mark.django_db
def test_building_tier_cases_earn_and_cost_points_once(world):
    from linli.cases.categories import seed_categories

    seed_categories()
    services.seed_point_rules(world.a, datetime.date(2020, 1, 1))
    gw = resolve(world.accounts["grid_worker"])
    # handled in time at the building tier: +3 for 孙楼长
    ok = cases.submit(gw, source="patrol", description="楼道堆放杂物需清理", category="fire.corridor_clutter", dwelling=world.dwellings["A1-101"])
    assert ok.tier == "building" and ok.assignee == world.accounts["building_leader"]
    leader = resolve(world.accounts["building_leader"])
    cases.accept(leader, ok)
    cases.resolve(leader, ok, "已经清理干净")
    # overdue at the building tier: the sweep escalates it to the grid; −3 for 孙楼长
    late = cases.submit(gw, source="patrol", description="楼道电动车充电", category="fire.ebike", dwelling=world.dwellings["A1-201"])
    Case.objects.filter(pk=late.pk).update(response_due=timezone.now() - datetime.timedelta(hours=1))
    assert cases.escalate_overdue(late.pk, timezone.now())
    assert CaseEvent.objects.filter(case=late, action="escalate", from_tier="building").exists()
    assert services.account_building_cases() == 2
    assert services.account_building_cases() == 0  # once per case
    person = world.persons["building_leader"]
    assert sorted(PointEvent.objects.filter(leader=person).values_list("code", "points")) == [("case_in_time", 3), ("case_overdue", -3)]
    assert services.points_of(person) == 0


@pytest.mark.django_db
def test_tasks_assigned_by_staff_and_refusals(world):
    leaders(world)
    staff = resolve(world.accounts["community_staff"])
    item = services.assign_task(staff, world.persons["building_leader"], world.buildings["A1"], title="通知本楼住户参加议事会",
                                due_on=timezone.localdate() + datetime.timedelta(days=3))
    assert item.source == "assigned" and item.kind == "task"
    before = DutyItem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.assign_task(staff, world.persons["building_leader"], world.buildings["A2"], title="不是他的楼",
                             due_on=timezone.localdate())
    assert "leader" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.assign_task(staff, world.persons["building_leader"], world.buildings["A1"], title="过去的任务",
                             due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert exc.value.message_dict == {"due_on": ["Due: the date lies in the past."]}
    with pytest.raises(PermissionDenied):
        services.assign_task(resolve(world.accounts["building_leader"]), world.persons["building_leader"], world.buildings["A1"],
                             title="自己给自己派任务", due_on=timezone.localdate())
    assert DutyItem.objects.count() == before
    with pytest.raises(PermissionDenied):
        services.publish_rule(resolve(world.accounts["grid_worker"]), world.a, code="x", description="规则", points=1,
                              effective_from=timezone.localdate())
