"""Pure clock arithmetic beside ``calendar.py``: target lengths, the deadlines a ticket
keeps, when a threshold counts as reached, stored pauses. No database, no clock of its own:
every instant comes from the caller (tested without a database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .models import ClockKind, ClockState, SlaClock, TargetUnit

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def ordinary_day_minutes(spec: dict[str, Any]) -> int:
    """Working minutes of an ordinary weekday (the first configured Monday to Friday):
    the length of one "business day" in targets."""
    for day in WEEKDAYS:
        intervals = spec.get("week", {}).get(day)
        if intervals:
            total = 0
            for start, end in intervals:
                total += _clock_minutes(end) - _clock_minutes(start)
            return total
    return 24 * 60


def _clock_minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def parse_pauses(raw: list[list[str]]) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in raw]


@dataclass(frozen=True)
class Deadlines:
    """What a ticket keeps of its clocks: the two deadlines and the next running one."""

    response_due_at: datetime | None
    resolution_due_at: datetime | None
    next_due_at: datetime | None


def target_minutes(value: int, unit: str, spec: dict[str, Any]) -> int:
    """A target in minutes; business days count as the calendar's ordinary weekday."""
    if unit == TargetUnit.MINUTES:
        return value
    if unit == TargetUnit.HOURS:
        return value * 60
    return value * ordinary_day_minutes(spec)


def reached(percent_is_breach: bool, at: datetime, now: datetime) -> bool:
    """A warning is reached at its instant; a breach only strictly after the deadline."""
    return now > at if percent_is_breach else now >= at


def deadlines(clocks: list[SlaClock]) -> Deadlines:
    by_kind = {c.kind: c for c in clocks}
    running = [c.due_at for c in clocks if c.state == ClockState.RUNNING and c.due_at]
    response, resolution = by_kind.get(ClockKind.RESPONSE), by_kind.get(ClockKind.RESOLUTION)
    return Deadlines(
        response_due_at=response.due_at if response else None,
        resolution_due_at=resolution.due_at if resolution else None,
        next_due_at=min(running) if running else None,
    )
