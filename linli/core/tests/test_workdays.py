import datetime

import pytest
from django.utils import timezone

from linli.core import workdays


def at(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


def test_three_working_days_from_national_day_eve_land_after_the_holiday():
    # 2025: 1–8 October off; Saturday 11 October is an adjusted working day.
    due = workdays.add_working_days(at(2025, 9, 30, 16, 0), 3)
    assert due == at(2025, 10, 11, 17, 30)


def test_the_reporting_day_never_counts_and_weekends_are_skipped():
    # Friday 2025-11-21 at 09:00 + 1 working day = Monday 2025-11-24 at close
    assert workdays.add_working_days(at(2025, 11, 21, 9, 0), 1) == at(2025, 11, 24, 17, 30)
    # reported on a Sunday: Monday is the first working day
    assert workdays.add_working_days(at(2025, 11, 23, 22, 0), 1) == at(2025, 11, 24, 17, 30)


def test_adjusted_working_sunday_counts():
    # Sunday 2025-09-28 is a working day (调休 for National Day)
    assert workdays.is_working_day(datetime.date(2025, 9, 28))
    assert not workdays.is_working_day(datetime.date(2025, 10, 3))
    assert workdays.add_working_days(at(2025, 9, 27, 10, 0), 1) == at(2025, 9, 28, 17, 30)


def test_working_hours_run_inside_office_hours_only():
    # 2 hours from 11:00 on a Monday: 1 h until 12:00, lunch, 1 h from 13:30
    assert workdays.add_working_hours(at(2025, 11, 24, 11, 0), 2) == at(2025, 11, 24, 14, 30)
    # reported Friday 17:00 with a 24-hour deadline (7.5 office hours a day):
    # Fri 0.5 h, Mon 7.5 h, Tue 7.5 h, Wed 7.5 h = 23 h, Thu 1 h -> 08:30 + 1 h = 09:30
    assert workdays.add_working_hours(at(2025, 11, 21, 17, 0), 24) == at(2025, 11, 27, 9, 30)
    # a night report starts counting when the office opens
    assert workdays.add_working_hours(at(2025, 11, 24, 23, 0), 1) == at(2025, 11, 25, 9, 30)


def test_hours_across_the_national_day_holiday():
    assert workdays.add_working_hours(at(2025, 9, 30, 17, 0), 1) == at(2025, 10, 9, 9, 0)


def test_working_hours_between_is_the_inverse():
    start = at(2025, 9, 30, 11, 15)
    for hours in (0.5, 1, 3.25, 7, 20, 60):
        end = workdays.add_working_hours(start, hours)
        assert workdays.working_hours_between(start, end) == pytest.approx(hours)
    assert workdays.working_hours_between(at(2025, 10, 2), at(2025, 10, 1)) == 0


def test_years_without_holiday_data_fall_back_to_weekdays():
    # 2031 is beyond the package's data: Monday to Friday
    assert workdays.is_working_day(datetime.date(2031, 1, 6))  # Monday
    assert not workdays.is_working_day(datetime.date(2031, 1, 5))  # Sunday


def test_refusals():
    with pytest.raises(ValueError, match="days must be at least 1"):
        workdays.add_working_days(at(2025, 1, 2), 0)
    with pytest.raises(ValueError, match="hours must be positive"):
        workdays.add_working_hours(at(2025, 1, 2), 0)
    with pytest.raises(ValueError, match="unknown deadline unit"):
        workdays.deadline(at(2025, 1, 2), 3, "weeks")


def test_office_hours_setting(settings):
    settings.LINLI_WORKING_HOURS = "09:00-17:00"
    assert workdays.add_working_hours(at(2025, 11, 24, 16, 0), 2) == at(2025, 11, 25, 10, 0)
    settings.LINLI_WORKING_HOURS = "17:00-09:00"
    with pytest.raises(ValueError, match="ends before it starts"):
        workdays.office_hours()
