"""Periods and their parser: boundaries are local midnights in the period's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.periods import Period, period_from_params, zone
from servicedesk.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_month_boundaries_are_local_midnights():
    p = Period.month(2026, 11, SHANGHAI)
    assert p.start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert p.end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert (p.first_day, p.last_day, p.days, p.label) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        30,
        "2026-11",
    )


def test_default_zone_is_the_sites(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert Period.day(date(2026, 11, 5)).start == datetime(2026, 11, 4, 16, tzinfo=UTC)


def test_a_day_across_a_daylight_saving_change_is_23_hours():
    p = Period.day(date(2026, 3, 8), ZoneInfo("America/New_York"))
    assert (p.end - p.start).total_seconds() == 23 * 3600


def test_constructors_and_previous():
    assert Period.week(date(2026, 11, 20)).first_day == date(2026, 11, 16)  # Monday
    assert Period.week(date(2026, 11, 20)).previous().first_day == date(2026, 11, 9)
    q = Period.quarter(2026, 1)
    assert (q.first_day, q.last_day) == (date(2026, 1, 1), date(2026, 3, 31))
    assert q.previous().label == "2025-Q4"
    assert Period.month(2026, 3).previous().last_day == date(2026, 2, 28)
    assert Period.year(2026).previous().label == "2025"
    c = Period.custom(date(2026, 11, 10), date(2026, 11, 19))
    assert (c.previous().first_day, c.previous().last_day) == (
        date(2026, 10, 31),
        date(2026, 11, 9),
    )


def test_subperiods_cover_the_period_without_gaps():
    parts = Period.quarter(2026, 4).subperiods()
    assert parts[0].first_day == date(2026, 10, 1)  # a Thursday: the first week is cut
    assert parts[0].last_day == date(2026, 10, 4)
    assert parts[-1].last_day == date(2026, 12, 31)
    for a, b in zip(parts, parts[1:], strict=False):
        assert (b.first_day - a.last_day).days == 1
    assert len(Period.month(2026, 2).subperiods()) == 28
    assert [p.label for p in Period.year(2026).subperiods()][:2] == ["2026-01", "2026-02"]


@pytest.mark.parametrize(
    ("params", "first", "last"),
    [
        ({"period": "month", "date": "2026-11"}, date(2026, 11, 1), date(2026, 11, 30)),
        ({"period": "month", "date": "2026-11-17"}, date(2026, 11, 1), date(2026, 11, 30)),
        ({"period": "day", "date": "2026-11-05"}, date(2026, 11, 5), date(2026, 11, 5)),
        ({"period": "week", "date": "2026-W47"}, date(2026, 11, 16), date(2026, 11, 22)),
        ({"period": "week", "date": "2026-11-20"}, date(2026, 11, 16), date(2026, 11, 22)),
        ({"period": "quarter", "date": "2026-Q4"}, date(2026, 10, 1), date(2026, 12, 31)),
        ({"period": "year", "date": "2026"}, date(2026, 1, 1), date(2026, 12, 31)),
        ({"start": "2026-11-01", "end": "2026-11-30"}, date(2026, 11, 1), date(2026, 11, 30)),
        (
            {"period": "custom", "start": "2026-11-03", "end": "2026-11-04"},
            date(2026, 11, 3),
            date(2026, 11, 4),
        ),
    ],
)
def test_parser(params, first, last):
    p = period_from_params(params)
    assert (p.first_day, p.last_day) == (first, last)
    assert period_from_params(p.query()) == p  # the query parses back


def test_parser_defaults_to_the_current_month():
    p = period_from_params({}, today=date(2026, 12, 3))
    assert (p.kind, p.first_day) == ("month", date(2026, 12, 1))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "fortnight"}, "period"),
        ({"period": "month", "date": "2026-13"}, "date"),
        ({"period": "month", "date": "november"}, "date"),
        ({"period": "quarter", "date": "2026-Q5"}, "date"),
        ({"period": "week", "date": "2026-W54"}, "date"),
        ({"period": "year", "date": "1999"}, "date"),
        ({"start": "2026-11-01"}, "end"),
        ({"start": "2026-11-31", "end": "2026-12-01"}, "start"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
    ],
)
def test_parser_rejects_bad_input_naming_the_parameter(params, field):
    with pytest.raises(ValidationFailed) as caught:
        period_from_params(params)
    assert field in caught.value.fields


def test_unknown_zone_is_a_validation_error():
    with pytest.raises(ValidationFailed):
        zone("Mars/Olympus")
