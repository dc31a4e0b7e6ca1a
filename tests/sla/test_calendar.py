"""Examples for every convention of sla.calendar (no database)."""

from __future__ import annotations

import copy
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils.functional import Promise

from sla.calendar import (
    STANDARD_SPEC,
    TWENTY_FOUR_SEVEN_SPEC,
    BusinessCalendar,
    CalendarSpecError,
    PausedIndefinitely,
    is_breached,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
US = timedelta(microseconds=1)


def standard(**changes: Any) -> BusinessCalendar:
    return BusinessCalendar.from_spec({**copy.deepcopy(STANDARD_SPEC), **changes})


def always(tz: str = "UTC", **changes: Any) -> BusinessCalendar:
    return BusinessCalendar.from_spec(
        {**copy.deepcopy(TWENTY_FOUR_SEVEN_SPEC), "timezone": tz, **changes}
    )


def week_of(tz: str, **days: list[list[str]]) -> BusinessCalendar:
    return BusinessCalendar.from_spec({"timezone": tz, "week": days})


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


# 2026-03-02 is a Monday.
MON = (2026, 3, 2)


# --------------------------------------------------------------------------- working hours


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (sh(*MON, 9, 0), 60, sh(*MON, 10, 0)),
        (sh(*MON, 11, 0), 120, sh(*MON, 14, 30)),  # over the lunch break
        (sh(*MON, 12, 15), 30, sh(*MON, 14, 0)),  # start in the lunch break
        (sh(*MON, 11, 0), 60, sh(*MON, 12, 0)),  # lands on the lunch closing: stays
        (sh(*MON, 17, 0), 60, sh(*MON, 18, 0)),  # lands on the evening closing: stays
        (sh(*MON, 18, 0), 1, sh(2026, 3, 3, 9, 1)),  # start at the closing
        (sh(*MON, 20, 0), 30, sh(2026, 3, 3, 9, 30)),  # start after hours
        (sh(*MON, 6, 0), 30, sh(*MON, 9, 30)),  # start before hours
        (sh(2026, 3, 7, 10, 0), 30, sh(2026, 3, 9, 9, 30)),  # start on Saturday
        (sh(2026, 3, 6, 17, 0), 120, sh(2026, 3, 9, 10, 0)),  # over the weekend
        (sh(*MON, 9, 0), 5 * 450, sh(2026, 3, 6, 18, 0)),  # a whole week ends Friday 18:00
        (sh(*MON, 10, 17), 7 * 450, sh(2026, 3, 11, 10, 17)),  # 7 business days
    ],
)
def test_add_business_minutes_standard(start, minutes, expected):
    assert standard().add_business_minutes(start, minutes) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(*MON, 10, 0), sh(*MON, 10, 0)),
        (sh(*MON, 9, 0), sh(*MON, 9, 0)),  # the opening instant is open
        (sh(*MON, 12, 0), sh(*MON, 13, 30)),  # the closing instant is not
        (sh(*MON, 18, 0), sh(2026, 3, 3, 9, 0)),
        (sh(2026, 3, 6, 18, 0), sh(2026, 3, 9, 9, 0)),
    ],
)
def test_zero_minutes_is_the_first_business_instant(start, expected):
    cal = standard()
    assert cal.add_business_minutes(start, 0) == expected
    assert cal.next_open(start) == expected


def test_results_are_utc():
    result = standard().add_business_minutes(sh(*MON, 9, 0), 60)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert standard().next_open(sh(*MON, 10, 0)).tzinfo is UTC


def test_is_open_half_open_intervals():
    cal = standard()
    assert cal.is_open(sh(*MON, 9, 0))
    assert cal.is_open(sh(*MON, 11, 59, 59))
    assert not cal.is_open(sh(*MON, 12, 0))
    assert cal.is_open(sh(*MON, 13, 30))
    assert not cal.is_open(sh(*MON, 18, 0))
    assert not cal.is_open(sh(2026, 3, 7, 10, 0))


def test_closing_at_2400_runs_into_the_next_day():
    cal = week_of("Asia/Shanghai", mon=[["20:00", "24:00"]], tue=[["00:00", "02:00"]])
    assert cal.add_business_minutes(sh(*MON, 23, 0), 120) == sh(2026, 3, 3, 1, 0)
    assert cal.add_business_minutes(sh(*MON, 20, 0), 240) == sh(2026, 3, 3, 0, 0)
    assert cal.is_open(sh(2026, 3, 3, 0, 0))
    assert cal.business_minutes_between(sh(*MON, 0, 0), sh(2026, 3, 4, 0, 0)) == 360
    assert cal.to_spec()["week"]["mon"] == [["20:00", "24:00"]]
    # The two intervals touch at midnight: no closed span between them.
    assert cal.closed_spans(sh(*MON, 20, 0), sh(2026, 3, 3, 2, 0)) == []


def test_business_minutes_between():
    cal = standard()
    assert cal.business_minutes_between(sh(*MON, 11, 0), sh(*MON, 14, 30)) == 120
    assert cal.business_minutes_between(sh(*MON, 0, 0), sh(2026, 3, 9, 0, 0)) == 5 * 450
    assert cal.business_minutes_between(sh(*MON, 12, 0), sh(*MON, 13, 30)) == 0
    assert cal.business_minutes_between(sh(*MON, 14, 30), sh(*MON, 11, 0)) == -120
    assert cal.business_minutes_between(sh(*MON, 10, 0), sh(*MON, 10, 0)) == 0


def test_business_minutes_between_has_second_precision():
    cal = standard()
    start = sh(*MON, 9, 0, 30)
    assert cal.business_minutes_between(start, sh(*MON, 9, 1)) == 0.5
    assert cal.business_minutes_between(start, start + timedelta(seconds=1)) == pytest.approx(
        1 / 60
    )


def test_fractional_minutes_are_accepted():
    assert standard().add_business_minutes(sh(*MON, 9, 0), 1.5) == sh(*MON, 9, 1, 30)


def test_across_a_year_boundary():
    cal = standard(holidays=["2027-01-01"])
    # Thursday 2026-12-31 17:00; Friday is a holiday; the weekend follows.
    assert cal.add_business_minutes(sh(2026, 12, 31, 17, 0), 120) == sh(2027, 1, 4, 10, 0)
    assert cal.business_minutes_between(sh(2026, 12, 31, 17, 0), sh(2027, 1, 4, 10, 0)) == 120


def test_many_years_of_24x7():
    cal = always()
    start = datetime(2025, 6, 1, tzinfo=UTC)
    minutes = 3 * 366 * 24 * 60
    assert cal.add_business_minutes(start, minutes) == start + timedelta(minutes=minutes)
    assert cal.business_minutes_between(start, start + timedelta(minutes=minutes)) == minutes


# --------------------------------------------------------------------------- dates


OCTOBER = {
    "holidays": [f"2026-10-0{day}" for day in range(1, 8)],
    "extra_workdays": ["2026-10-10"],  # a Saturday, worked with the ordinary hours
}


def test_holidays_are_closed_and_extra_workdays_open():
    cal = standard(**OCTOBER)
    assert not cal.is_open(sh(2026, 10, 1, 10, 0))
    assert cal.is_open(sh(2026, 10, 10, 10, 0))
    assert not cal.is_open(sh(2026, 10, 10, 12, 30))  # with the lunch break
    # Wednesday 17:00: one hour left, then the golden week, then Thursday the 8th.
    assert cal.add_business_minutes(sh(2026, 9, 30, 17, 0), 120) == sh(2026, 10, 8, 10, 0)
    # Friday 17:00: one hour left, then the make-up Saturday.
    assert cal.add_business_minutes(sh(2026, 10, 9, 17, 0), 120) == sh(2026, 10, 10, 10, 0)
    assert cal.add_business_minutes(sh(2026, 10, 10, 17, 0), 120) == sh(2026, 10, 12, 10, 0)


def test_extra_workday_takes_the_first_configured_weekday_hours():
    cal = BusinessCalendar.from_spec(
        {
            "timezone": "Asia/Shanghai",
            "week": {"tue": [["10:00", "16:00"]], "wed": [["08:00", "20:00"]]},
            "extra_workdays": ["2026-10-10"],
        }
    )
    assert cal.hours_on(date(2026, 10, 10)) == ((600, 960),)
    assert cal.add_business_minutes(sh(2026, 10, 10, 0, 0), 0) == sh(2026, 10, 10, 10, 0)


def test_extra_workday_with_weekend_hours_uses_the_weekday_hours():
    cal = standard(extra_workdays=["2026-10-10"])
    cal_sat = BusinessCalendar.from_spec(
        {**cal.to_spec(), "week": {**cal.to_spec()["week"], "sat": [["10:00", "11:00"]]}}
    )
    assert cal_sat.hours_on(date(2026, 10, 10)) == cal.hours_on(date(2026, 10, 9))
    assert cal_sat.hours_on(date(2026, 10, 17)) == ((600, 660),)


def test_holiday_and_extra_workday_is_closed():
    cal = standard(holidays=["2026-10-10"], extra_workdays=["2026-10-10"])
    assert cal.hours_on(date(2026, 10, 10)) == ()
    assert cal.add_business_minutes(sh(2026, 10, 10, 9, 0), 60) == sh(2026, 10, 12, 10, 0)


def test_holiday_in_24x7():
    cal = always("Asia/Shanghai", holidays=["2026-03-03"])
    assert cal.add_business_minutes(sh(*MON, 23, 0), 120) == sh(2026, 3, 4, 1, 0)


# --------------------------------------------------------------------------- DST


def test_24x7_day_on_dst_change_is_real_time():
    cal = always("Europe/Berlin")
    spring = datetime(2026, 3, 29, tzinfo=BERLIN)
    autumn = datetime(2026, 10, 25, tzinfo=BERLIN)
    assert cal.business_minutes_between(spring, spring + timedelta(days=1)) == 23 * 60
    assert cal.business_minutes_between(autumn, autumn + timedelta(days=1)) == 25 * 60
    # A deadline is real elapsed time: 24 business hours end at 01:00 the next local day.
    assert cal.add_business_minutes(spring, 24 * 60) == datetime(2026, 3, 30, 1, tzinfo=BERLIN)
    assert cal.add_business_minutes(autumn, 24 * 60) == datetime(2026, 10, 25, 23, tzinfo=BERLIN)


def test_boundary_in_dst_gap_resolves_one_hour_later():
    cal = week_of("Europe/Berlin", sun=[["02:30", "05:00"]])
    gap_day = datetime(2026, 3, 29, tzinfo=BERLIN)
    opening = cal.next_open(gap_day)
    assert opening == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert opening.astimezone(BERLIN).hour == 3
    assert cal.business_minutes_between(gap_day, gap_day + timedelta(days=1)) == 90
    a_week_before = datetime(2026, 3, 22, tzinfo=BERLIN)
    assert cal.business_minutes_between(a_week_before, a_week_before + timedelta(days=1)) == 150


def test_interval_closing_in_dst_gap():
    # 01:00-02:30 closes at 03:30 CEST = 01:30 UTC: 90 real minutes (00:00 to 01:30 UTC).
    cal = week_of("Europe/Berlin", sun=[["01:00", "02:30"], ["03:00", "04:00"]])
    day = datetime(2026, 3, 29, tzinfo=BERLIN)
    # 02:30 resolves to 03:30 CEST, after 03:00 CEST: the intervals join, 01:00 to 04:00.
    assert cal.business_minutes_between(day, day + timedelta(days=1)) == 120
    assert cal.closed_spans(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), day + timedelta(hours=5)) == [
        (datetime(2026, 3, 29, 2, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=UTC), "closed")
    ]


def test_boundary_in_dst_fold_takes_the_first_occurrence():
    cal = week_of("Europe/Berlin", sun=[["02:30", "03:30"]])
    day = datetime(2026, 10, 25, tzinfo=BERLIN)
    assert cal.next_open(day) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert cal.business_minutes_between(day, day + timedelta(days=1)) == 120
    assert cal.add_business_minutes(day, 120) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_business_hours_across_new_york_dst():
    cal = week_of("America/New_York", **{d: [["09:00", "17:00"]] for d in ("mon", "fri")})
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=NEW_YORK)  # EST; DST starts on Sunday 8th
    deadline = cal.add_business_minutes(friday, 120)
    assert deadline == datetime(2026, 3, 9, 10, 0, tzinfo=NEW_YORK)
    assert deadline == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # EDT, UTC-4
    assert cal.business_minutes_between(friday, deadline) == 120


def test_business_hours_on_berlin_autumn_change():
    cal = week_of("Europe/Berlin", sun=[["00:00", "06:00"]])
    day = datetime(2026, 10, 25, tzinfo=BERLIN)
    assert cal.business_minutes_between(day, day + timedelta(days=1)) == 7 * 60
    assert cal.add_business_minutes(day, 7 * 60) == datetime(2026, 10, 25, 6, 0, tzinfo=BERLIN)


# --------------------------------------------------------------------------- pauses


def test_pause_overlapping_closed_time():
    cal = standard()
    pause = (sh(*MON, 17, 30), sh(2026, 3, 3, 10, 0))
    # 30 minutes on Monday, paused until Tuesday 10:00, then 90 minutes.
    assert cal.add_business_minutes(sh(*MON, 17, 0), 120, [pause]) == sh(2026, 3, 3, 11, 30)
    assert cal.business_minutes_between(sh(*MON, 17, 0), sh(2026, 3, 3, 11, 30), [pause]) == 120


def test_pause_inside_closed_time_changes_nothing():
    cal = standard()
    pause = (sh(*MON, 18, 0), sh(2026, 3, 3, 9, 0))
    assert cal.add_business_minutes(sh(*MON, 17, 0), 120, [pause]) == sh(2026, 3, 3, 10, 0)


def test_overlapping_pauses_count_once():
    cal = standard()
    pauses = [(sh(*MON, 9, 30), sh(*MON, 10, 30)), (sh(*MON, 10, 0), sh(*MON, 11, 0))]
    assert cal.add_business_minutes(sh(*MON, 9, 0), 60, pauses) == sh(*MON, 11, 30)
    assert cal.business_minutes_between(sh(*MON, 9, 0), sh(*MON, 12, 0), pauses) == 90
    assert cal.add_business_minutes(sh(*MON, 9, 0), 60, pauses[::-1]) == sh(*MON, 11, 30)


def test_pauses_before_the_start_or_after_the_deadline_change_nothing():
    cal = standard()
    pauses = [(sh(*MON, 7, 0), sh(*MON, 9, 30)), (sh(*MON, 11, 0), sh(*MON, 12, 0))]
    assert cal.add_business_minutes(sh(*MON, 10, 0), 60, pauses) == sh(*MON, 11, 0)


def test_deadline_landing_on_a_pause_start_stays():
    cal = standard()
    pause = (sh(*MON, 10, 0), sh(*MON, 11, 0))
    assert cal.add_business_minutes(sh(*MON, 9, 0), 60, [pause]) == sh(*MON, 10, 0)


def test_zero_minutes_skips_a_pause():
    cal = standard()
    pause = (sh(*MON, 8, 0), sh(*MON, 10, 0))
    assert cal.add_business_minutes(sh(*MON, 8, 30), 0, [pause]) == sh(*MON, 10, 0)
    assert cal.add_business_minutes(sh(*MON, 7, 0), 0, [pause]) == sh(*MON, 10, 0)


def test_open_ended_pause():
    cal = standard()
    pause = (sh(*MON, 10, 0), None)
    with pytest.raises(PausedIndefinitely):
        cal.add_business_minutes(sh(*MON, 9, 0), 120, [pause])
    assert cal.deadline(sh(*MON, 9, 0), 120, [pause]) is None
    # Reached before the pause: the deadline stands.
    assert cal.add_business_minutes(sh(*MON, 9, 0), 60, [pause]) == sh(*MON, 10, 0)
    assert cal.deadline(sh(*MON, 9, 0), 30, [pause]) == sh(*MON, 9, 30)
    # Elapsed business time stops at the pause.
    assert cal.business_minutes_between(sh(*MON, 9, 0), sh(2026, 3, 9, 9, 0), [pause]) == 60


def test_open_ended_pause_during_closed_time():
    cal = standard()
    pause = (sh(*MON, 18, 30), None)
    assert cal.add_business_minutes(sh(*MON, 17, 0), 60, [pause]) == sh(*MON, 18, 0)
    with pytest.raises(PausedIndefinitely):
        cal.add_business_minutes(sh(*MON, 17, 0), 61, [pause])


def test_pause_ending_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match="pause"):
        standard().add_business_minutes(sh(*MON, 9, 0), 60, [(sh(*MON, 11, 0), sh(*MON, 10, 0))])


def test_empty_pause_is_ignored():
    cal = standard()
    pause = (sh(*MON, 10, 0), sh(*MON, 10, 0))
    assert cal.add_business_minutes(sh(*MON, 9, 0), 120, [pause]) == sh(*MON, 11, 0)


# --------------------------------------------------------------------------- closed spans


def test_closed_spans_name_holidays_and_closed_time():
    cal = standard(holidays=["2026-03-09"])  # a Monday
    spans = cal.closed_spans(sh(2026, 3, 6, 17, 0), sh(2026, 3, 10, 10, 0))
    assert spans == [
        (sh(2026, 3, 6, 18, 0), sh(2026, 3, 9, 0, 0), "closed"),
        (sh(2026, 3, 9, 0, 0), sh(2026, 3, 10, 0, 0), "holiday"),
        (sh(2026, 3, 10, 0, 0), sh(2026, 3, 10, 9, 0), "closed"),
    ]
    assert all(start.tzinfo is UTC for start, _end, _reason in spans)


def test_closed_spans_lunch_and_clipping():
    cal = standard()
    assert cal.closed_spans(sh(*MON, 11, 0), sh(*MON, 14, 0)) == [
        (sh(*MON, 12, 0), sh(*MON, 13, 30), "closed")
    ]
    assert cal.closed_spans(sh(*MON, 12, 30), sh(*MON, 13, 0)) == [
        (sh(*MON, 12, 30), sh(*MON, 13, 0), "closed")
    ]
    assert cal.closed_spans(sh(*MON, 10, 0), sh(*MON, 11, 0)) == []
    assert cal.closed_spans(sh(*MON, 11, 0), sh(*MON, 10, 0)) == []


def test_closed_spans_consecutive_holidays_on_a_weekend_are_one_span():
    cal = standard(holidays=["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"])
    assert cal.closed_spans(sh(2026, 10, 1, 0, 0), sh(2026, 10, 5, 0, 0)) == [
        (sh(2026, 10, 1, 0, 0), sh(2026, 10, 5, 0, 0), "holiday")
    ]


# --------------------------------------------------------------------------- breach, inputs


def test_breached_only_strictly_after_the_deadline():
    deadline = sh(*MON, 18, 0)
    assert not is_breached(deadline, deadline)
    assert not is_breached(deadline, deadline - US)
    assert is_breached(deadline, deadline + US)
    assert not is_breached(deadline, deadline.astimezone(UTC))


@pytest.mark.parametrize(
    "call",
    [
        lambda cal, naive: cal.add_business_minutes(naive, 10),
        lambda cal, naive: cal.business_minutes_between(naive, sh(*MON, 10, 0)),
        lambda cal, naive: cal.business_minutes_between(sh(*MON, 10, 0), naive),
        lambda cal, naive: cal.is_open(naive),
        lambda cal, naive: cal.next_open(naive),
        lambda cal, naive: cal.closed_spans(naive, sh(*MON, 10, 0)),
        lambda cal, naive: cal.add_business_minutes(sh(*MON, 9, 0), 10, [(naive, None)]),
        lambda cal, naive: is_breached(naive, sh(*MON, 10, 0)),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(standard(), datetime(2026, 3, 2, 10, 0))


@pytest.mark.parametrize("minutes", [-1, -0.5, math.nan, math.inf])
def test_bad_targets_are_rejected(minutes):
    with pytest.raises(ValueError, match="target"):
        standard().add_business_minutes(sh(*MON, 9, 0), minutes)


@pytest.mark.parametrize(
    "spec",
    [
        {"timezone": "Asia/Shanghai", "week": {}},
        {"timezone": "Asia/Shanghai", "week": {}, "extra_workdays": ["2026-10-10"]},
        {"timezone": "UTC", "week": {}, "extra_workdays": ["2020-01-06"]},
    ],
)
def test_no_working_time_raises_instead_of_looping(spec):
    cal = BusinessCalendar.from_spec(spec)
    start = sh(*MON, 9, 0)
    with pytest.raises(CalendarSpecError, match="no working time") as caught:
        cal.add_business_minutes(start, 60)
    assert caught.value.field == "week"
    with pytest.raises(CalendarSpecError):
        cal.add_business_minutes(start, 0)
    with pytest.raises(CalendarSpecError):
        cal.next_open(start)
    assert cal.business_minutes_between(start, start + timedelta(days=30)) == 0
    assert not cal.is_open(start)


# --------------------------------------------------------------------------- specs


def test_constants():
    standard_cal = BusinessCalendar.from_spec(STANDARD_SPEC)
    assert standard_cal.tz.key == "Asia/Shanghai"
    assert standard_cal.week[0] == ((540, 720), (810, 1080))
    assert standard_cal.week[5:] == ((), ())
    assert all(
        day == ((0, 1440),) for day in BusinessCalendar.from_spec(TWENTY_FOUR_SEVEN_SPEC).week
    )


def test_to_spec_is_canonical():
    cal = BusinessCalendar.from_spec(
        {
            "extra_workdays": ["2026-10-10", "2026-09-20"],
            "holidays": ["2026-10-02", "2026-10-01", "2026-10-02"],
            "week": {"sun": [], "fri": [["09:00", "12:00"]], "mon": [["08:00", "24:00"]]},
            "timezone": "Europe/Berlin",
        }
    )
    spec = cal.to_spec()
    assert spec == {
        "timezone": "Europe/Berlin",
        "week": {"mon": [["08:00", "24:00"]], "fri": [["09:00", "12:00"]]},
        "holidays": ["2026-10-01", "2026-10-02"],
        "extra_workdays": ["2026-09-20", "2026-10-10"],
    }
    assert list(spec["week"]) == ["mon", "fri"]
    assert BusinessCalendar.from_spec(spec) == cal
    assert BusinessCalendar.from_spec(spec).to_spec() == spec
    assert hash(BusinessCalendar.from_spec(spec)) == hash(cal)


@pytest.mark.parametrize("spec", [STANDARD_SPEC, TWENTY_FOUR_SEVEN_SPEC])
def test_constants_round_trip(spec):
    assert BusinessCalendar.from_spec(spec).to_spec() == spec
    assert BusinessCalendar.from_spec(BusinessCalendar.from_spec(spec).to_spec()) == (
        BusinessCalendar.from_spec(spec)
    )


def test_calendars_differ():
    assert standard() != standard(holidays=["2026-10-01"])
    assert standard() != always("Asia/Shanghai")
    assert standard() != "not a calendar"


def test_optional_date_lists():
    cal = BusinessCalendar.from_spec({"timezone": "UTC", "week": {}})
    assert cal.to_spec() == {"timezone": "UTC", "week": {}, "holidays": [], "extra_workdays": []}


def _with(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(STANDARD_SPEC), **changes}


def _monday(*pairs: Any) -> dict[str, Any]:
    return _with(week={"mon": list(pairs)})


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (_monday(["09:00", "12:00"], ["11:00", "13:00"]), "week.mon[1]"),  # overlapping
        (_monday(["13:00", "14:00"], ["09:00", "10:00"]), "week.mon[1]"),  # unordered
        (_monday(["09:00", "25:00"]), "week.mon[0]"),
        (_monday(["09:00", "12:60"]), "week.mon[0]"),
        (_monday(["9:00", "12:00"]), "week.mon[0]"),  # two-digit hours only
        (_monday(["09:00", "24:01"]), "week.mon[0]"),
        (_monday(["24:00", "24:00"]), "week.mon[0]"),  # 24:00 only closes
        (_monday(["09:00", "09:00"]), "week.mon[0]"),  # open >= close
        (_monday(["18:00", "09:00"]), "week.mon[0]"),
        (_monday(["09:00", "00:00"]), "week.mon[0]"),
        (_monday(["09:00"]), "week.mon[0]"),
        (_monday(["09:00", "12:00", "13:00"]), "week.mon[0]"),
        (_monday("09:00-12:00"), "week.mon[0]"),
        (_monday(["09:00", 12]), "week.mon[0]"),
        (_monday(["09:00", " 12:00"]), "week.mon[0]"),
        (_with(week={"mon": "09:00-12:00"}), "week.mon"),
        (_with(week={"monday": []}), "week.monday"),
        (_with(week=[]), "week"),
        (_with(timezone="Mars/Olympus_Mons"), "timezone"),
        (_with(timezone=""), "timezone"),
        (_with(timezone=8), "timezone"),
        (_with(timezone="../../etc/passwd"), "timezone"),
        (_with(holidays="2026-10-01"), "holidays"),
        (_with(holidays=["2026-10-01", "2026-13-01"]), "holidays[1]"),
        (_with(holidays=["2026-10-01", "2026-10-02", "20261003"]), "holidays[2]"),
        (_with(holidays=[20261001]), "holidays[0]"),
        (_with(extra_workdays=["2026-02-30"]), "extra_workdays[0]"),
        (_with(extra_workdays=None), "extra_workdays"),
        (_with(tz="UTC"), "tz"),
        ({"week": {}}, "timezone"),
        ({"timezone": "UTC"}, "week"),
        (["not", "a", "dict"], "spec"),
    ],
)
def test_validation_errors_name_the_field(spec, field):
    with pytest.raises(CalendarSpecError) as caught:
        BusinessCalendar.from_spec(spec)
    assert caught.value.field == field
    assert isinstance(caught.value.message, Promise)  # translatable, evaluated when shown
    assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)


def test_touching_intervals_are_valid():
    cal = BusinessCalendar.from_spec(_monday(["09:00", "12:00"], ["12:00", "13:00"]))
    assert cal.business_minutes_between(sh(*MON, 0, 0), sh(2026, 3, 3, 0, 0)) == 240
    assert cal.closed_spans(sh(*MON, 9, 0), sh(*MON, 13, 0)) == []
