"""maintenance.recurrence: when inspections fall, and which schedules are refused. No database."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest

from maintenance.recurrence import RecurrenceInvalid, occurrences, rule_for, validate

D = dt.date
JAN_1, DEC_31 = D(2026, 1, 1), D(2026, 12, 31)
YEAR_2026 = {"starts_on": JAN_1, "ends_on": DEC_31}


def s(recurrence: str, day=None, month=None, rrule: str = ""):
    return SimpleNamespace(recurrence=recurrence, day=day, month=month, rrule=rrule)


def dates(schedule, start=JAN_1, end=DEC_31, dtstart=None):
    return occurrences(schedule, dtstart=dtstart or start, start=start, end=end)


def test_weekly_on_a_weekday():
    got = dates(s("weekly", day=0), end=D(2026, 1, 31))  # Mondays
    assert got == [D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19), D(2026, 1, 26)]
    assert all(d.weekday() == 0 for d in got)
    assert dates(s("weekly", day=6), end=D(2026, 1, 10)) == [D(2026, 1, 4)]


def test_monthly_on_a_day():
    got = dates(s("monthly", day=15))
    assert got == [D(2026, m, 15) for m in range(1, 13)]


@pytest.mark.parametrize(
    ("day", "february", "april"),
    [(31, D(2026, 2, 28), D(2026, 4, 30)), (30, D(2026, 2, 28), D(2026, 4, 30))],
)
def test_monthly_past_the_end_of_a_short_month_falls_on_its_last_day(day, february, april):
    got = dates(s("monthly", day=day))
    assert len(got) == 12  # every month, none skipped
    assert february in got and april in got
    assert D(2026, 1, day) in got and D(2026, 3, day) in got


def test_monthly_on_the_29th_in_a_leap_year():
    got = dates(s("monthly", day=29), start=D(2028, 2, 1), end=D(2028, 3, 31))
    assert got == [D(2028, 2, 29), D(2028, 3, 29)]


def test_quarterly_first_month_by_default_or_another_month_of_the_quarter():
    assert dates(s("quarterly", day=10)) == [D(2026, m, 10) for m in (1, 4, 7, 10)]
    assert dates(s("quarterly", day=31, month=3)) == [
        D(2026, 3, 31),
        D(2026, 6, 30),
        D(2026, 9, 30),
        D(2026, 12, 31),
    ]


def test_yearly_on_month_and_day_and_february_29_in_other_years():
    assert dates(s("yearly", day=1, month=7), end=D(2028, 12, 31)) == [
        D(2026, 7, 1),
        D(2027, 7, 1),
        D(2028, 7, 1),
    ]
    feb = dates(s("yearly", day=29, month=2), end=D(2028, 12, 31))
    assert feb == [D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)]


def test_an_rrule_counts_from_the_plan_start():
    rule = s("rrule", rrule="RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=3")
    assert dates(rule) == [D(2026, 1, 5), D(2026, 2, 2), D(2026, 3, 2)]
    # a window later in the plan: COUNT still counts from the plan's first day
    assert dates(rule, start=D(2026, 2, 10), end=D(2026, 12, 31), dtstart=D(2026, 1, 1)) == [
        D(2026, 3, 2)
    ]
    every_other = s("rrule", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR")
    assert dates(every_other, end=D(2026, 1, 31)) == [D(2026, 1, 2), D(2026, 1, 16), D(2026, 1, 30)]


def test_an_rrule_with_a_utc_until_and_several_times_a_day_gives_dates_once():
    rule = s("rrule", rrule="FREQ=DAILY;BYHOUR=8,14;UNTIL=20260103T235959Z")
    assert dates(rule) == [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)]


def test_an_rrule_bymonthday_31_keeps_its_rfc_meaning():
    got = dates(s("rrule", rrule="FREQ=MONTHLY;BYMONTHDAY=31"))
    assert len(got) == 7 and D(2026, 4, 30) not in got


def test_the_window_is_inclusive_and_empty_when_reversed():
    assert dates(s("monthly", day=15), start=D(2026, 3, 15), end=D(2026, 3, 15)) == [D(2026, 3, 15)]
    assert dates(s("monthly", day=15), start=D(2026, 3, 16), end=D(2026, 3, 1)) == []


def test_valid_schedules_have_no_errors():
    for schedule in (
        s("weekly", day=3),
        s("monthly", day=31),
        s("quarterly", day=1),
        s("yearly", day=29, month=2),
        s("rrule", rrule="FREQ=YEARLY;BYMONTH=6;BYDAY=-1FR"),
    ):
        assert validate(schedule, **YEAR_2026) == {}, schedule


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        (s("weekly", day=7), "day"),
        (s("weekly", day=None), "day"),
        (s("weekly", day=True), "day"),
        (s("monthly", day=0), "day"),
        (s("monthly", day=32), "day"),
        (s("quarterly", day=5, month=4), "month"),
        (s("yearly", day=1, month=13), "month"),
        (s("yearly", day=1, month=None), "month"),
        (s("yearly", day=30, month=2), "day"),
        (s("yearly", day=31, month=4), "day"),
        (s("fortnightly", day=1), "recurrence"),
        (s("rrule", rrule=""), "rrule"),
        (s("rrule", rrule="BYDAY=MO"), "rrule"),
        (s("rrule", rrule="FREQ=HOURLY"), "rrule"),
        (s("rrule", rrule="FREQ=MINUTELY;INTERVAL=5"), "rrule"),
        (s("rrule", rrule="FREQ=MONTHLY;BYDAY=XX"), "rrule"),
        (s("rrule", rrule="FREQ=YEARLY;BYEASTER=0"), "rrule"),
        (s("rrule", rrule="DTSTART:20200101T000000\nRRULE:FREQ=DAILY"), "rrule"),
        (s("rrule", rrule="FREQ=DAILY;" + "BYHOUR=1;" * 80), "rrule"),
    ],
)
def test_malformed_schedules_name_the_field(schedule, field):
    errors = validate(schedule, **YEAR_2026)
    assert field in errors and errors[field]
    with pytest.raises(RecurrenceInvalid) as err:
        rule_for(schedule, dtstart=D(2026, 1, 1))
    assert field in err.value.fields


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        (s("rrule", rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29"), "rrule"),  # 2026: no Feb 29
        (s("rrule", rrule="FREQ=MONTHLY;BYDAY=MO;UNTIL=20251231"), "rrule"),  # ended before
        (s("yearly", day=1, month=3), "month"),
        (s("monthly", day=20), "day"),
        (s("weekly", day=0), "day"),  # the period is Tuesday to Sunday
    ],
)
def test_a_schedule_that_never_falls_inside_the_period_names_the_field(schedule, field):
    period = {"starts_on": D(2026, 4, 7), "ends_on": D(2026, 4, 12)}
    if schedule.recurrence == "rrule":
        period = YEAR_2026
    if schedule.recurrence == "yearly":
        period = {"starts_on": D(2026, 4, 1), "ends_on": D(2027, 2, 28)}
    errors = validate(schedule, **period)
    assert list(errors) == [field]
    assert "plan period" in errors[field][0]


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYMONTH=11;BYMONTHDAY=31;INTERVAL=7",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;INTERVAL=3;BYMONTH=6;BYMONTHDAY=31",
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=3",
        "FREQ=MONTHLY;BYMONTHDAY=40",
    ],
)
def test_a_rule_that_never_occurs_is_refused_quickly(text):
    # dateutil alone scans every period up to the year 9999 (seconds for a daily rule)
    started = time.perf_counter()
    errors = validate(s("rrule", rrule=text), **YEAR_2026)
    assert errors == {"rrule": [errors["rrule"][0]]} and "never" in errors["rrule"][0]
    assert dates(s("rrule", rrule=text)) == []
    assert time.perf_counter() - started < 1.5


def test_a_rare_but_possible_rule_is_found():
    # Friday the 13th in February: 2026 has one
    rule = s("rrule", rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=13;BYDAY=FR")
    assert validate(rule, **YEAR_2026) == {}
    assert dates(rule) == [D(2026, 2, 13)]
    leap = s("rrule", rrule="FREQ=DAILY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29")
    period = {"starts_on": D(2026, 1, 1), "ends_on": D(2036, 12, 31)}
    assert validate(leap, **period) == {}
