"""Move a demo ticket's story, told in real time a few milliseconds long, into the past."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from sla.models import ClockState, SlaClock, SlaClockEvent
from sla.services import deadlines, elapsed_minutes, schedule
from tickets.models import Ticket


class Timeline:
    """Records when (in real time) each step of a ticket's story began, to move it back."""

    def __init__(self) -> None:
        self.marks: list[dt.datetime] = []

    def step(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.marks.append(timezone.now())
        return fn(*args, **kwargs)


def move_back(
    pk: int, timeline: Timeline, start: dt.datetime, now: dt.datetime, rng: random.Random
) -> None:
    """Map the ticket's real step times onto a plausible past timeline starting at ``start``.

    Every date-time column of the ticket and of every row pointing to it (events, comments,
    attachments, hotline call, and whatever other apps attach) is moved: times inside the
    story follow their step; later ones (deadlines) keep their distance from the creation.
    """
    real = timeline.marks
    end = timezone.now()
    fake = [start]
    for _ in real[1:]:
        fake.append(fake[-1] + dt.timedelta(minutes=rng.randint(5, 8 * 60)))
    latest = now - dt.timedelta(minutes=2)
    if fake[-1] > latest and len(fake) > 1:  # squeeze the story in before now
        scale = max(rng.uniform(0.3, 1.0) * (latest - start) / (fake[-1] - start), 0.01)
        fake = [start + (f - start) * scale for f in fake]

    def mapped(value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if real[0] <= value <= end:
            k = bisect_right(real, value) - 1
            return fake[k] + (value - real[k])
        return value + (start - real[0])

    targets: list[tuple[type[models.Model], str]] = [(Ticket, "pk")]
    targets += [
        (rel.related_model, rel.field.name)
        for rel in Ticket._meta.related_objects
        if isinstance(rel.field, models.ForeignKey)  # includes OneToOneField
    ]
    for model, key in targets:
        fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        rows = list(model._default_manager.filter(**{key: pk}))
        for row in rows:
            for name in fields:
                setattr(row, name, mapped(getattr(row, name)))
        if rows and fields:
            model._default_manager.bulk_update(rows, fields)
    _rebase_clocks(pk, mapped)


def _rebase_clocks(pk: int, mapped: Callable[[dt.datetime | None], dt.datetime | None]) -> None:
    """Deadlines are business-time results, not offsets: recompute the moved clocks from
    their moved start and pauses, judge the stopped ones again, and copy them to the ticket."""
    clocks = list(SlaClock.objects.filter(ticket_id=pk).select_related("calendar"))
    for clock in clocks:
        clock.pauses = [
            [_iso(mapped(dt.datetime.fromisoformat(a))), _iso(mapped(dt.datetime.fromisoformat(b)))]
            for a, b in clock.pauses
        ]
        stopped, paused, cancelled = (
            clock.stopped_at,
            clock.paused_since,
            clock.state == ClockState.CANCELLED,
        )
        clock.stopped_at = clock.paused_since = None
        clock.warned_at = clock.breached_at = clock.met_at = None
        schedule(clock)
        clock.stopped_at, clock.paused_since = stopped, paused
        if stopped is not None:
            clock.elapsed_minutes = elapsed_minutes(clock, stopped)
            late = clock.due_at is not None and stopped > clock.due_at
            clock.breached_at = clock.due_at if late else None
            clock.met_at = None if late or cancelled else stopped
            clock.state = (
                ClockState.BREACHED
                if late
                else ClockState.CANCELLED
                if cancelled
                else ClockState.MET
            )
        schedule(clock)
        clock.save()
    events = list(SlaClockEvent.objects.filter(clock__ticket_id=pk))
    for event in events:
        event.at = mapped(event.at)
    SlaClockEvent.objects.bulk_update(events, ["at"])
    due = deadlines(clocks)
    Ticket.objects.filter(pk=pk).update(
        response_due_at=due.response_due_at,
        resolution_due_at=due.resolution_due_at,
        sla_due_at=due.next_due_at,
    )


def _iso(value: dt.datetime | None) -> str:
    assert value is not None
    return value.isoformat()
