"""Business calendars: when the desk is open, and arithmetic in business time.

A calendar is an IANA timezone, weekly working intervals (several a day, for lunch breaks),
holidays (whole local dates closed) and extra workdays (local dates worked although they
fall on a weekend, such as China's make-up workdays). It is stored as JSON::

    {"timezone": "Asia/Shanghai",
     "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], ...},
     "holidays": ["2026-10-01"], "extra_workdays": ["2026-10-10"]}

Conventions (docs/SLA.md says the same):

* Business time is real elapsed time inside the local intervals, each half-open
  ``[open, close)``; ``"24:00"`` closes at the next local midnight. A 24x7 day on a DST
  change therefore has 23 or 25 hours. A local boundary inside a DST gap resolves one hour
  later (02:30 on a spring-forward night is 03:30); one inside a fold takes its first
  occurrence. Business time is the union of the real-time spans of all intervals.
* Times are written ``"HH:MM"`` with two-digit hours (``"9:00"`` is rejected, so a stored
  spec is already canonical); ``"24:00"`` only as a closing time.
* An omitted day is closed. An extra workday is worked with the ordinary weekday hours:
  those of the first configured day from Monday to Friday. A date that is both a holiday
  and an extra workday is closed.
* A deadline is the earliest instant at which the requested business time has elapsed: one
  landing exactly on a closing time stays at that closing time. Starting outside hours
  starts the clock at the next opening. Zero minutes gives the first business instant at
  or after the start (outside every pause).
* Pauses are half-open ``(from, to)`` intervals taken out of business time; they may overlap
  each other or closed time; ``to=None`` means paused until further notice.
* A target is breached only when the event comes strictly after the deadline
  (:func:`is_breached`).
* Inputs must be timezone-aware (naive datetimes raise ``ValueError``); results are in UTC.

Internally everything is UTC epoch seconds. Each local calendar year is turned, once and
lazily, into a sorted array of open intervals with running business-second totals, so a
deadline or a duration costs two bisections however long the target.
"""

from __future__ import annotations

import math
import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPEC_KEYS: Final = ("timezone", "week", "holidays", "extra_workdays")
# A calendar without any open time this many years after a start is an error, not a loop.
HORIZON_YEARS: Final = 3
DAY_MINUTES: Final = 24 * 60

_TIME = re.compile(r"(\d\d):(\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_ONE_DAY = timedelta(days=1)

Interval = tuple[int, int]  # minutes after local midnight, [open, close), close <= 1440
Day = tuple[Interval, ...]
Pause = tuple[datetime, datetime | None]

TWENTY_FOUR_SEVEN_SPEC: Final[dict[str, Any]] = {
    "timezone": "UTC",
    "week": {day: [["00:00", "24:00"]] for day in DAYS},
    "holidays": [],
    "extra_workdays": [],
}
STANDARD_SPEC: Final[dict[str, Any]] = {
    "timezone": "Asia/Shanghai",
    "week": {day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in DAYS[:5]},
    "holidays": [],
    "extra_workdays": [],
}


class CalendarSpecError(ValueError):
    """A calendar spec is invalid, or a calendar has no open time where some is needed.

    ``field`` is the path of the offending value (``"week.mon[1]"``, ``"holidays[2]"``,
    ``"timezone"``, an unknown key); ``message`` is a translatable text.
    """

    def __init__(self, field: str, message: str | Promise) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class PausedIndefinitely(ValueError):
    """The clock is held by an open-ended pause before its target: there is no deadline."""


def is_breached(deadline: datetime, at: datetime) -> bool:
    """Whether an event at ``at`` misses ``deadline``: only strictly after it is late."""
    return _epoch(at) > _epoch(deadline)


# --------------------------------------------------------------------------- spec parsing


def _parse_time(value: Any, field: str, *, closing: bool) -> int:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise CalendarSpecError(field, _("Enter a time as HH:MM, for example 09:00."))
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not closing)):
        raise CalendarSpecError(
            field, _("Enter a time from 00:00 to 23:59; 24:00 only as a closing time.")
        )
    return hours * 60 + minutes


def _parse_day(value: Any, field: str) -> Day:
    if not isinstance(value, list):
        raise CalendarSpecError(field, _("Enter a list of [open, close] time pairs."))
    day: list[Interval] = []
    for index, pair in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CalendarSpecError(where, _("Enter an [open, close] pair of times."))
        opens = _parse_time(pair[0], where, closing=False)
        closes = _parse_time(pair[1], where, closing=True)
        if opens >= closes:
            raise CalendarSpecError(where, _("The opening time must be before the closing."))
        if day and opens < day[-1][1]:
            raise CalendarSpecError(
                where, _("Intervals of a day must be in order and must not overlap.")
            )
        day.append((opens, closes))
    return tuple(day)


def _parse_week(value: Any) -> tuple[Day, ...]:
    if not isinstance(value, dict):
        raise CalendarSpecError("week", _("Enter an object of days (mon ... sun)."))
    for key in value:
        if key not in DAYS:
            raise CalendarSpecError(f"week.{key}", _("Unknown day: use mon, tue ... sun."))
    return tuple(_parse_day(value.get(day, []), f"week.{day}") for day in DAYS)


def _parse_dates(value: Any, field: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarSpecError(field, _("Enter a list of dates."))
    dates: set[date] = set()
    for index, text in enumerate(value):
        try:
            if not isinstance(text, str) or not _DATE.fullmatch(text):
                raise ValueError(text)
            dates.add(date.fromisoformat(text))
        except ValueError:
            raise CalendarSpecError(f"{field}[{index}]", _("Enter a date as YYYY-MM-DD.")) from None
    return frozenset(dates)


def _parse_timezone(value: Any) -> ZoneInfo:
    try:
        if not isinstance(value, str) or not value:
            raise ValueError(value)
        return ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise CalendarSpecError("timezone", _("Unknown time zone.")) from None


def _format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- epoch helpers


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Business-time arithmetic needs timezone-aware datetimes.")
    return moment.timestamp()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _merge_pauses(pauses: Iterable[Pause]) -> list[tuple[float, float]]:
    """Pauses as sorted, disjoint epoch spans; ``math.inf`` for an open end."""
    spans = []
    for start, end in pauses:
        lo, hi = _epoch(start), math.inf if end is None else _epoch(end)
        if hi < lo:
            raise ValueError("A pause must not end before it starts.")
        if hi > lo:
            spans.append((lo, hi))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


class _Year:
    """The open intervals of one local calendar year, as epoch seconds, with running sums."""

    __slots__ = ("cum_end", "ends", "hi", "lo", "starts", "total", "year")

    def __init__(self, year: int, lo: float, hi: float, spans: list[tuple[float, float]]):
        self.year, self.lo, self.hi = year, lo, hi
        self.starts = [start for start, _end in spans]
        self.ends = [end for _start, end in spans]
        self.cum_end = list(accumulate(end - start for start, end in spans))
        self.total = self.cum_end[-1] if spans else 0.0

    def position(self, t: float) -> float:
        """Business seconds from the start of the year to ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        end = self.ends[i]
        return self.cum_end[i] - (end - t) if t < end else self.cum_end[i]

    def instant(self, position: float) -> float:
        """The earliest ``t`` whose position is ``position`` (0 < position <= total)."""
        j = bisect_left(self.cum_end, position)
        return self.ends[j] - (self.cum_end[j] - position)


def _union(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        start, end = max(start, lo), min(end, hi)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class BusinessCalendar:
    """Working hours in a timezone, with business-time arithmetic. Build with ``from_spec``."""

    def __init__(
        self,
        tz: ZoneInfo,
        week: tuple[Day, ...],
        holidays: frozenset[date] = frozenset(),
        extra_workdays: frozenset[date] = frozenset(),
    ) -> None:
        self.tz = tz
        self.week = week
        self.holidays = holidays
        self.extra_workdays = extra_workdays
        # The hours of an extra workday: those of the first configured day, Monday to Friday.
        self.ordinary_hours: Day = next((day for day in week[:5] if day), ())
        self._years: dict[int, _Year] = {}
        self._holiday_spans: list[tuple[float, float]] | None = None

    # ----------------------------------------------------------------------- spec

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        """Validate a JSON spec and build its calendar; raises :class:`CalendarSpecError`."""
        if not isinstance(spec, Mapping):
            raise CalendarSpecError("spec", _("Enter a calendar object."))
        for key in spec:
            if key not in SPEC_KEYS:
                raise CalendarSpecError(str(key), _("Unknown key."))
        for key in ("timezone", "week"):
            if key not in spec:
                raise CalendarSpecError(key, _("This field is required."))
        return cls(
            _parse_timezone(spec["timezone"]),
            _parse_week(spec["week"]),
            _parse_dates(spec.get("holidays", []), "holidays"),
            _parse_dates(spec.get("extra_workdays", []), "extra_workdays"),
        )

    def to_spec(self) -> dict[str, Any]:
        """The canonical JSON spec: days mon..sun (closed ones omitted), dates sorted."""
        return {
            "timezone": self.tz.key,
            "week": {
                name: [[_format_time(o), _format_time(c)] for o, c in day]
                for name, day in zip(DAYS, self.week, strict=True)
                if day
            },
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "extra_workdays": [d.isoformat() for d in sorted(self.extra_workdays)],
        }

    def _key(self) -> tuple[object, ...]:
        return (self.tz.key, self.week, self.holidays, self.extra_workdays)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"BusinessCalendar.from_spec({self.to_spec()!r})"

    # ----------------------------------------------------------------------- local dates

    def hours_on(self, day: date) -> Day:
        """The working intervals of a local date, holidays and extra workdays applied."""
        if day in self.holidays:
            return ()
        if day in self.extra_workdays:
            return self.ordinary_hours
        return self.week[day.weekday()]

    def _local(self, day: date, minutes: int) -> float:
        if minutes == DAY_MINUTES:
            day, minutes = day + _ONE_DAY, 0
        hour, minute = divmod(minutes, 60)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).timestamp()

    def _build_year(self, year: int) -> _Year:
        first = date(year, 1, 1)
        lo, hi = self._local(first, 0), self._local(date(year + 1, 1, 1), 0)
        spans = []
        day = first
        while day.year == year:
            for opens, closes in self.hours_on(day):
                spans.append((self._local(day, opens), self._local(day, closes)))
            day += _ONE_DAY
        return _Year(year, lo, hi, _union(spans, lo, hi))

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = self._build_year(year)
        return found

    def _locate(self, t: float) -> _Year:
        found = self._year(time.gmtime(t).tm_year)
        if t < found.lo:
            return self._year(found.year - 1)
        if t >= found.hi:
            return self._year(found.year + 1)
        return found

    def _no_open_time(self) -> CalendarSpecError:
        return CalendarSpecError(
            "week", _("The calendar has no working time in the next three years.")
        )

    # ----------------------------------------------------------------------- epoch core

    def _between(self, a: float, b: float) -> float:
        """Business seconds in ``[a, b)``, for ``a <= b``."""
        first, last = self._locate(a), self._locate(b)
        if first is last:
            return last.position(b) - first.position(a)
        total = first.total - first.position(a) + last.position(b)
        for year in range(first.year + 1, last.year):
            total += self._year(year).total
        return total

    def _advance(self, start: float, seconds: float) -> float:
        """The earliest ``t`` with ``seconds`` (> 0) of business time in ``[start, t)``."""
        year = self._locate(start)
        base = year.position(start)
        available = year.total - base
        empty = 0
        while available < seconds:
            seconds -= available
            empty = empty + 1 if available == 0 else 0
            if empty > HORIZON_YEARS:
                raise self._no_open_time()
            year, base = self._year(year.year + 1), 0.0
            available = year.total
        return year.instant(base + seconds)

    def _next_open(self, t: float) -> float:
        year = self._locate(t)
        i = bisect_right(year.starts, t) - 1
        if i >= 0 and t < year.ends[i]:
            return t
        i += 1
        for _attempt in range(HORIZON_YEARS + 2):
            if i < len(year.starts):
                return year.starts[i]
            year, i = self._year(year.year + 1), 0
        raise self._no_open_time()

    def _advance_paused(
        self, start: float, seconds: float, pauses: list[tuple[float, float]]
    ) -> float:
        now = start
        for lo, hi in pauses:
            if hi <= now:
                continue
            if lo > now:
                if seconds == 0:
                    candidate = self._next_open(now)
                    if candidate < lo:
                        return candidate
                else:
                    available = self._between(now, lo)
                    if available >= seconds:
                        return self._advance(now, seconds)
                    seconds -= available
            if hi == math.inf:
                raise PausedIndefinitely("An open-ended pause holds the clock.")
            now = hi
        return self._advance(now, seconds) if seconds else self._next_open(now)

    def _open_spans(self, a: float, b: float) -> list[tuple[float, float]]:
        """The open intervals clipped to ``[a, b)``, adjacent ones merged."""
        spans: list[tuple[float, float]] = []
        for number in range(self._locate(a).year, self._locate(b).year + 1):
            year = self._year(number)
            i = max(bisect_right(year.starts, a) - 1, 0)
            for j in range(i, bisect_left(year.starts, b)):
                spans.append((year.starts[j], year.ends[j]))
        return _union(spans, a, b)

    def _holidays_as_spans(self) -> list[tuple[float, float]]:
        if self._holiday_spans is None:
            spans = [(self._local(d, 0), self._local(d, DAY_MINUTES)) for d in self.holidays]
            self._holiday_spans = _union(spans, -math.inf, math.inf)
        return self._holiday_spans

    # ----------------------------------------------------------------------- public API

    def add_business_minutes(
        self, start: datetime, minutes: float, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """The deadline ``minutes`` of business time after ``start``, in UTC.

        ``pauses`` (half-open ``(from, to)``, ``to=None`` for "still paused") are taken out
        of business time. Raises ``ValueError`` for a negative target or a naive datetime,
        :class:`PausedIndefinitely` when an open-ended pause starts before the target is
        reached, :class:`CalendarSpecError` when there is no open time within three years.

        >>> cal = BusinessCalendar.from_spec(STANDARD_SPEC)
        >>> cal.add_business_minutes(datetime(2026, 3, 2, 11, 0, tzinfo=cal.tz), 120)
        datetime.datetime(2026, 3, 2, 6, 30, tzinfo=datetime.timezone.utc)
        """
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError("The business-time target must be zero or more minutes.")
        begin, seconds = _epoch(start), minutes * 60
        merged = _merge_pauses(pauses)
        if merged:
            return _utc(self._advance_paused(begin, seconds, merged))
        return _utc(self._advance(begin, seconds) if seconds else self._next_open(begin))

    def deadline(
        self, start: datetime, minutes: float, pauses: Iterable[Pause] = ()
    ) -> datetime | None:
        """Like :meth:`add_business_minutes`, but ``None`` while a clock is held open-ended."""
        try:
            return self.add_business_minutes(start, minutes, pauses)
        except PausedIndefinitely:
            return None

    def business_minutes_between(
        self, a: datetime, b: datetime, pauses: Iterable[Pause] = ()
    ) -> float:
        """Business minutes in ``[a, b)`` outside ``pauses``; negative when ``b`` is before ``a``.

        >>> cal = BusinessCalendar.from_spec(STANDARD_SPEC)
        >>> a = datetime(2026, 3, 2, 11, 0, tzinfo=cal.tz)
        >>> cal.business_minutes_between(a, a + timedelta(hours=3, minutes=30))
        120.0
        """
        lo, hi = _epoch(a), _epoch(b)
        if hi < lo:
            return -self.business_minutes_between(b, a, pauses)
        seconds = self._between(lo, hi)
        for pause_lo, pause_hi in _merge_pauses(pauses):
            start, end = max(pause_lo, lo), min(pause_hi, hi)
            if start < end:
                seconds -= self._between(start, end)
        return round(seconds, 6) / 60

    def working_day_end(self, start: datetime, days: int) -> datetime:
        """The close of the ``days``-th working day after ``start``'s local date, in UTC.

        A working day is a local date with working hours (holidays closed, extra workdays
        open); the start's own date never counts, so one working day after a Friday
        afternoon is Monday evening. Raises :class:`CalendarSpecError` when there are not
        enough working days within three years.

        >>> cal = BusinessCalendar.from_spec(STANDARD_SPEC)
        >>> cal.working_day_end(datetime(2026, 3, 6, 15, 0, tzinfo=cal.tz), 1)
        datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.timezone.utc)
        """
        if days < 0:
            raise ValueError("The number of working days must be zero or more.")
        day = datetime.fromtimestamp(_epoch(start), self.tz).date()
        limit = day + timedelta(days=366 * HORIZON_YEARS)
        hours = self.hours_on(day)
        while days:
            day += _ONE_DAY
            if day > limit:
                raise self._no_open_time()
            hours = self.hours_on(day)
            if hours:
                days -= 1
        if not hours:  # zero days after a closed date: that date has no close
            raise self._no_open_time()
        return _utc(self._local(day, hours[-1][1]))

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` is inside working hours (opening instant included, closing not)."""
        t = _epoch(at)
        year = self._locate(t)
        i = bisect_right(year.starts, t) - 1
        return i >= 0 and t < year.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) if open, else the next opening; raises without open time."""
        return _utc(self._next_open(_epoch(at)))

    def closed_spans(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime, str]]:
        """The maximal closed spans inside ``[a, b)``, each with its reason.

        The reason is ``"holiday"`` on a holiday date and ``"closed"`` otherwise (outside
        working hours, weekend), so a span across a holiday is cut at local midnights.
        """
        lo, hi = _epoch(a), _epoch(b)
        if hi <= lo:
            return []
        gaps, now = [], lo
        for start, end in self._open_spans(lo, hi):
            if start > now:
                gaps.append((now, start))
            now = end
        if now < hi:
            gaps.append((now, hi))
        pieces: list[tuple[float, float, str]] = []
        for start, end in gaps:
            pieces.extend(_split_by_holidays(start, end, self._holidays_as_spans()))
        return [(_utc(start), _utc(end), reason) for start, end, reason in pieces]


def _split_by_holidays(
    lo: float, hi: float, holidays: Sequence[tuple[float, float]]
) -> list[tuple[float, float, str]]:
    pieces: list[tuple[float, float, str]] = []
    now = lo
    i = max(bisect_right(holidays, (lo, math.inf)) - 1, 0)
    while now < hi and i < len(holidays):
        start, end = max(holidays[i][0], now), min(holidays[i][1], hi)
        if start < end:
            if start > now:
                pieces.append((now, start, "closed"))
            pieces.append((start, end, "holiday"))
            now = end
        elif holidays[i][0] >= hi:
            break
        i += 1
    if now < hi:
        pieces.append((now, hi, "closed"))
    return pieces
