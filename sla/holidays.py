"""Public holidays and make-up workdays from the ``holidays`` package, for calendar specs.

China moves weekends around its golden weeks (调休): a Saturday or Sunday becomes a workday
so that the days off are consecutive. ``holidays`` lists the days off as holidays
(including the substituted ones, "Day off (substituted from ...)") and keeps the worked
weekend days in ``weekend_workdays``; :func:`holiday_dates` returns both for one year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import holidays as holidays_package

from sla.calendar import BusinessCalendar


def holiday_dates(country: str, year: int) -> tuple[list[date], list[date]]:
    """(holidays, extra workdays) of ``country`` (ISO 3166 code) in ``year``, sorted.

    Raises ``ValueError`` for a country the ``holidays`` package does not know.
    """
    try:
        found = holidays_package.country_holidays(country.upper(), years=year)
    except NotImplementedError:
        raise ValueError(f"Unknown country code {country!r}.") from None
    days_off = sorted(day for day in found if day.year == year)
    # weekend_workdays accumulates every year the entity has populated: keep the one asked.
    workdays = sorted(day for day in getattr(found, "weekend_workdays", ()) if day.year == year)
    return days_off, workdays


def merge_into_spec(
    spec: Mapping[str, Any],
    holidays: Iterable[date],
    extra_workdays: Iterable[date],
    *,
    replace_year: int | None = None,
) -> dict[str, Any]:
    """``spec`` with the given dates added, validated and in canonical form.

    With ``replace_year`` the dates the spec already had in that year are dropped first, so
    a corrected import replaces the old one instead of adding to it. Raises
    ``CalendarSpecError`` if ``spec`` is invalid.
    """
    canonical = BusinessCalendar.from_spec(spec).to_spec()

    def merged(existing: list[str], new: Iterable[date]) -> list[str]:
        kept = {
            text
            for text in existing
            if replace_year is None or date.fromisoformat(text).year != replace_year
        }
        return sorted(kept | {day.isoformat() for day in new})

    canonical["holidays"] = merged(canonical["holidays"], holidays)
    canonical["extra_workdays"] = merged(canonical["extra_workdays"], extra_workdays)
    return BusinessCalendar.from_spec(canonical).to_spec()
