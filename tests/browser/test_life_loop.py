"""The acceptance walk of 惠民直通车 on a 390-px phone: the seller opens a cycle, three residents sign up (one changes,
one cancels), the cycle closes at its cut-off (the sweep on a fixed clock: its `now` is the cut-off), the picking list
equals the sign-ups, the attendant marks the pickups with one shortage corrected. No inline scripts (CSP)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.life import queries, sweeps
from linli.life.models import Order, OrderCycle
from linli.life.tests.conftest import add_life
from linli.testing.world import PASSWORD, build_world

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def phone(open_page, who):
    page = open_page(PHONE)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))
    sign_in(page, who, PASSWORD)
    return page


def sign_up(page, c, amounts, point):
    page.goto(page.base + f"/life/groupbuy/{c.pk}/")
    for name, q in amounts.items():
        page.fill(f"#join input[aria-label='{name}']", q)
    page.select_option("#join select[name=pickup_point]", str(point.pk))
    page.click("#join button[type=submit]")
    page.wait_for_load_state()


def test_group_buy_loop_at_390(open_page):
    w = add_life(build_world())
    seller = phone(open_page, "farmer")
    seller.goto(seller.base + f"/life/groupbuy/new/{w.seller.pk}/")
    cut = timezone.localtime(timezone.now() + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    seller.fill("input[name=title]", "周末蔬菜")
    seller.fill("input[name=closes_at]", cut.strftime("%Y-%m-%dT%H:%M"))
    seller.fill("input[name=delivery_on]", (cut.date() + datetime.timedelta(days=1)).isoformat())
    for i, (name, unit, price, cap) in enumerate([("西红柿", "斤", "3.5", "20"), ("黄瓜", "斤", "2", "")], start=1):
        seller.fill(f"input[name=name_{i}]", name)
        seller.fill(f"input[name=unit_{i}]", unit)
        seller.fill(f"input[name=price_{i}]", price)
        seller.fill(f"input[name=cap_{i}]", cap)
    seller.click("#open-cycle")
    seller.wait_for_url("**/life/groupbuy/*/")
    c = OrderCycle.objects.get(title="周末蔬菜")
    assert seller.evaluate("document.documentElement.scrollWidth") <= 390 + 1

    a, b, d = (phone(open_page, key) for key in ("resident", "r2", "r3"))
    sign_up(a, c, {"西红柿": "2"}, w.points[0])
    sign_up(b, c, {"西红柿": "1", "黄瓜": "3"}, w.points[0])
    sign_up(d, c, {"黄瓜": "1"}, w.points[0])
    sign_up(b, c, {"西红柿": "4", "黄瓜": ""}, w.points[0])  # one changes
    d.click("#cancel-order")  # one cancels
    d.wait_for_load_state()
    lines = [t.strip() for t in a.locator("#jielong li").all_inner_texts()] if a.goto(a.base + f"/life/groupbuy/{c.pk}/") else []
    assert lines == ["1. 1号楼 王… 西红柿 2斤", "2. 1号楼 张… 西红柿 4斤"], lines
    assert "王… 西红柿 2斤" in a.input_value("#jielong-text")

    assert sweeps.close_cycles(now=c.closes_at) == 1
    c.refresh_from_db()
    assert c.state == "closed"

    attendant = phone(open_page, "building_leader")
    attendant.goto(attendant.base + f"/life/groupbuy/{c.pk}/pick/{w.points[0].pk}/")
    forms = attendant.locator("form.pick-order")
    assert forms.count() == 2
    picked = {f.get_attribute("data-seq"): [x.get_attribute("data-item") for x in f.locator(".pick-line").all()] for f in forms.all()}
    signed = {str(o.seq): [line.item.name for line in o.lines.all()] for o in Order.objects.filter(cycle=c, state="active")}
    assert picked == signed
    # No. 2 gets 3 of the 4 jin (a shortage); No. 1 collects as ordered
    attendant.fill("form.pick-order[data-seq='2'] input[aria-label='实收 西红柿'], form.pick-order[data-seq='2'] input[name^=delivered_]", "3")
    attendant.click("form.pick-order[data-seq='2'] button[type=submit]:not([name])")
    attendant.wait_for_load_state()
    attendant.click("form.pick-order[data-seq='1'] button[type=submit]:not([name])")
    attendant.wait_for_load_state()
    orders = {o.seq: o for o in Order.objects.filter(cycle=c)}
    assert orders[2].state == "collected" and orders[2].total == Decimal("10.50")
    assert orders[1].state == "collected" and orders[1].total == Decimal("7.00")
    assert queries.totals(c)["items"][0]["quantity"] == 6
    for p in (seller, a, b, d, attendant):
        assert not p.errors, p.errors
