"""The life workbench runs a fixed number of queries whatever the number of rows: one or five of each kind (a resident's
bookings, loans due, ready holds and pickups; an attendant's pickup points on delivery day; a seller's cycles to
deliver; the staff's bookings to approve), and every item's page opens for the person it is shown to."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.life import queries, services
from linli.life.models import Booking, Hold, Loan, Order, OrderCycle
from linli.people.models import Account
from linli.people.scopes import resolve

from .conftest import cycle, sc

pytestmark = pytest.mark.django_db
KINDS = ("resident", "building_leader", "farmer", "community_staff")


class Rows:
    """Adds rows of every kind the workbench lists, `n` at a time."""

    def __init__(self, w):
        self.w, self.i = w, 0
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        staff = sc(w, "community_staff")
        self.room = services.save_room(staff, w.a, name="活动室", opens=datetime.time(0), closes=datetime.time(23, 59), max_minutes=60)

    def add(self, n):
        w, staff = self.w, sc(self.w, "community_staff")
        resident, r2 = w.persons["a1"], w.persons["a2"]
        for _ in range(n):
            self.i += 1
            i = self.i
            slot = timezone.make_aware(datetime.datetime.combine(self.today + datetime.timedelta(days=1 + i % 5), datetime.time(i)))
            # the resident's coming booking, and r2's booking waiting for the staff's approval
            Booking.objects.create(room=self.room, booked_by=w.accounts["resident"], person=resident, title=f"聚会{i}", starts_at=slot,
                                   ends_at=slot + datetime.timedelta(minutes=20))
            Booking.objects.create(room=self.room, booked_by=w.accounts["r2"], person=r2, title=f"排练{i}", state="requested",
                                   starts_at=slot + datetime.timedelta(minutes=30), ends_at=slot + datetime.timedelta(minutes=50))
            # a loan due tomorrow and a ready hold (each of its own tool)
            tool = services.add_tool(staff, w.a, name=f"工具{i}", category="手动工具", copies=2)
            out, kept = tool.copies.all()
            out.state, kept.state = "on_loan", "reserved"
            out.save(update_fields=["state"])
            kept.save(update_fields=["state"])
            Loan.objects.create(copy=out, person=resident, due_on=self.today + datetime.timedelta(days=1))
            Hold.objects.create(tool=tool, person=resident, copy=kept, state="ready", ready_until=self.now + datetime.timedelta(days=2))
            # a closed cycle delivering tomorrow, with the resident's order, at a new point the building leader attends too
            point = services.add_pickup_point(staff, w.a, name=f"自提点{i}", hours="8:00–10:00", attendants=[w.persons["building_leader"]])
            c = cycle(w, now=self.now, title=f"惠民直通车 第{i}期", pickup_points=[*w.points, point])
            Order.objects.create(cycle=c, person=resident, household=resident.household, dwelling=resident.dwelling, pickup_point=w.points[0], seq=1)
            OrderCycle.objects.filter(pk=c.pk).update(state="closed")


def run(w, key, now):
    scope = resolve(Account.objects.get(pk=w.accounts[key].pk))  # a fresh account: nothing cached from an earlier count
    with CaptureQueriesContext(connection) as ctx:
        items = queries.workbench(scope, now)
    return len(ctx.captured_queries), items


def test_fixed_number_of_queries_for_one_or_five_rows_of_each_kind(life, client):
    w = life
    rows = Rows(w)
    rows.add(1)
    one = {key: run(w, key, rows.now) for key in KINDS}
    rows.add(4)
    five = {key: run(w, key, rows.now) for key in KINDS}
    for key in KINDS:
        assert five[key][0] == one[key][0], (key, one[key][0], five[key][0])
    kinds = {key: sorted({i.key.split(":")[1] for i in items}) for key, (_n, items) in five.items()}
    assert kinds == {"resident": ["booking", "hold", "loan", "order"], "building_leader": ["pick"], "farmer": ["deliver"],
                     "community_staff": ["approvals"]}
    counts = {key: {k: sum(1 for i in items if i.key.split(":")[1] == k) for k in kinds[key]} for key, (_n, items) in five.items()}
    assert counts["resident"] == {"booking": 5, "hold": 5, "loan": 5, "order": 5}
    assert counts["building_leader"] == {"pick": 10}  # 航苑1号楼门口 in each of the five cycles, and each cycle's own point
    assert counts["farmer"] == {"deliver": 5}
    approvals = next(i for i in five["community_staff"][1] if i.key == "life:approvals")
    assert approvals.title == "5 bookings"
    assert {key: n for key, (n, _items) in one.items()} == {"resident": 5, "building_leader": 5, "farmer": 6, "community_staff": 7}
    for key, (_n, items) in five.items():
        client.force_login(w.accounts[key])
        for item in items:
            assert client.get(item.url).status_code == 200, (key, item.key, item.url)
