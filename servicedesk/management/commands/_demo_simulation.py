"""Six months of the desk's life, run in time order: stories, the beat's jobs, working hours.

A *story* is a generator: it does one step through the services (at the clock's time) and
yields how long until its next step. The simulation keeps every story in one queue ordered
by time, sets the demo clock to each step's instant and, between steps, runs what beat
would have run by then: the SLA sweep (``clocks_sweep`` at the simulated time, so warnings,
breaches and escalations come from the real machinery) and the daily jobs (inspection
generation). A story whose next step falls after the real present stops there: the newest
tickets are left open in whatever state their story had reached, as on a real desk.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from sla.calendar import STANDARD_SPEC, BusinessCalendar
from sla.digest import escalations_notify
from sla.sweep import clocks_sweep

from ._demo_clock import Clock

Story = Iterator[dt.timedelta]
# Beat's sweep, far coarser than the real minute: what a story stops in between is judged by
# the stop itself (met or breached against the stored deadline), the rest by the next sweep.
SWEEP_EVERY = dt.timedelta(hours=6)
DAILY_AT = dt.time(7, 0)  # when the daily jobs run, local time


class Simulation:
    def __init__(self, clock: Clock, start: dt.datetime, end: dt.datetime) -> None:
        self.clock, self.end = clock, end
        self.queue: list[tuple[dt.datetime, int, Story]] = []
        self.spawned = 0
        self.daily: list[Callable[[dt.date], None]] = []
        self.last_sweep = start
        self.day = timezone.localdate(start)
        self.sweeps = 0

    def spawn(self, at: dt.datetime, story: Story) -> None:
        """Start ``story`` at ``at`` (its first step runs then)."""
        heapq.heappush(self.queue, (at, self.spawned, story))
        self.spawned += 1

    def run(self) -> None:
        while self.queue:
            at, _n, story = heapq.heappop(self.queue)
            if at >= self.end:
                continue  # the rest of this story has not happened yet
            self._beat_until(at)
            self.clock.set(at)
            try:
                wait = next(story)
            except StopIteration:
                continue
            self.spawn(at + max(wait, dt.timedelta(minutes=1)), story)
        self._beat_until(self.end)

    def _beat_until(self, at: dt.datetime) -> None:
        """What beat ran before ``at``: each local day's jobs, the sweep every few hours."""
        while True:
            job_time = _local(self.day, DAILY_AT)
            if job_time > at:
                break
            self._sweep(job_time)
            self.clock.set(job_time)
            for job in self.daily:
                job(self.day)
            escalations_notify()
            self.day += dt.timedelta(days=1)
        if at - self.last_sweep >= SWEEP_EVERY:
            self._sweep(at)

    def _sweep(self, at: dt.datetime) -> None:
        self.clock.set(at)
        clocks_sweep(now=at)
        self.last_sweep = at
        self.sweeps += 1


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


class WorkingHours:
    """When staff do their next step: ``later(minutes)`` of working time from the clock's
    now, on the standard calendar (Mon-Fri 9:00-12:00, 13:30-18:00, with China's public
    holidays and make-up workdays); urgent work (L1, L2) goes on around the clock."""

    def __init__(self, clock: Clock, spec: dict[str, Any] | None = None) -> None:
        self.clock = clock
        self.calendar = BusinessCalendar.from_spec(spec or STANDARD_SPEC)

    def later(self, minutes: float, *, urgent: bool = False) -> dt.timedelta:
        now = self.clock.now()
        if urgent:
            return dt.timedelta(minutes=minutes)
        return self.calendar.add_business_minutes(now, minutes) - now

    def days(self, rng: random.Random, low: float, high: float) -> dt.timedelta:
        """Between ``low`` and ``high`` working days (of 7.5 hours) from now."""
        return self.later(rng.uniform(low, high) * 450)

    def customer(self, rng: random.Random, low_hours: float, high_hours: float) -> dt.timedelta:
        """A customer acts in their waking hours (8:00-22:00 local), any day."""
        at = self.clock.now() + dt.timedelta(hours=rng.uniform(low_hours, high_hours))
        local = timezone.localtime(at)
        if local.hour < 8:
            at += dt.timedelta(hours=8 - local.hour, minutes=rng.randint(0, 90))
        elif local.hour >= 22:
            at += dt.timedelta(hours=24 - local.hour + 8, minutes=rng.randint(0, 90))
        return at - self.clock.now()
