"""Fill the daily roll-up for a range of past days (idempotent: days already rolled up are
written again). Without dates: from the first ticket to two days ago."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from reports.periods import zone
from reports.rollup import last_rollable_day
from reports.services import rollup_days
from tickets.models import Ticket


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Roll up ticket facts per day for the reports (docs/REPORTS.md, 'Daily roll-up')."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--start", help="first day, YYYY-MM-DD (default: the first ticket's)")
        parser.add_argument("--end", help="last day, YYYY-MM-DD (default: two days ago)")

    def handle(self, *args: Any, **options: Any) -> None:
        last = last_rollable_day()
        end = _day(options["end"]) if options["end"] else last
        if options["start"]:
            start = _day(options["start"])
        else:
            first = Ticket.objects.aggregate(m=Min("created_at"))["m"]
            start = timezone.localtime(first, zone()).date() if first else last
        if end < start:
            raise CommandError("--end is before --start.")
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        began = time.perf_counter()
        written = rollup_days(days)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # the days written forgot their recorded changes: a backfill after a bulk load
            # leaves millions of dead rows that every report's look at the changes would
            # scan until autovacuum comes by
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE reports_rollupchange")
        self.stdout.write(
            f"{written} days rolled up ({start} .. {min(end, last)}) "
            f"in {time.perf_counter() - began:.1f} s"
        )
