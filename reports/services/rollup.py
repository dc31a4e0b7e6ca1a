"""Writing the daily roll-up (``reports.rollup``): whole past days, idempotently.

``rollup_days(days)`` replaces the rows of each day in one transaction per batch, marks
the days complete and forgets the changes recorded on them; running it twice, or twice at
once (an advisory lock serializes the writers), leaves the same rows. ``rollup_refresh()``
is the beat task's work: the days a trigger marked changed, plus the days that became old
enough to roll up and are missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import RollupDay
from ..rollup import changed_days, last_rollable_day, write_days

BATCH_DAYS = 31  # days written per statement and transaction
CATCH_UP_DAYS = 62  # how far back a missing day is filled in by the beat task


def rollup_days(days: Iterable[date]) -> int:
    """Roll up ``days`` (site-zone dates); days not yet two days old are skipped (they are
    read live). Returns how many days were written."""
    last = last_rollable_day()
    wanted = sorted({d for d in days if d <= last})
    for i in range(0, len(wanted), BATCH_DAYS):
        batch = wanted[i : i + BATCH_DAYS]
        with transaction.atomic():
            write_days(batch)
            now = timezone.now()
            RollupDay.objects.bulk_create(
                [RollupDay(day=d, rolled_at=now) for d in batch],
                update_conflicts=True,
                unique_fields=["day"],
                update_fields=["rolled_at"],
            )
    return len(wanted)


def rollup_refresh() -> int:
    """Beat: roll up again the days with recorded changes, and the days missing since the
    roll-up began (at most ``CATCH_UP_DAYS`` back). Nothing happens before a first
    backfill (no day rolled up: everything is read live). Returns the days written."""
    if not RollupDay.objects.exists():
        return 0
    days = changed_days()
    last = last_rollable_day()
    first = last - timedelta(days=CATCH_UP_DAYS)
    have = set(RollupDay.objects.filter(day__gte=first).values_list("day", flat=True))
    days |= {first + timedelta(days=i) for i in range((last - first).days + 1)} - have
    return rollup_days(days)
