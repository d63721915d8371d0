"""Rates from timelines: a small set of cases with outcomes worked out by hand."""

import datetime

import pytest
from django.utils import timezone

from linli.cases import rates, services
from linli.cases.models import Case, CaseEvent
from linli.people.scopes import resolve


def sc(world, key):
    return resolve(world.accounts[key])


def leak(world, text):
    return services.submit(sc(world, "resident"), source="resident", description=text, category="home.leak",
                           dwelling=world.dwellings["A1-101"])


@pytest.fixture
def history(world, cats):
    gw, micro, staff, resident = (sc(world, k) for k in ("grid_worker", "micro_grid_worker", "community_staff", "resident"))
    on_time = leak(world, "卫生间渗水第一次")
    services.accept(gw, on_time)
    services.resolve(gw, on_time, "修好了")
    services.rate(resident, on_time, "satisfied")

    late = leak(world, "厨房顶上滴水")
    assign = CaseEvent.objects.get(case=late, action="assign")
    assign.data["response_due"] = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assign.save()
    services.accept(micro, late)
    services.resolve(micro, late, "已联系楼上")
    services.rate(resident, late, "unsatisfied", "还在滴")
    services.resolve(micro, late, "更换楼上管道")
    services.rate(resident, late, "basic")

    waiting = leak(world, "阳台漏雨")
    duplicate = leak(world, "卫生间渗水第二次反映")
    services.merge(staff, duplicate, waiting)
    return {"on_time": on_time, "late": late, "waiting": waiting, "duplicate": duplicate}


def window():
    now = timezone.now()
    return now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)


def test_rates_per_community(world, history):
    [row] = rates.compute(Case.objects.all(), "community", *window())
    assert row["label"] == world.a.name
    assert row["reported"] == 3  # the merged duplicate counts in its parent
    assert row["response_rate"] == round(1 / 3, 4)
    assert row["resolution_rate"] == round(2 / 3, 4)
    assert row["satisfaction_rate"] == round(2 / 3, 4)  # satisfied, unsatisfied, basic
    assert row["on_time_closure_rate"] == 1.0
    assert row["rework_rate"] == 0.5
    assert row["average_handling_hours"] is not None and row["average_handling_hours"] >= 0


def test_rates_per_handler_and_category(world, history):
    by_handler = {r["label"]: r for r in rates.compute(Case.objects.all(), "handler", *window())}
    assert by_handler["赵网格"]["response_rate"] == 1.0 and by_handler["赵网格"]["rework_rate"] == 0.0
    assert by_handler["钱微格"]["response_rate"] == 0.0 and by_handler["钱微格"]["rework_rate"] == 1.0
    [cat] = rates.compute(Case.objects.all(), "category", *window())
    assert cat["reported"] == 3


def test_overdue_flag_spoils_on_time_closure(world, history):
    case = history["on_time"]
    resolve_event = CaseEvent.objects.get(case=case, action="resolve")
    CaseEvent.objects.create(case=case, action="overdue", at=resolve_event.at - datetime.timedelta(seconds=1))
    [row] = rates.compute(Case.objects.all(), "community", *window())
    assert row["on_time_closure_rate"] == 0.5


def test_the_period_bounds_what_counts(world, history):
    start, end = window()
    assert rates.compute(Case.objects.all(), "community", end, end + datetime.timedelta(days=1)) == []
    with pytest.raises(ValueError):
        rates.compute(Case.objects.all(), "planet", start, end)
