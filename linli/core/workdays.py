"""The working-day calendar: deadlines counted in working days or working hours.

Working days follow China's statutory holidays and adjusted working days (调休) from the
`chinese-calendar` package; for a year it has no data for, Monday–Friday are working days
and a warning is logged once. Working hours are office hours (settings.LINLI_WORKING_HOURS,
default 08:30–12:00 and 13:30–17:30, 7.5 hours a day).

Rules (the ones 接诉即办 hotlines use):
- "N working days" from a moment ends at the close of the N-th working day after the day of
  that moment; the day itself never counts, whatever the hour.
- "N working hours" runs only inside office hours; a case reported at night starts counting
  when the office opens on the next working day.
"""

import datetime
import logging
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

log = logging.getLogger("linli.workdays")
_warned_years: set[int] = set()


@lru_cache(maxsize=16)
def _parse_hours(spec: str) -> tuple[tuple[datetime.time, datetime.time], ...]:
    periods = []
    for part in spec.split(","):
        start, end = part.strip().split("-")
        a, b = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
        if b <= a:
            raise ValueError(f"LINLI_WORKING_HOURS: period {part!r} ends before it starts")
        periods.append((a, b))
    periods.sort()
    return tuple(periods)


def office_hours() -> tuple[tuple[datetime.time, datetime.time], ...]:
    return _parse_hours(getattr(settings, "LINLI_WORKING_HOURS", "08:30-12:00,13:30-17:30"))


@lru_cache(maxsize=4096)
def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("no holiday data for %s: counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


# The current time zone is read once per call below and passed on: reading it (an asgiref Local) cost more than the
# arithmetic it served. make_aware(x, tz) is x.replace(tzinfo=tz), localtime(x, tz) is x.astimezone(tz).
def _local(moment: datetime.datetime, tz) -> datetime.datetime:
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _at(day: datetime.date, t: datetime.time, tz) -> datetime.datetime:
    return datetime.datetime.combine(day, t, tzinfo=tz)


def close_of(day: datetime.date, tz=None) -> datetime.datetime:
    return _at(day, office_hours()[-1][1], tz or timezone.get_current_timezone())


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The close of the `days`-th working day after the day of `start`."""
    if days < 1:
        raise ValueError("days must be at least 1")
    tz = timezone.get_current_timezone()
    day = _local(start, tz).date()
    for _ in range(days):
        day = next_working_day(day)
    return close_of(day, tz)


def add_working_hours(start: datetime.datetime, hours: float) -> datetime.datetime:
    """The moment `hours` office hours after `start`."""
    if hours <= 0:
        raise ValueError("hours must be positive")
    remaining = datetime.timedelta(hours=hours)
    tz = timezone.get_current_timezone()
    periods = office_hours()
    moment = _local(start, tz)
    day = moment.date()
    while True:
        if is_working_day(day):
            for a, b in periods:
                period_start, period_end = _at(day, a, tz), _at(day, b, tz)
                begin = max(period_start, moment)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += datetime.timedelta(days=1)
        moment = _at(day, datetime.time(0, 0), tz)


def working_hours_between(start: datetime.datetime, end: datetime.datetime) -> float:
    """Office hours elapsed from `start` to `end` (0 if end is not after start)."""
    tz = timezone.get_current_timezone()
    a, b = _local(start, tz), _local(end, tz)
    if b <= a:
        return 0.0
    total = datetime.timedelta()
    periods = office_hours()
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            for s, e in periods:
                lo, hi = max(_at(day, s, tz), a), min(_at(day, e, tz), b)
                if hi > lo:
                    total += hi - lo
        day += datetime.timedelta(days=1)
    return total.total_seconds() / 3600


def deadline(start: datetime.datetime, amount: float, unit: str) -> datetime.datetime:
    """A deadline `amount` working `unit`s ("hours" or "days") after `start`."""
    if unit == "hours":
        return add_working_hours(start, amount)
    if unit == "days":
        return add_working_days(start, int(amount))
    raise ValueError(f"unknown deadline unit: {unit!r} (hours or days)")
