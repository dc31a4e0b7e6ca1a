"""Business-time arithmetic speed: ``.venv/bin/python bench/calendar_bench.py``.

Single core, one process. Each repeat times a batch of calls over varied starts (a month of
starts, every 7 minutes, in and out of hours) on the standard calendar (Mon-Fri 09:00-12:00
and 13:30-18:00, Asia/Shanghai) with ten holidays around the period; the median of the
repeats is reported. A 7-business-day target is 7 * 7.5 * 60 = 3150 minutes.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sla.calendar import STANDARD_SPEC, BusinessCalendar  # noqa: E402

TARGET = 7 * 450
HOLIDAYS = [
    "2026-09-25",
    "2026-10-01",
    "2026-10-02",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
    "2026-10-26",
    "2026-11-11",
    "2026-11-12",
    "2026-11-20",
]


def calendar() -> BusinessCalendar:
    spec = copy.deepcopy(STANDARD_SPEC)
    spec["holidays"], spec["extra_workdays"] = HOLIDAYS, ["2026-10-10"]
    return BusinessCalendar.from_spec(spec)


def starts(count: int) -> list[datetime]:
    first = datetime(2026, 9, 20, 8, 3, tzinfo=ZoneInfo("Asia/Shanghai"))
    return [first + timedelta(minutes=7 * i) for i in range(count)]


def rate(call: Callable[[datetime], object], moments: list[datetime], repeats: int) -> float:
    """Median calls per second over ``repeats`` batches."""
    rates = []
    for _ in range(repeats):
        began = time.perf_counter()
        for moment in moments:
            call(moment)
        rates.append(len(moments) / (time.perf_counter() - began))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cal, moments = calendar(), starts(args.calls)
    ends = {moment: cal.add_business_minutes(moment, TARGET) for moment in moments}  # warm-up
    pauses = [(moments[0] + timedelta(days=2), moments[0] + timedelta(days=3, hours=5))]
    cases: dict[str, Callable[[datetime], object]] = {
        "add_business_minutes, 7 business days": lambda m: cal.add_business_minutes(m, TARGET),
        "add_business_minutes, 7 business days, 1 pause": lambda m: cal.add_business_minutes(
            m, TARGET, pauses
        ),
        "business_minutes_between, ~7 business days": lambda m: cal.business_minutes_between(
            m, ends[m]
        ),
        "add_business_minutes, 96 business days (43200 min)": lambda m: cal.add_business_minutes(
            m, 43_200
        ),
    }
    print(f"Python {sys.version.split()[0]}, {args.calls} calls x {args.repeats} repeats")
    for name, call in cases.items():
        print(f"{name:<55} {rate(call, moments, args.repeats):>12,.0f} calls/s")


if __name__ == "__main__":
    main()
