"""The periods of scheduled reports: the last closed week (Monday to Sunday), calendar month
or quarter before a day, and how a period reads ("2026-W47", "2026-11", "2026-Q3")."""

from __future__ import annotations

import datetime as dt


def closed_period(frequency: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last whole ``week``, ``month`` or ``quarter`` that ended before ``today``."""
    if frequency == "week":
        end = today - dt.timedelta(days=today.weekday() + 1)
        return end - dt.timedelta(days=6), end
    if frequency == "month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if frequency == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=first_month, day=1) - dt.timedelta(days=1)
        return end.replace(month=end.month - 2, day=1), end
    raise ValueError(frequency)


def period_label(start: dt.date, end: dt.date) -> str:
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 1:
            return f"{start:%Y-%m}"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{(start.month + 2) // 3}"
        if months == 12 and start.month == 1:
            return str(start.year)
    if start.weekday() == 0 and (end - start).days == 6:
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()} – {end.isoformat()}"
