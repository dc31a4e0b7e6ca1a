"""Holidays and make-up workdays from the holidays package, and the import command."""

from __future__ import annotations

import copy
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from sla.calendar import STANDARD_SPEC, BusinessCalendar, CalendarSpecError
from sla.holidays import holiday_dates, merge_into_spec


def test_china_2026():
    days_off, workdays = holiday_dates("CN", 2026)
    assert len(days_off) == 22
    assert date(2026, 10, 1) in days_off and date(2026, 2, 17) in days_off
    # The 调休 Saturdays and Sundays worked in exchange for the long weekends.
    assert workdays == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert all(day.weekday() >= 5 for day in workdays)
    assert days_off == sorted(days_off)
    assert all(day.year == 2026 for day in days_off)


def test_lower_case_country_and_a_country_without_workdays():
    assert holiday_dates("cn", 2026) == holiday_dates("CN", 2026)
    days_off, workdays = holiday_dates("DE", 2026)
    assert date(2026, 12, 25) in days_off
    assert workdays == []


def test_unknown_country():
    with pytest.raises(ValueError, match="XX"):
        holiday_dates("XX", 2026)


def test_merge_into_spec_adds_sorted_dates_once():
    spec = {**copy.deepcopy(STANDARD_SPEC), "holidays": ["2025-10-01", "2026-10-01"]}
    merged = merge_into_spec(spec, [date(2026, 10, 2), date(2026, 10, 1)], [date(2026, 10, 10)])
    assert merged["holidays"] == ["2025-10-01", "2026-10-01", "2026-10-02"]
    assert merged["extra_workdays"] == ["2026-10-10"]
    assert merged["week"] == STANDARD_SPEC["week"]
    assert merge_into_spec(merged, [date(2026, 10, 2)], [date(2026, 10, 10)]) == merged
    assert spec["holidays"] == ["2025-10-01", "2026-10-01"]  # the input is left alone


def test_merge_into_spec_can_replace_a_year():
    spec = {
        **copy.deepcopy(STANDARD_SPEC),
        "holidays": ["2025-10-01", "2026-10-09"],
        "extra_workdays": ["2026-10-11"],
    }
    merged = merge_into_spec(spec, [date(2026, 10, 1)], [], replace_year=2026)
    assert merged["holidays"] == ["2025-10-01", "2026-10-01"]
    assert merged["extra_workdays"] == []


def test_merge_into_spec_validates():
    with pytest.raises(CalendarSpecError) as caught:
        merge_into_spec({"timezone": "Nowhere", "week": {}}, [], [])
    assert caught.value.field == "timezone"


def test_imported_china_calendar_works():
    days_off, workdays = holiday_dates("CN", 2026)
    cal = BusinessCalendar.from_spec(merge_into_spec(STANDARD_SPEC, days_off, workdays))
    # Friday 2026-10-09 17:00: one hour, then the make-up Saturday the 10th.
    assert cal.add_business_minutes(date_time(2026, 10, 9, 17), 120) == date_time(2026, 10, 10, 10)
    # Wednesday 2026-09-30 17:00: one hour, then the National Day week (1-7 October).
    assert cal.add_business_minutes(date_time(2026, 9, 30, 17), 120) == date_time(2026, 10, 8, 10)


def date_time(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))  # type: ignore[misc]


# --------------------------------------------------------------------------- the command


@pytest.fixture
def calendar_row(db):
    from sla.models import BusinessCalendar as Row

    return Row.objects.create(name="China office", spec=copy.deepcopy(STANDARD_SPEC))


def test_command_fills_the_calendar(calendar_row):
    out = StringIO()
    call_command(
        "import_holidays",
        "--country",
        "CN",
        "--year",
        "2026",
        "--calendar",
        "China office",
        stdout=out,
    )
    calendar_row.refresh_from_db()
    assert "22 holidays and 6 extra workdays" in out.getvalue()
    assert "2026-10-01" in calendar_row.spec["holidays"]
    assert calendar_row.spec["extra_workdays"][-1] == "2026-10-10"
    BusinessCalendar.from_spec(calendar_row.spec)  # still valid
    again = copy.deepcopy(calendar_row.spec)
    call_command(
        "import_holidays",
        "--country",
        "CN",
        "--year",
        "2026",
        "--calendar",
        "China office",
        stdout=StringIO(),
    )
    calendar_row.refresh_from_db()
    assert calendar_row.spec == again  # idempotent


def test_command_dry_run_saves_nothing(calendar_row):
    out = StringIO()
    call_command(
        "import_holidays",
        "--country",
        "CN",
        "--year",
        "2026",
        "--calendar",
        "China office",
        "--dry-run",
        stdout=out,
    )
    calendar_row.refresh_from_db()
    assert calendar_row.spec["holidays"] == []
    assert out.getvalue().startswith("Would add 22 holidays")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--country", "CN", "--year", "2026", "--calendar", "Nope"], "No business calendar"),
        (["--country", "XX", "--year", "2026", "--calendar", "China office"], "XX"),
    ],
)
def test_command_errors(calendar_row, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_holidays", *arguments, stdout=StringIO())
