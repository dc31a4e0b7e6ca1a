"""``BusinessCalendar.working_day_end``: the close of the N-th working day after a start
(follow-up due dates): weekends and holidays skipped, make-up workdays counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sla.calendar import STANDARD_SPEC, BusinessCalendar, CalendarSpecError


def _cal(**extra):
    return BusinessCalendar.from_spec({**STANDARD_SPEC, **extra})


def _local(cal, day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=cal.tz)


FRIDAY = date(2026, 9, 25)


def test_weekend_skipped_and_the_start_day_never_counts():
    cal = _cal()
    assert cal.working_day_end(_local(cal, FRIDAY, 8), 1) == _local(cal, date(2026, 9, 28), 18)
    assert cal.working_day_end(_local(cal, FRIDAY, 23), 2) == _local(cal, date(2026, 9, 29), 18)
    assert cal.working_day_end(_local(cal, FRIDAY, 15), 0) == _local(cal, FRIDAY, 18)
    assert cal.working_day_end(_local(cal, FRIDAY, 15), 1).tzinfo == UTC


def test_holidays_skipped_and_make_up_workdays_counted():
    cal = _cal(holidays=["2026-09-28", "2026-09-29"], extra_workdays=["2026-09-26"])
    # Saturday is a make-up workday; Monday and Tuesday are holidays
    assert cal.working_day_end(_local(cal, FRIDAY, 15), 1) == _local(cal, date(2026, 9, 26), 18)
    assert cal.working_day_end(_local(cal, FRIDAY, 15), 2) == _local(cal, date(2026, 9, 30), 18)


def test_bad_input_and_a_calendar_without_working_days():
    cal = _cal()
    with pytest.raises(ValueError):
        cal.working_day_end(_local(cal, FRIDAY, 15), -1)
    closed = BusinessCalendar.from_spec({"timezone": "UTC", "week": {}})
    with pytest.raises(CalendarSpecError):
        closed.working_day_end(datetime(2026, 9, 25, tzinfo=UTC), 1)
    with pytest.raises(CalendarSpecError):  # zero days after a closed date
        cal.working_day_end(_local(cal, date(2026, 9, 26), 10), 0)
