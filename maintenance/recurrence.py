"""When a plan item's inspections fall (定期巡检): pure date arithmetic, no database.

A schedule is anything with ``recurrence``, ``day``, ``month`` and ``rrule`` (a ``PlanItem``,
saved or not). Dates are calendar dates in the service desk's local time.

* ``weekly``: ``day`` 0 = Monday … 6 = Sunday.
* ``monthly``: ``day`` 1–31 of every month.
* ``quarterly``: ``day`` 1–31 of the first month of each calendar quarter (January, April,
  July, October); ``month`` 1–3 picks another month of the quarter (3 = March, June, ...).
* ``yearly``: ``month`` 1–12 and ``day`` (February 29 is allowed).
* ``rrule``: an RFC 5545 recurrence rule, ``FREQ=MONTHLY;BYDAY=1MO`` (an ``RRULE:`` prefix is
  accepted). Its DTSTART is the plan's first day, so ``COUNT`` and ``INTERVAL`` count from
  there. ``FREQ`` must be ``DAILY`` or coarser (inspections are days, not hours); DTSTART,
  RDATE and EXDATE lines and dateutil's ``BYEASTER`` extension are refused.

**A day past the end of a shorter month** (monthly, quarterly or yearly on the 29th, 30th or
31st) falls on that month's last day: "monthly on the 31st" is April 30 and February 28 (29
in leap years), "yearly on February 29" is February 28 in other years. An inspection
promised monthly should happen every month, not skip five of them; an explicit RRULE with
``BYMONTHDAY=31`` keeps RFC 5545's meaning (months without a 31st are skipped).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any, Protocol

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from django.utils.translation import gettext as _

WEEKLY_KIND, MONTHLY_KIND, QUARTERLY_KIND, YEARLY_KIND, RRULE_KIND = (
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
    "rrule",
)
KINDS = (WEEKLY_KIND, MONTHLY_KIND, QUARTERLY_KIND, YEARLY_KIND, RRULE_KIND)
ALLOWED_FREQS = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY}
RRULE_MAX_LENGTH = 500
_FREQ_RE = re.compile(r"(?:^|;)\s*FREQ\s*=\s*([A-Z]+)")
_REFUSED_RE = re.compile(r"(?:^|;)\s*(BYEASTER|DTSTART)\s*=")

# The Gregorian calendar repeats every 400 years (same dates, same weekdays), in the units of
# each frequency. Used to test cheaply whether a rule can occur at all (``_ever_occurs``).
_CYCLE_UNITS = {YEARLY: 400, MONTHLY: 4800, WEEKLY: 20871, DAILY: 146097}
_LAST_SAFE_YEAR = dt.MAXYEAR - 1


class Schedule(Protocol):
    @property
    def recurrence(self) -> Any: ...
    @property
    def day(self) -> Any: ...
    @property
    def month(self) -> Any: ...
    @property
    def rrule(self) -> Any: ...


class RecurrenceInvalid(ValueError):
    """The schedule cannot be evaluated; ``fields`` maps field names to messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
        self.fields = fields


def validate(schedule: Schedule, *, starts_on: dt.date, ends_on: dt.date) -> dict[str, list[str]]:
    """The schedule's errors by field name (empty: valid).

    Besides the shape of each kind, the schedule must fall at least once inside the plan
    period [``starts_on``, ``ends_on``]: a recurrence that never happens there is an error
    on the field that decides it (``rrule``; ``day`` or ``month`` for the other kinds).
    """
    try:
        rule = rule_for(schedule, dtstart=starts_on)
    except RecurrenceInvalid as exc:
        return exc.fields
    if schedule.recurrence == RRULE_KIND and not _ever_occurs(rule):
        return {"rrule": [_("This rule never occurs.")]}
    first = rule.after(_start_of(starts_on), inc=True)
    if first is None or first.date() > ends_on:
        field = {RRULE_KIND: "rrule", YEARLY_KIND: "month"}.get(schedule.recurrence, "day")
        return {field: [_("This recurrence never falls inside the plan period.")]}
    return {}


def occurrences(
    schedule: Schedule, *, dtstart: dt.date, start: dt.date, end: dt.date
) -> list[dt.date]:
    """The dates of the schedule in [``start``, ``end``], in order, each once.

    ``dtstart`` is the plan's first day (where an RRULE's COUNT and INTERVAL count from).
    Raises ``RecurrenceInvalid`` for a schedule ``validate`` would refuse; a valid RRULE
    that never occurs gives no dates (and costs little).
    """
    if start > end:
        return []
    return list(
        _occurrences(
            str(schedule.recurrence),
            schedule.day,
            schedule.month,
            str(schedule.rrule or ""),
            dtstart,
            start,
            end,
        )
    )


@lru_cache(maxsize=8192)
def _occurrences(
    recurrence: str,
    day: int | None,
    month: int | None,
    text: str,
    dtstart: dt.date,
    start: dt.date,
    end: dt.date,
) -> tuple[dt.date, ...]:
    """Cached: a generation run asks the same question for many items of the same shape."""
    rule = _rule(recurrence, day, month, text, dtstart)
    if recurrence == RRULE_KIND and not _ever_occurs(rule):
        return ()
    found = rule.between(_start_of(start), _start_of(end + dt.timedelta(days=1)), inc=True)
    return tuple(sorted({d.date() for d in found if start <= d.date() <= end}))


def rule_for(schedule: Schedule, *, dtstart: dt.date) -> rrule:
    """The dateutil rule of a schedule (raises ``RecurrenceInvalid``)."""
    return _rule(
        str(schedule.recurrence),
        schedule.day,
        schedule.month,
        str(schedule.rrule or ""),
        dtstart,
    )


def _rule(
    recurrence: str, day: int | None, month: int | None, text: str, dtstart: dt.date
) -> rrule:
    start = _start_of(dtstart)
    if recurrence == RRULE_KIND:
        return _parse(text, start)
    errors: dict[str, list[str]] = {}
    if recurrence not in KINDS:
        raise RecurrenceInvalid({"recurrence": [_("Unknown recurrence.")]})
    if recurrence == WEEKLY_KIND:
        if not _int_in(day, 0, 6):
            errors["day"] = [_("A weekday: 0 (Monday) to 6 (Sunday).")]
    elif not _int_in(day, 1, 31):
        errors["day"] = [_("A day of the month: 1 to 31.")]
    if recurrence == QUARTERLY_KIND and month is not None and not _int_in(month, 1, 3):
        errors["month"] = [_("The month of the quarter: 1 to 3 (or empty for the first).")]
    if recurrence == YEARLY_KIND:
        if not _int_in(month, 1, 12):
            errors["month"] = [_("A month: 1 to 12.")]
        elif "day" not in errors and int(day or 0) > _longest(int(month or 1)):
            errors["day"] = [_("This month has no such day.")]
    if errors:
        raise RecurrenceInvalid(errors)
    assert day is not None
    if recurrence == WEEKLY_KIND:
        return rrule(WEEKLY, dtstart=start, byweekday=(day,))
    # Day 31 (30, 29): the last day of a shorter month, by taking the last of the days 28..31
    # that exist in each month (BYSETPOS=-1).
    days = tuple(range(min(day, 28), day + 1))
    if recurrence == MONTHLY_KIND:
        return rrule(MONTHLY, dtstart=start, bymonthday=days, bysetpos=-1)
    if recurrence == QUARTERLY_KIND:
        first = int(month or 1)
        months = (first, first + 3, first + 6, first + 9)
        return rrule(MONTHLY, dtstart=start, bymonth=months, bymonthday=days, bysetpos=-1)
    return rrule(MONTHLY, dtstart=start, bymonth=(month,), bymonthday=days, bysetpos=-1)


def _parse(text: str, start: dt.datetime) -> rrule:
    def refuse(message: str) -> RecurrenceInvalid:
        return RecurrenceInvalid({"rrule": [message]})

    body = (text or "").strip()
    if not body:
        raise refuse(_("Enter a recurrence rule, e.g. FREQ=MONTHLY;BYDAY=1MO."))
    if len(body) > RRULE_MAX_LENGTH:
        raise refuse(_("At most %(n)s characters.") % {"n": RRULE_MAX_LENGTH})
    if body.upper().startswith("RRULE:"):
        body = body[6:].strip()
    upper = body.upper()
    if "\n" in body or "\r" in body or ":" in body or _REFUSED_RE.search(upper):
        raise refuse(_("Only the rule itself (FREQ=...;...): no DTSTART, RDATE or EXDATE."))
    freq = _FREQ_RE.search(upper)
    if freq is None:
        raise refuse(_("The rule needs a FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)."))
    if freq.group(1) not in ALLOWED_FREQS:
        raise refuse(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    try:
        rule = rrulestr(body, dtstart=start, ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise refuse(_("Not a valid RFC 5545 rule: %(error)s") % {"error": exc}) from None
    if not isinstance(rule, rrule):  # pragma: no cover - rrulestr gives a set only for RDATE
        raise refuse(_("Only one rule."))
    return rule


def _ever_occurs(rule: rrule) -> bool:
    """Whether the rule (ignoring COUNT and UNTIL) has any occurrence at all.

    dateutil finds "no occurrence" only by scanning every period up to the year 9999: for a
    daily rule such as February 30 that is 2.9 million periods (seconds). The calendar
    repeats every 400 years, so the same rule started a whole number of 400-year cycles (and
    of its INTERVAL) later has the same occurrences, shifted: start it as close to 9999 as
    that allows, and the scan is at most one cycle long.
    """
    return _ever_occurs_cached(str(rule))


@lru_cache(maxsize=4096)
def _ever_occurs_cached(text: str) -> bool:
    rule = rrulestr(text, ignoretz=True)
    assert isinstance(rule, rrule)
    start = rule._dtstart
    assert start is not None
    interval = rule._interval
    cycle = _CYCLE_UNITS[rule._freq]
    step_cycles = interval // math.gcd(cycle, interval)  # cycles per aligned shift
    room = (_LAST_SAFE_YEAR - start.year) // 400  # whole cycles that still fit
    shift = (room // step_cycles) * step_cycles * 400
    shifted = rule.replace(dtstart=start.replace(year=start.year + shift), count=None, until=None)
    return shifted.after(shifted._dtstart, inc=True) is not None


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)  # noqa: DTZ001 - calendar arithmetic


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _longest(month: int) -> int:
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]
