"""惠民直通车: open, sign up / change / cancel until cut-off, close at cut-off or cap, pickup with a shortage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from linli.core.errors import OutOfScope
from linli.life import services, sweeps
from linli.life.models import CycleItem, Order, OrderCycle, OrderLine
from linli.core.models import OutboxMessage

from .conftest import NOW, cycle, qty, sc

pytestmark = pytest.mark.django_db
S = datetime.timedelta(seconds=1)


def test_sign_up_change_cancel_and_close_at_cut_off(life):
    w = life
    c = cycle(w)
    o1 = services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=2), w.points[0], now=NOW)
    o2 = services.join_cycle(sc(w, "r2"), c, qty(c, 西红柿=3, 黄瓜=1), w.points[0], now=NOW)
    o3 = services.join_cycle(sc(w, "r3"), c, qty(c, 黄瓜=2), w.points[1], now=NOW)
    assert [o1.seq, o2.seq, o3.seq] == [1, 2, 3]
    assert o2.total == Decimal("12.50")
    # one changes, one cancels
    o2 = services.join_cycle(sc(w, "r2"), c, qty(c, 西红柿=1), w.points[1], now=NOW + S)
    assert o2.seq == 2 and o2.total == Decimal("3.50") and o2.pickup_point == w.points[1]
    services.cancel_order(sc(w, "r3"), o3, now=NOW + S)
    tomato = CycleItem.objects.get(cycle=c, name="西红柿")
    assert tomato.taken == 3
    assert CycleItem.objects.get(cycle=c, name="黄瓜").taken == 0
    # the sweep before the cut-off does nothing; at the cut-off it closes, once, and the seller is told
    assert sweeps.close_cycles(now=c.closes_at - S) == 0
    assert sweeps.close_cycles(now=c.closes_at) == 1
    assert sweeps.close_cycles(now=c.closes_at + S) == 0
    c.refresh_from_db()
    assert c.state == "closed" and c.close_reason == "cutoff" and c.households == 2
    assert OutboxMessage.objects.filter(event_key=f"life:cycle:{c.pk}:closed", recipient=w.accounts["farmer"]).exists()


def test_one_second_after_cut_off_is_refused(life):
    w = life
    c = cycle(w)
    ok = services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=1), w.points[0], now=c.closes_at - S)
    assert ok.state == "active"
    with pytest.raises(ValidationError) as exc:
        services.join_cycle(sc(w, "r2"), c, qty(c, 西红柿=1), w.points[0], now=c.closes_at + S)
    assert "cut-off" in str(exc.value.message_dict["cycle"])
    with pytest.raises(ValidationError):
        services.cancel_order(sc(w, "resident"), ok, now=c.closes_at + S)
    assert Order.objects.filter(cycle=c).count() == 1


def test_bad_input_names_the_field_and_writes_nothing(life):
    w = life
    with pytest.raises(ValidationError) as exc:
        cycle(w, items=[{"name": "西红柿", "unit": "斤", "price": "-1"}])
    assert "items[1].price" in exc.value.message_dict and "negative" in str(exc.value.message_dict["items[1].price"])
    assert OrderCycle.objects.count() == 0
    c = cycle(w)
    with pytest.raises(ValidationError) as exc:
        services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=-2), w.points[0], now=NOW)
    field = f"quantity_{c.items.get(name='西红柿').pk}"
    assert "negative" in str(exc.value.message_dict[field])
    with pytest.raises(ValidationError) as exc:
        services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=6), w.points[0], now=NOW)
    assert "per household" in str(exc.value.message_dict[field])
    with pytest.raises(ValidationError) as exc:
        cycle(w, closes_at=NOW - S)
    assert "closes_at" in exc.value.message_dict
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert CycleItem.objects.get(cycle=c, name="西红柿").taken == 0


def test_cap_reached_closes_the_cycle(life):
    w = life
    c = cycle(w, items=[{"name": "土鸡蛋", "unit": "盒", "price": "25", "stock_cap": "3"}])
    services.join_cycle(sc(w, "resident"), c, qty(c, 土鸡蛋=2), w.points[0], now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.join_cycle(sc(w, "r2"), c, qty(c, 土鸡蛋=2), w.points[0], now=NOW)
    assert "only 1" in str(exc.value)
    services.join_cycle(sc(w, "r2"), c, qty(c, 土鸡蛋=1), w.points[0], now=NOW)
    c.refresh_from_db()
    assert c.state == "closed" and c.close_reason == "cap"


def test_household_cap(life):
    w = life
    c = cycle(w, max_households=1)
    services.join_cycle(sc(w, "resident"), c, qty(c, 黄瓜=1), w.points[0], now=NOW)
    c.refresh_from_db()
    assert c.state == "closed" and c.close_reason == "cap"


def test_only_residents_and_only_approved_sellers(life):
    w = life
    c = cycle(w)
    with pytest.raises(OutOfScope):
        services.join_cycle(sc(w, "resident_b"), c, qty(c, 黄瓜=1), w.points[0], now=NOW)
    with pytest.raises(OutOfScope):
        cycle(w) if False else services.open_cycle(sc(w, "resident"), w.seller, title="x", closes_at=NOW, delivery_on=NOW.date(),
                                                   items=[], pickup_points=w.points, now=NOW)
    services.decide_seller(sc(w, "community_staff"), w.seller, approve=False)
    with pytest.raises(ValidationError) as exc:
        cycle(w)
    assert "seller" in exc.value.message_dict


def test_pickup_with_shortage_and_substitution_corrects_the_total(life):
    w = life
    c = cycle(w)
    o1 = services.join_cycle(sc(w, "resident"), c, qty(c, 西红柿=2, 黄瓜=1), w.points[0], now=NOW)
    o2 = services.join_cycle(sc(w, "r2"), c, qty(c, 黄瓜=3), w.points[0], now=NOW)
    sweeps.close_cycles(now=c.closes_at)
    leader = sc(w, "building_leader")  # the attendant of point 0
    tomato = o1.lines.get(item__name="西红柿")
    cucumber = o1.lines.get(item__name="黄瓜")
    o1 = services.mark_collected(leader, Order.objects.get(pk=o1.pk), delivered={tomato.pk: "1.5"},
                                 substitutes={cucumber.pk: ("茄子1斤", "2.50")}, payment="on_pickup")
    assert o1.state == "collected" and o1.total == Decimal("7.75")  # 1.5 × 3.50 + 2.50
    with pytest.raises(ValidationError):
        services.mark_collected(leader, Order.objects.get(pk=o2.pk), delivered={o2.lines.get().pk: "4"})
    with pytest.raises(OutOfScope):
        services.mark_collected(sc(w, "r3"), Order.objects.get(pk=o2.pk))
    services.finish_delivery(sc(w, "farmer"), OrderCycle.objects.get(pk=c.pk))
    assert Order.objects.get(pk=o2.pk).state == "missed"
    rating = services.rate_seller(sc(w, "resident"), c, 5, "新鲜")
    assert rating.seller == w.seller
    with pytest.raises(ValidationError):
        services.rate_seller(sc(w, "r2"), c, 1)
