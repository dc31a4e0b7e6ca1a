"""Properties of sla.calendar over random calendars, starts, targets and pauses.

Durations are checked against a deliberately naive reference: every local date's intervals
turned into UTC spans one by one, united, and intersected with the question.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sla.calendar import DAYS, BusinessCalendar

# DST in spring and autumn, at 02:00 (Berlin, New York), at midnight (Santiago: a local
# midnight that does not exist), by half an hour (Lord Howe), and zones without DST.
ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
]
LOW, HIGH = datetime(2025, 12, 1, tzinfo=UTC), datetime(2027, 1, 31, tzinfo=UTC)
MS = timedelta(milliseconds=1)

# CALENDAR_EXAMPLES=5000 for a thorough run; the default keeps the suite fast.
SETTINGS = settings(
    max_examples=int(os.environ.get("CALENDAR_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _format(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    points = draw(st.lists(st.integers(0, 96).map(lambda q: q * 15), unique=True, max_size=6))
    points = sorted(points)[: len(points) // 2 * 2]
    return [[_format(o), _format(c)] for o, c in zip(points[::2], points[1::2], strict=True)]


dates = st.dates(date(2025, 11, 25), date(2027, 2, 5))


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    week = {day: draw(day_hours()) for day in DAYS}
    assume(any(week.values()))
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "week": {day: hours for day, hours in week.items() if hours},
        "holidays": sorted({d.isoformat() for d in draw(st.lists(dates, max_size=40))}),
        "extra_workdays": sorted({d.isoformat() for d in draw(st.lists(dates, max_size=10))}),
    }


calendars = specs().map(BusinessCalendar.from_spec)
moments = st.datetimes(LOW.replace(tzinfo=None), HIGH.replace(tzinfo=None)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
)
targets = st.integers(0, 12_000)


@st.composite
def pause_lists(draw: st.DrawFn) -> list[tuple[datetime, datetime | None]]:
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(moments)
        length = draw(st.integers(0, 5 * 24 * 60))
        pauses.append((start, start + timedelta(minutes=length)))
    return pauses


# --------------------------------------------------------------------------- reference


def _reference_spans(cal: BusinessCalendar, a: datetime, b: datetime) -> list[tuple[float, float]]:
    spans = []
    day = a.astimezone(cal.tz).date() - timedelta(days=2)
    while day <= b.astimezone(cal.tz).date() + timedelta(days=2):
        for opens, closes in cal.hours_on(day):
            spans.append((_local(cal, day, opens), _local(cal, day, closes)))
        day += timedelta(days=1)
    united: list[tuple[float, float]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if united and start <= united[-1][1]:
            united[-1] = (united[-1][0], max(united[-1][1], end))
        else:
            united.append((start, end))
    return united


def _local(cal: BusinessCalendar, day: date, minute: int) -> float:
    midnight = datetime.combine(day + timedelta(days=minute // 1440), datetime.min.time())
    moment = midnight + timedelta(minutes=minute % 1440)
    return moment.replace(tzinfo=cal.tz).timestamp()


def _overlap(spans: list[tuple[float, float]], lo: float, hi: float) -> float:
    return sum(max(0.0, min(end, hi) - max(start, lo)) for start, end in spans)


def reference_minutes(cal: BusinessCalendar, a: datetime, b: datetime, pauses=()) -> float:
    spans = _reference_spans(cal, a, b)
    seconds = _overlap(spans, a.timestamp(), b.timestamp())
    # Take out each instant of a pause once: cut the business spans by the united pauses.
    paused = sorted((p.timestamp(), q.timestamp()) for p, q in pauses if q > p)
    united: list[tuple[float, float]] = []
    for start, end in paused:
        if united and start <= united[-1][1]:
            united[-1] = (united[-1][0], max(united[-1][1], end))
        else:
            united.append((start, end))
    for start, end in united:
        lo, hi = max(start, a.timestamp()), min(end, b.timestamp())
        if lo < hi:
            seconds -= _overlap(spans, lo, hi)
    return seconds / 60


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(calendars, moments, st.integers(0, 20 * 24 * 60))
def test_duration_matches_the_reference(cal, a, length):
    b = a + timedelta(minutes=length)
    assert abs(cal.business_minutes_between(a, b) - reference_minutes(cal, a, b)) < 1e-6


@SETTINGS
@given(calendars, moments, st.integers(0, 10 * 24 * 60), pause_lists())
def test_duration_with_pauses_matches_the_reference(cal, a, length, pauses):
    b = a + timedelta(minutes=length)
    expected = reference_minutes(cal, a, b, pauses)
    assert abs(cal.business_minutes_between(a, b, pauses) - expected) < 1e-6


@SETTINGS
@given(calendars, moments, targets)
def test_adding_then_measuring_gives_the_minutes_back(cal, start, minutes):
    deadline = cal.add_business_minutes(start, minutes)
    assert deadline >= start
    assert abs(cal.business_minutes_between(start, deadline) - minutes) < 1e-6
    if minutes:
        # The earliest such instant: a millisecond earlier is not enough.
        assert cal.business_minutes_between(start, deadline - MS) < minutes


@SETTINGS
@given(calendars, moments, targets, targets)
def test_deadlines_are_monotonic_in_minutes(cal, start, m1, m2):
    m1, m2 = sorted((m1, m2))
    assert cal.add_business_minutes(start, m1) <= cal.add_business_minutes(start, m2)


@SETTINGS
@given(calendars, moments, moments, targets)
def test_deadlines_are_monotonic_in_start(cal, s1, s2, minutes):
    s1, s2 = sorted((s1, s2))
    assert cal.add_business_minutes(s1, minutes) <= cal.add_business_minutes(s2, minutes)


@SETTINGS
@given(calendars, moments, targets)
def test_deadline_is_in_business_time_or_on_a_closing(cal, start, minutes):
    deadline = cal.add_business_minutes(start, minutes)
    assert deadline.tzinfo is UTC
    if minutes == 0:
        assert cal.is_open(deadline)
        assert deadline == cal.next_open(start)
    else:
        assert cal.is_open(deadline) or cal.is_open(deadline - MS)


@SETTINGS
@given(calendars, moments, targets, pause_lists())
def test_with_pauses_adding_then_measuring_gives_the_minutes_back(cal, start, minutes, pauses):
    deadline = cal.add_business_minutes(start, minutes, pauses)
    assert abs(cal.business_minutes_between(start, deadline, pauses) - minutes) < 1e-6
    if minutes:
        assert cal.business_minutes_between(start, deadline - MS, pauses) < minutes
        assert cal.is_open(deadline - MS)
        assert not any(p < deadline - MS < q for p, q in pauses)
    else:
        assert cal.is_open(deadline)
        assert not any(p <= deadline < q for p, q in pauses)


@SETTINGS
@given(calendars, moments, targets, targets, pause_lists())
def test_with_pauses_deadlines_are_monotonic(cal, start, m1, m2, pauses):
    m1, m2 = sorted((m1, m2))
    first = cal.add_business_minutes(start, m1, pauses)
    assert first <= cal.add_business_minutes(start, m2, pauses)
    assert first >= cal.add_business_minutes(start, m1)  # pauses only ever push out


@SETTINGS
@given(calendars, moments, targets, moments)
def test_open_ended_pause_either_leaves_the_deadline_or_suspends_it(cal, start, minutes, since):
    plain = cal.add_business_minutes(start, minutes)
    held = cal.deadline(start, minutes, [(since, None)])
    if since >= plain and (minutes or since > plain):
        assert held == plain
    elif since <= start:
        assert held is None


@SETTINGS
@given(calendars, moments, st.integers(0, 10 * 24 * 60), st.integers(0, 10 * 24 * 60))
def test_durations_add_up(cal, a, first, second):
    b = a + timedelta(minutes=first)
    c = b + timedelta(minutes=second)
    whole = cal.business_minutes_between(a, c)
    assert (
        abs(cal.business_minutes_between(a, b) + cal.business_minutes_between(b, c) - whole) < 1e-6
    )
    assert cal.business_minutes_between(c, a) == -whole


@SETTINGS
@given(calendars, moments, st.integers(1, 10 * 24 * 60))
def test_closed_spans_are_the_complement_of_business_time(cal, a, length):
    b = a + timedelta(minutes=length)
    spans = cal.closed_spans(a, b)
    closed = sum((end - start).total_seconds() for start, end, _reason in spans) / 60
    assert abs(closed + cal.business_minutes_between(a, b) - length) < 1e-6
    previous = a
    for start, end, reason in spans:
        assert previous <= start < end <= b
        middle = start + (end - start) / 2
        assert not cal.is_open(middle)
        is_holiday = middle.astimezone(cal.tz).date() in cal.holidays
        assert reason == ("holiday" if is_holiday else "closed")
        previous = end


@SETTINGS
@given(specs())
def test_specs_round_trip(spec):
    cal = BusinessCalendar.from_spec(spec)
    assert cal.to_spec() == spec  # the generated specs are already canonical
    assert BusinessCalendar.from_spec(cal.to_spec()) == cal


@SETTINGS
@given(calendars, moments)
def test_next_open_is_open_and_nothing_opens_before_it(cal, at):
    opening = cal.next_open(at)
    assert cal.is_open(opening)
    assert opening >= at
    assert cal.business_minutes_between(at, opening) == 0


def test_zones_are_real():
    for zone in ZONES:
        ZoneInfo(zone)
