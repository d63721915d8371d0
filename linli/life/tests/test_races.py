"""Two people at once: exactly one wins, the other gets a clear message (SQLite and PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from linli.life import services
from linli.life.models import Booking, CycleItem, Hold, Order, ToolCopy

from .conftest import add_life, cycle, qty, sc

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                results[i] = call()
        except ValidationError as exc:
            results[i] = exc.message_dict
        except Exception as exc:  # noqa: BLE001 — reported by the assertion
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_residents_take_the_last_unit(world):
    w = add_life(world)
    now = timezone.now()
    c = cycle(w, now=now, items=[{"name": "土鸡蛋", "unit": "盒", "price": "25", "stock_cap": "1"}])
    q = qty(c, 土鸡蛋=1)
    a, b = sc(w, "resident"), sc(w, "r2")
    results = race(lambda: services.join_cycle(a, c, q, w.points[0]), lambda: services.join_cycle(b, c, q, w.points[0]))
    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "only 0" in str(lost[0]) or "closed" in str(lost[0])
    assert CycleItem.objects.get(cycle=c).taken == 1
    assert Order.objects.filter(cycle=c, state="active").count() == 1


def test_two_people_book_the_last_slot(world):
    w = add_life(world)
    staff = sc(w, "community_staff")
    room = services.save_room(staff, w.a, name="议事厅", opens=datetime.time(0), closes=datetime.time(23, 59))
    start = timezone.now().replace(microsecond=0, second=0, minute=0) + datetime.timedelta(days=1)
    start = start.replace(hour=10) if timezone.localtime(start).hour < 8 else start
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=1), datetime.time(19)))
    end = start + datetime.timedelta(hours=1)
    a, b = sc(w, "resident"), sc(w, "r2")
    results = race(lambda: services.book(a, room, starts_at=start, ends_at=end, title="楼道议事"),
                   lambda: services.book(b, room, starts_at=start + datetime.timedelta(minutes=30), ends_at=end + datetime.timedelta(minutes=30),
                                         title="兴趣小组"))
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "already booked" in str(lost[0]["starts_at"])
    assert Booking.objects.filter(room=room).count() == 1


def test_two_holds_on_the_last_copy(world):
    w = add_life(world)
    tool = services.add_tool(sc(w, "community_staff"), w.a, name="电钻", category="电动工具", copies=1)
    a, b = sc(w, "resident"), sc(w, "r2")
    results = race(lambda: services.place_hold(a, tool), lambda: services.place_hold(b, tool))
    assert all(isinstance(r, Hold) for r in results), results
    states = sorted(r.state for r in results)
    assert states == ["ready", "waiting"]
    waiting = next(r for r in results if r.state == "waiting")
    assert services.queue_position(waiting) == 1
    assert ToolCopy.objects.get(tool=tool).state == "reserved"
    assert Hold.objects.filter(tool=tool, state="ready").count() == 1
