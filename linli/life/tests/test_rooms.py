"""Rooms: opening hours, length, who may book, the weekly quota (that week only), approval, recurrence,
check-in and no-shows, on a fixed clock."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.errors import OutOfScope
from linli.life import services, sweeps
from linli.life.models import Booking, BookingSeries

from .conftest import NOW, sc

pytestmark = pytest.mark.django_db


def at(day_offset, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(NOW.date() + datetime.timedelta(days=day_offset), datetime.time(hour, minute)))


@pytest.fixture
def room(life):
    return services.save_room(sc(life, "community_staff"), life.a, name="乒乓球台", kind="sports", opens=datetime.time(8),
                              closes=datetime.time(21), max_minutes=120, weekly_quota_minutes=120)


def test_outside_opening_hours_and_too_long_are_refused(life, room):
    me = sc(life, "resident")
    with pytest.raises(ValidationError) as exc:
        services.book(me, room, starts_at=at(1, 20, 30), ends_at=at(1, 21, 30), title="打球", now=NOW)
    assert "opening hours" in str(exc.value.message_dict["starts_at"])
    with pytest.raises(ValidationError) as exc:
        services.book(me, room, starts_at=at(1, 9), ends_at=at(1, 12), title="打球", now=NOW)
    assert "at most 120 minutes" in str(exc.value.message_dict["ends_at"])
    with pytest.raises(ValidationError) as exc:
        services.book(me, room, starts_at=at(-1, 9), ends_at=at(-1, 10), title="打球", now=NOW)
    assert "past" in str(exc.value.message_dict["starts_at"])
    assert Booking.objects.count() == 0


def test_quota_counts_the_current_week_only(life, room):
    me = sc(life, "resident")
    # NOW is Wednesday 2025-06-11; Thursday and Friday of this week, then next Monday
    services.book(me, room, starts_at=at(1, 9), ends_at=at(1, 10), title="打球", now=NOW)
    services.book(me, room, starts_at=at(2, 9), ends_at=at(2, 10), title="打球", now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.book(me, room, starts_at=at(3, 9), ends_at=at(3, 9, 30), title="打球", now=NOW)  # Saturday, same week
    assert "Quota" in str(exc.value.message_dict["starts_at"])
    nxt = services.book(me, room, starts_at=at(5, 9), ends_at=at(5, 11), title="打球", now=NOW)  # Monday: a new week
    assert nxt.state == "confirmed"
    # someone else's bookings do not count against me
    services.book(sc(life, "r2"), room, starts_at=at(3, 9), ends_at=at(3, 11), title="打球", now=NOW)


def test_no_double_booking_and_recurring_all_or_nothing(life, room):
    staff = sc(life, "community_staff")
    hall = services.save_room(staff, life.a, name="议事厅", kind="meeting", opens=datetime.time(8), closes=datetime.time(22), max_minutes=180)
    made = services.book_recurring(staff, hall, first_starts_at=at(6, 19), minutes=90, count=4, title="居民议事会", public=True, now=NOW)
    assert len(made) == 4 and BookingSeries.objects.count() == 1
    assert [timezone.localtime(b.starts_at).isoweekday() for b in made] == [2] * 4  # every Tuesday 19:00
    with pytest.raises(ValidationError) as exc:
        services.book(sc(life, "resident"), hall, starts_at=at(13, 20), ends_at=at(13, 21), title="排练", now=NOW)
    assert "already booked" in str(exc.value.message_dict["starts_at"])
    services.book(sc(life, "resident"), hall, starts_at=at(41, 19), ends_at=at(41, 20), title="排练", now=NOW)
    with pytest.raises(ValidationError) as exc:  # week 1 is free, week 2 clashes: none is written
        services.book_recurring(staff, hall, first_starts_at=at(34, 19), minutes=60, count=2, title="冲突", now=NOW)
    assert "already booked" in str(exc.value.message_dict["starts_at"])
    assert Booking.objects.filter(room=hall).count() == 5 and BookingSeries.objects.count() == 1  # nothing written by the refused series
    services.cancel_booking(staff, made[1])
    services.book(sc(life, "resident"), hall, starts_at=at(13, 20), ends_at=at(13, 21), title="排练", now=NOW)


def test_approval_check_in_and_no_show(life):
    staff = sc(life, "community_staff")
    counselling = services.save_room(staff, life.a, name="心理诊疗室", kind="counselling", needs_approval=True)
    me = sc(life, "resident")
    b = services.book(me, counselling, starts_at=at(1, 9), ends_at=at(1, 10), title="心理咨询", now=NOW)
    assert b.state == "requested"
    with pytest.raises(OutOfScope):
        services.decide_booking(me, b, approve=True)
    services.decide_booking(staff, b, approve=True)
    assert b.state == "confirmed"
    b2 = services.book(me, counselling, starts_at=at(2, 9), ends_at=at(2, 10), title="心理咨询", now=NOW)
    services.decide_booking(staff, b2, approve=True)
    with pytest.raises(ValidationError):
        services.check_in(me, b, now=at(1, 7))
    services.check_in(me, b, now=at(1, 9, 5))
    assert sweeps.no_shows(now=at(2, 9, 14)) == 0
    assert sweeps.no_shows(now=at(2, 9, 15)) == 1
    assert Booking.objects.get(pk=b2.pk).state == "no_show" and Booking.objects.get(pk=b.pk).state == "checked_in"


def test_who_may_book(life):
    staff = sc(life, "community_staff")
    staff_only = services.save_room(staff, life.a, name="青创空间", residents_may_book=False)
    with pytest.raises(ValidationError):
        services.book(sc(life, "resident"), staff_only, starts_at=at(1, 9), ends_at=at(1, 10), title="自习", now=NOW)
    services.book(sc(life, "farmer"), staff_only, starts_at=at(1, 9), ends_at=at(1, 10), title="农技讲座", organization=life.orgs["farm"], now=NOW)
    with pytest.raises(OutOfScope):
        services.book(sc(life, "resident_b"), staff_only, starts_at=at(1, 11), ends_at=at(1, 12), title="x", organization=life.orgs["farm"], now=NOW)
