"""Reporting periods: a half-open interval ``[start, end)`` of aware datetimes whose day
boundaries are local midnights in one time zone (the organization's, else
``settings.TIME_ZONE``: Asia/Shanghai by default).

A day is 24 hours only where the zone has no daylight saving; the boundaries are computed as
local dates turned into aware datetimes, never by adding hours, so they are right in any zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import ValidationFailed

from .scope import Scope  # re-exported: reports take a period and a scope

KINDS = ("day", "week", "month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366  # a custom range spans at most three years

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


def zone(name: str | None = None) -> ZoneInfo:
    """The named zone, or the site's (``settings.TIME_ZONE``)."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(
            _("Unknown time zone."), fields={"tz": [_("Unknown time zone.")]}
        ) from exc


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight as a UTC instant (arithmetic on it is then in real hours)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days ``first_day`` .. ``last_day`` (inclusive) in ``tz``; ``start``/``end``
    are the aware instants bounding them (``end`` exclusive)."""

    kind: str
    first_day: date
    last_day: date
    tz: ZoneInfo

    # --- constructors ----------------------------------------------------------------

    @classmethod
    def day(cls, day: date, tz: ZoneInfo | None = None) -> Period:
        return cls("day", day, day, tz or zone())

    @classmethod
    def week(cls, day: date, tz: ZoneInfo | None = None) -> Period:
        """The ISO week (Monday to Sunday) holding ``day``."""
        monday = day - timedelta(days=day.weekday())
        return cls("week", monday, monday + timedelta(days=6), tz or zone())

    @classmethod
    def month(cls, year: int, month: int, tz: ZoneInfo | None = None) -> Period:
        first = date(year, month, 1)
        return cls("month", first, _add_months(first, 1) - timedelta(days=1), tz or zone())

    @classmethod
    def quarter(cls, year: int, quarter: int, tz: ZoneInfo | None = None) -> Period:
        first = date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", first, _add_months(first, 3) - timedelta(days=1), tz or zone())

    @classmethod
    def year(cls, year: int, tz: ZoneInfo | None = None) -> Period:
        return cls("year", date(year, 1, 1), date(year, 12, 31), tz or zone())

    @classmethod
    def custom(cls, first_day: date, last_day: date, tz: ZoneInfo | None = None) -> Period:
        if last_day < first_day:
            raise ValidationFailed(
                _("The end date is before the start date."),
                fields={"end": [_("The end date is before the start date.")]},
            )
        if (last_day - first_day).days >= MAX_CUSTOM_DAYS:
            message = _("A custom range spans at most three years.")
            raise ValidationFailed(message, fields={"end": [message]})
        return cls("custom", first_day, last_day, tz or zone())

    @classmethod
    def containing(cls, kind: str, day: date, tz: ZoneInfo | None = None) -> Period:
        """The period of ``kind`` (not custom) that holds ``day``."""
        if kind == "day":
            return cls.day(day, tz)
        if kind == "week":
            return cls.week(day, tz)
        if kind == "month":
            return cls.month(day.year, day.month, tz)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1, tz)
        return cls.year(day.year, tz)

    # --- instants --------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def is_current(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.start <= now < self.end

    # --- neighbours and parts ----------------------------------------------------------

    def previous(self) -> Period:
        """The period of the same kind just before (a custom range: as many days before)."""
        if self.kind in ("day", "week", "custom"):
            shift = timedelta(days=self.days)
            return Period(self.kind, self.first_day - shift, self.last_day - shift, self.tz)
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        first = _add_months(self.first_day, -months)
        return Period(self.kind, first, self.first_day - timedelta(days=1), self.tz)

    def subperiods(self, kind: str | None = None) -> list[Period]:
        """Consecutive parts covering the period, for trends: days of a week or month,
        weeks of a quarter, months of a year; a custom range by length. Parts are cut at
        the period's edges (a week part of a quarter may be shorter)."""
        kind = kind or self.trend_kind()
        parts: list[Period] = []
        day = self.first_day
        while day <= self.last_day:
            part = Period.containing(kind, day, self.tz)
            first, last = max(part.first_day, self.first_day), min(part.last_day, self.last_day)
            parts.append(
                Period(
                    kind if (first, last) == (part.first_day, part.last_day) else "custom",
                    first,
                    last,
                    self.tz,
                )
            )
            day = last + timedelta(days=1)
        return parts

    def trend_kind(self) -> str:
        if self.kind in ("day", "week", "month"):
            return "day"
        if self.kind == "quarter":
            return "week"
        if self.kind == "year":
            return "month"
        return "day" if self.days <= 62 else "week" if self.days <= 366 else "month"

    # --- presentation ----------------------------------------------------------------

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.first_day.isoformat()
        if self.kind == "week":
            year, week, _day = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.first_day.year}-{self.first_day.month:02d}"
        if self.kind == "quarter":
            return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first_day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def query(self) -> dict[str, str]:
        """The query parameters that parse back into this period."""
        if self.kind == "custom":
            return {"start": self.first_day.isoformat(), "end": self.last_day.isoformat()}
        value = self.first_day.isoformat() if self.kind in ("day", "week") else self.label
        return {"period": self.kind, "date": value}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "start": self.start.astimezone(self.tz).isoformat(),
            "end": self.end.astimezone(self.tz).isoformat(),
            "time_zone": self.tz.key,
        }


def scope_zone(scope: Scope) -> ZoneInfo | None:
    """The time zone of the scope's one organization, if it has one of its own (else
    ``None``: the site's). An unknown zone name on the organization falls back too."""
    if scope.organization is None:
        return None
    from servicedesk.models import Organization

    name = (
        Organization.objects.filter(pk=scope.organization)
        .values_list("time_zone", flat=True)
        .first()
    )
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# --- parsing -------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise _invalid(field, _("Enter a date as YYYY-MM-DD.")) from exc


def _in_range(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise _invalid("date", _("The year must be between 2000 and 2100."))
    return year


def period_from_params(
    params: Any, tz: ZoneInfo | None = None, today: date | None = None
) -> Period:
    """A period from query parameters.

    ``period=day|week|month|quarter|year`` with ``date`` (``2026-11-05`` for a day or the
    week holding it, ``2026-W45``, ``2026-11``, ``2026-Q4``, ``2026``); or ``start`` and
    ``end`` dates (inclusive) for a custom range (``period=custom`` or no ``period``).
    Without either: the current month. Bad input raises ``ValidationFailed`` naming the
    parameter."""
    tz = tz or zone()
    today = today or timezone.localtime(timezone.now(), tz).date()
    kind = (params.get("period") or "").strip().lower()
    start, end = params.get("start"), params.get("end")
    if kind and kind not in KINDS:
        raise _invalid("period", _("Choose day, week, month, quarter, year or custom."))
    if kind == "custom" or (not kind and (start or end)):
        if not start or not end:
            raise _invalid("start" if not start else "end", _("Give both start and end dates."))
        first, last = _date("start", start), _date("end", end)
        _in_range(first.year), _in_range(last.year)
        return Period.custom(first, last, tz)
    kind = kind or "month"
    value = (params.get("date") or "").strip()
    if not value:
        return Period.containing(kind, today, tz)
    return _parse_date_value(kind, value, tz)


def _parse_date_value(kind: str, value: str, tz: ZoneInfo) -> Period:
    bad = {
        "day": _("Enter the day as YYYY-MM-DD."),
        "week": _("Enter the week as YYYY-Www or a day in it (YYYY-MM-DD)."),
        "month": _("Enter the month as YYYY-MM."),
        "quarter": _("Enter the quarter as YYYY-Qn."),
        "year": _("Enter the year as YYYY."),
    }[kind]
    try:
        if kind == "week" and (match := _WEEK.match(value)):
            year, week = _in_range(int(match[1])), int(match[2])
            return Period.week(date.fromisocalendar(year, week, 1), tz)
        if kind == "month" and (match := _MONTH.match(value)):
            return Period.month(_in_range(int(match[1])), int(match[2]), tz)
        if kind == "quarter" and (match := _QUARTER.match(value)):
            return Period.quarter(_in_range(int(match[1])), int(match[2]), tz)
        if kind == "year" and (match := _YEAR.match(value)):
            return Period.year(_in_range(int(match[1])), tz)
        if kind in ("day", "week", "quarter") or (kind == "month" and len(value) == 10):
            day = date.fromisoformat(value)
            _in_range(day.year)
            return Period.containing(kind, day, tz)
    except ValueError as exc:
        raise _invalid("date", bad) from exc
    raise _invalid("date", bad)


__all__ = ["KINDS", "Period", "Scope", "period_from_params", "scope_zone", "zone"]
