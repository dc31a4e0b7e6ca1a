"""The daily roll-up: ticket facts summed per local day and ticket dimensions
(``reports.models.DailyRollup``), written by ``reports.services.rollup`` and read by the
metric families for whole past days (docs/REPORTS.md, "Daily roll-up").

One definition serves both sides: ``SOURCES`` says, per kind of row (a ticket by the day it
was received, resolved or closed; its clocks; a transition event), which facts it adds to
which day. The writer groups those rows by day and dimensions into the table; a report
reads the table for the days that are rolled up and the very same rows live for the others
(today, yesterday, days changed since, days never rolled up), so a period can mix both and
the sums stay exact. Medians and p90 come from fixed buckets (``EDGES``) when roll-up days
are involved, exact (``percentile_cont``) when the period is read wholly live.

PostgreSQL only (the SQL uses its date and interval functions); elsewhere, for periods in
another time zone than the site's and for contract or product scopes, the families run
their live queries.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ..models import (
    ROLLUP_COUNTS,
    ROLLUP_DIMENSIONS,
    ROLLUP_FACTS,
    ROLLUP_SECONDS,
    SLA_OUTCOMES,
    SLA_SEVERITIES,
    RollupChange,
    RollupDay,
    RollupMeasure,
    sla_fact,
)
from ..periods import Period, _midnight, zone
from ..scope import COLUMNS, Scope
from . import hours

# Days younger than this are always read live: the triggers record changes only to
# instants older than 22 hours (so that the everyday writes to new tickets cost nothing),
# and 22 hours back from any moment lies within yesterday or today in every zone.
LIVE_DAYS = 2
BACKLOG_CACHE_SECONDS = 24 * 3600  # the roll-up part of a backlog (keyed by its days' stamps)

# --- bucket edges (minutes) --------------------------------------------------------------
# 0..10 minutes by the minute, then each edge 10% above the one before, up to two years
# (131 edges). An estimate places the k-th value inside its bucket, so it is off by at most
# the bucket's width: 1 minute below 10 minutes, else 10% of the lower edge. A median or
# p90 interpolates two such values, so it is within 1 minute + 10% of the exact value
# (tests/reports/test_rollup.py asserts that bound).
GROWTH = 1.1
EDGES: tuple[float, ...] = tuple(
    [float(m) for m in range(0, 10)]
    + [round(10 * GROWTH**k, 3) for k in range(0, 200) if 10 * GROWTH**k <= 2 * 366 * 1440]
)


def bucket_width(minutes: float) -> float:
    """The width of the bucket ``minutes`` falls in (the error bound of an estimate)."""
    i = bisect.bisect_right(EDGES, minutes)
    if i <= 0:
        return EDGES[1] - EDGES[0]
    if i >= len(EDGES):
        return EDGES[-1] - EDGES[-2]
    return EDGES[i] - EDGES[i - 1]


def percentile(counts: dict[int, int], fraction: float) -> float | None:
    """``percentile_cont(fraction)`` estimated from bucket counts (``width_bucket`` numbers
    over ``EDGES``): the k-th smallest value is placed evenly inside its bucket, and the two
    ranks around ``fraction * (n - 1)`` are interpolated as ``percentile_cont`` does."""
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted((b, n) for b, n in counts.items() if n)

    def value(rank: int) -> float:
        before = 0
        for bucket, n in ordered:
            if rank < before + n:
                if bucket <= 0:
                    return EDGES[0]
                if bucket >= len(EDGES):
                    return EDGES[-1]
                low, high = EDGES[bucket - 1], EDGES[bucket]
                return low + (high - low) * (rank - before + 0.5) / n
            before += n
        return EDGES[-1]

    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = value(low_rank)
    return low + (position - low_rank) * (value(high_rank) - low)


# --- the fact rows ------------------------------------------------------------------------


def _when(condition: str, then: str = "1") -> str:
    return f"CASE WHEN {condition} THEN {then} ELSE 0 END"


_HOTLINE = "t.channel = 'hotline'"
_BUSINESS = "c.elapsed_minutes IS NOT NULL AND c.state <> 'cancelled'"
_CLOCKS = "sla_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id"
# the predicate of the index event_reported_transition, verbatim (REPORTED_TRANSITIONS)
_REOPENED = (
    "(e.data -> 'new') = '\"in_progress\"'::jsonb AND (e.data -> 'old') = ANY "
    "(ARRAY['\"resolved\"'::jsonb, '\"closed\"'::jsonb])"
)
_CANCELLED = "(e.data -> 'new') = '\"cancelled\"'::jsonb"
_OUTCOME = {
    "met": "c.breached_at IS NULL AND c.state = 'met'",
    "breached": "c.breached_at IS NOT NULL",
    "running": "c.breached_at IS NULL AND c.state IN ('running', 'paused')",
}


# The backlog at an instant E (``metrics.base.in_backlog``: received before E, and open now,
# or resolved at or after E, or closed at or after E without a resolution time) is the
# tickets received before E less those "gone" before E, a ticket not open now being gone
# at GREATEST(received, COALESCE(resolved, closed, received)). So the backlog at a day's
# end is a sum over the days before it of received - gone: a sum like the others, exact,
# and changed only on the days of the ticket's own instants (which the triggers mark).
# Three mutually exclusive rows, each on an indexed time column: (time, where).
_NOT_OPEN = "t.status IN ('resolved', 'closed', 'cancelled')"
GONE: tuple[tuple[str, str], ...] = (
    ("t.resolved_at", f"{_NOT_OPEN} AND t.resolved_at >= t.created_at"),
    ("t.closed_at", f"{_NOT_OPEN} AND t.resolved_at IS NULL AND t.closed_at >= t.created_at"),
    (
        "t.created_at",
        f"{_NOT_OPEN} AND ((t.resolved_at IS NOT NULL AND t.resolved_at < t.created_at) "
        "OR (t.resolved_at IS NULL AND (t.closed_at IS NULL OR t.closed_at < t.created_at)))",
    ),
)
DURATIONS = (
    RollupMeasure.RESPONSE,
    RollupMeasure.RESOLUTION,
    RollupMeasure.RESPONSE_BUSINESS,
    RollupMeasure.RESOLUTION_BUSINESS,
)
AGE_CAP = 30  # BACKLOG_LEFT buckets: whole local days received -> gone, 30 = 30 or more


@dataclass(frozen=True)
class Source:
    """Rows that add ``facts`` (name -> SQL) to the local day of ``time``."""

    time: str
    tables: str
    where: str
    facts: dict[str, str]


SOURCES: tuple[Source, ...] = (
    Source(  # tickets by the day received
        "t.created_at",
        "tickets_ticket t",
        "TRUE",
        {
            "received": "1",
            "fcr": _when("t.first_contact_resolution"),
            "hotline": _when(_HOTLINE),
            "hotline_fcr": _when(f"{_HOTLINE} AND t.first_contact_resolution"),
            "complaints": _when("t.kind = 'complaint'"),
            "resp_n": _when("t.first_response_at IS NOT NULL"),
            "resp_sec": "COALESCE(EXTRACT(EPOCH FROM (t.first_response_at - t.created_at)), 0)",
        },
    ),
    Source(  # their clocks: business response time and SLA outcomes
        "t.created_at",
        _CLOCKS,
        "TRUE",
        {
            "bresp_n": _when(f"c.kind = 'response' AND {_BUSINESS}"),
            "bresp_min": _when(f"c.kind = 'response' AND {_BUSINESS}", "c.elapsed_minutes"),
            **{
                sla_fact(short, severity, outcome): _when(
                    f"c.kind = '{kind}' AND c.severity = '{severity}' AND {_OUTCOME[outcome]}"
                )
                for short, kind in (("resp", "response"), ("res", "resolution"))
                for severity in SLA_SEVERITIES
                for outcome in SLA_OUTCOMES
            },
        },
    ),
    Source(  # tickets by the day (last) resolved
        "t.resolved_at",
        "tickets_ticket t",
        "TRUE",
        {
            "resolved": "1",
            "res_sec": "EXTRACT(EPOCH FROM (t.resolved_at - t.created_at))",
            "within_24h": _when("t.resolved_at <= t.created_at + interval '24 hours'"),
            "reopened_resolved": _when("t.reopen_count > 0"),
            "breached_resolved": _when(
                "EXISTS (SELECT 1 FROM sla_slaclock b WHERE b.ticket_id = t.id "
                "AND b.kind = 'resolution' AND b.breached_at IS NOT NULL)"
            ),
            "rated_resolved": _when("t.rating IS NOT NULL"),
            "rating_sum_resolved": "COALESCE(t.rating, 0)",
        },
    ),
    Source(  # their resolution clocks: business resolution time
        "t.resolved_at",
        _CLOCKS,
        f"c.kind = 'resolution' AND {_BUSINESS}",
        {"bres_n": "1", "bres_min": "c.elapsed_minutes"},
    ),
    Source(  # tickets by the day closed (still closed)
        "t.closed_at",
        "tickets_ticket t",
        "t.status = 'closed'",
        {
            "closed": "1",
            "rated": _when("t.rating IS NOT NULL"),
            "rating_sum": "COALESCE(t.rating, 0)",
            **{f"r{n}": _when(f"t.rating = {n}") for n in range(1, 6)},
            "hotline_rated": _when(f"{_HOTLINE} AND t.rating IS NOT NULL"),
            "hotline_satisfied": _when(f"{_HOTLINE} AND t.rating >= 4"),
        },
    ),
    Source(  # reopenings and cancellations by the day of the transition
        "e.created_at",
        "tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id",
        f"e.kind = 'transition' AND ({_CANCELLED} OR ({_REOPENED}))",
        {"reopened_events": _when(_REOPENED), "cancelled_events": _when(_CANCELLED)},
    ),
    # tickets by the day they left the backlog (``gone``; see GONE)
    *(Source(time, "tickets_ticket t", where, {"gone": "1"}) for time, where in GONE),
)
assert {name for s in SOURCES for name in s.facts} == set(ROLLUP_FACTS)


@dataclass(frozen=True)
class HistogramSource:
    measure: int
    time: str
    tables: str
    where: str
    minutes: str
    bucket: str | None = None  # SQL of the bucket number, instead of ``minutes`` in EDGES


HISTOGRAMS: tuple[HistogramSource, ...] = (
    HistogramSource(
        RollupMeasure.RESPONSE,
        "t.created_at",
        "tickets_ticket t",
        "t.first_response_at IS NOT NULL",
        "EXTRACT(EPOCH FROM (t.first_response_at - t.created_at)) / 60.0",
    ),
    HistogramSource(
        RollupMeasure.RESOLUTION,
        "t.resolved_at",
        "tickets_ticket t",
        "TRUE",
        "EXTRACT(EPOCH FROM (t.resolved_at - t.created_at)) / 60.0",
    ),
    HistogramSource(
        RollupMeasure.RESPONSE_BUSINESS,
        "t.created_at",
        _CLOCKS,
        f"c.kind = 'response' AND {_BUSINESS}",
        "c.elapsed_minutes",
    ),
    HistogramSource(
        RollupMeasure.RESOLUTION_BUSINESS,
        "t.resolved_at",
        _CLOCKS,
        f"c.kind = 'resolution' AND {_BUSINESS}",
        "c.elapsed_minutes",
    ),
    *(
        HistogramSource(
            RollupMeasure.BACKLOG_LEFT,
            time,
            "tickets_ticket t",
            where,
            "0",
            f"LEAST({AGE_CAP}, ({time} AT TIME ZONE %(tz)s)::date "
            "- (t.created_at AT TIME ZONE %(tz)s)::date)",
        )
        for time, where in GONE
    ),
)


class Sql:
    """Named parameters collected while the SQL is written."""

    def __init__(self, tz: str) -> None:
        self.params: dict[str, Any] = {"tz": tz, "edges": list(EDGES)}

    def param(self, value: Any) -> str:
        key = f"p{len(self.params)}"
        self.params[key] = value
        return f"%({key})s"

    def scope(self, scope: Scope, alias: str) -> str:
        parts = []
        for name, column in COLUMNS.items():
            value = getattr(scope, name)
            if value is not None:
                parts.append(f"{alias}.{column} = {self.param(value)}")
        if scope.teams is not None:
            parts.append(f"{alias}.team_id = ANY({self.param(list(scope.teams))})")
        return " AND ".join(parts) or "TRUE"

    def window(self, column: str, spans: Sequence[tuple[datetime | None, datetime]]) -> str:
        """``column`` within one of the ``[start, end)`` spans (no start: from the first)."""
        return (
            " OR ".join(
                f"({column} < {self.param(end)})"
                if start is None
                else f"({column} >= {self.param(start)} AND {column} < {self.param(end)})"
                for start, end in spans
            )
            or "FALSE"
        )


_DIMS = ", ".join(f"t.{d}" for d in ROLLUP_DIMENSIONS)


def _fact_rows(
    sql: Sql,
    scope: Scope,
    spans: Sequence[tuple[datetime | None, datetime]],
    only: Iterable[str] | None = None,
    keys: Iterable[str] = ROLLUP_DIMENSIONS,
) -> str:
    """The fact rows of the ``spans`` (of the sources adding one of ``only``, if given),
    each source already summed per day and ``keys`` (ticket columns): the union then
    carries a few thousand rows of sums, not a row of 60 facts per ticket, clock and event
    (a day of all customers: 450 -> ~100 ms)."""
    wanted = None if only is None else set(only)
    dims = [f"t.{k}" for k in keys]
    selects = []
    for source in SOURCES:
        if wanted is not None and not wanted & set(source.facts):
            continue
        columns = []
        for name in ROLLUP_FACTS:
            cast = "float8" if name in ROLLUP_SECONDS else "bigint"
            if name in source.facts:
                columns.append(f"SUM({source.facts[name]})::{cast} AS {name}")
            else:
                columns.append(f"0::{cast} AS {name}")
        selects.append(
            f"SELECT ({source.time} AT TIME ZONE %(tz)s)::date AS day, "
            + "".join(f"{d}, " for d in dims)
            + ", ".join(columns)
            + f" FROM {source.tables} WHERE {source.where} "
            f"AND ({sql.window(source.time, spans)}) AND {sql.scope(scope, 't')} "
            f"GROUP BY {', '.join(['1', *dims])}"
        )
    return " UNION ALL ".join(selects)


def _histogram_rows(
    sql: Sql,
    scope: Scope,
    spans: Sequence[tuple[datetime | None, datetime]],
    measures: Iterable[int] | None = None,
) -> str:
    wanted = None if measures is None else set(measures)
    return " UNION ALL ".join(
        f"SELECT ({h.time} AT TIME ZONE %(tz)s)::date AS day, {_DIMS}, {int(h.measure)} AS "
        "measure, "
        + (h.bucket or f"width_bucket(({h.minutes})::float8, %(edges)s::float8[])")
        + f" AS bucket FROM {h.tables} WHERE {h.where} AND ({sql.window(h.time, spans)}) "
        f"AND {sql.scope(scope, 't')}"
        for h in HISTOGRAMS
        if wanted is None or int(h.measure) in wanted
    )


def _sums() -> str:
    return ", ".join(
        f"SUM({name})::{'float8' if name in ROLLUP_SECONDS else 'bigint'} AS {name}"
        for name in ROLLUP_FACTS
    )


# --- writing ------------------------------------------------------------------------------

_LOCK = 7_201_101  # pg_advisory_xact_lock key: one roll-up writer at a time


def write_days(days: list[date]) -> None:
    """Replace the roll-up rows of ``days`` (site-zone days) and forget the changes recorded
    on them: the caller holds a transaction."""
    tz = zone()
    sql = Sql(tz.key)
    spans = spans_of(days, tz)
    day_list = sql.param(days)
    dims = ", ".join(ROLLUP_DIMENSIONS)
    facts = ", ".join(ROLLUP_FACTS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        cursor.execute("SET LOCAL jit = off")
        # the changes recorded on these days so far (committed: the rows written below see
        # their data); later ones stay for the next run
        cursor.execute(
            "SELECT id FROM reports_rollupchange "
            f"WHERE (at AT TIME ZONE %(tz)s)::date = ANY({day_list})",
            sql.params,
        )
        seen = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DELETE FROM reports_dailyrollup WHERE day = ANY({day_list})", sql.params)
        cursor.execute(
            f"DELETE FROM reports_dailyrollupbucket WHERE day = ANY({day_list})", sql.params
        )
        everything = Scope()
        rows = _fact_rows(sql, everything, spans)
        cursor.execute(
            f"INSERT INTO reports_dailyrollup (day, {dims}, {facts}) "
            f"SELECT day, {dims}, {_sums()} FROM ({rows}) u "
            f"WHERE day = ANY({day_list}) GROUP BY day, {dims}",
            sql.params,
        )
        rows = _histogram_rows(sql, everything, spans)
        cursor.execute(
            f"INSERT INTO reports_dailyrollupbucket (day, {dims}, measure, bucket, n) "
            f"SELECT day, {dims}, measure, bucket, COUNT(*) FROM ({rows}) u "
            f"WHERE day = ANY({day_list}) GROUP BY day, {dims}, measure, bucket",
            sql.params,
        )
        # the coarse copies, summed from the rows just written
        cursor.execute(
            f"DELETE FROM reports_dailyrollupteam WHERE day = ANY({day_list})", sql.params
        )
        cursor.execute(
            f"DELETE FROM reports_dailyrollupteambucket WHERE day = ANY({day_list})", sql.params
        )
        cursor.execute(
            f"INSERT INTO reports_dailyrollupteam (day, team_id, assignee_id, {facts}) "
            f"SELECT day, team_id, assignee_id, {_sums()} FROM reports_dailyrollup "
            f"WHERE day = ANY({day_list}) GROUP BY day, team_id, assignee_id",
            sql.params,
        )
        cursor.execute(
            "INSERT INTO reports_dailyrollupteambucket (day, team_id, assignee_id, measure, "
            "bucket, n) SELECT day, team_id, assignee_id, measure, bucket, SUM(n) "
            f"FROM reports_dailyrollupbucket WHERE day = ANY({day_list}) "
            "GROUP BY day, team_id, assignee_id, measure, bucket",
            sql.params,
        )
        hours.write(cursor, sorted(set(days)))
        for table in ("reports_dailyrolluporg", "reports_dailyrolluporgbucket"):
            cursor.execute(f"DELETE FROM {table} WHERE day = ANY({day_list})", sql.params)
        cursor.execute(
            "INSERT INTO reports_dailyrolluporg (day, organization_id, received, gone) "
            "SELECT day, organization_id, SUM(received), SUM(gone) FROM reports_dailyrollup "
            f"WHERE day = ANY({day_list}) GROUP BY day, organization_id",
            sql.params,
        )
        cursor.execute(
            "INSERT INTO reports_dailyrolluporgbucket (day, organization_id, measure, bucket, n) "
            "SELECT day, organization_id, measure, bucket, SUM(n) FROM reports_dailyrollupbucket "
            f"WHERE day = ANY({day_list}) GROUP BY day, organization_id, measure, bucket",
            sql.params,
        )
        cursor.execute(
            f"DELETE FROM reports_dailyrollupdaybucket WHERE day = ANY({day_list})", sql.params
        )
        cursor.execute(
            "INSERT INTO reports_dailyrollupdaybucket (day, measure, bucket, n) "
            "SELECT day, measure, bucket, SUM(n) FROM reports_dailyrollupteambucket "
            f"WHERE day = ANY({day_list}) GROUP BY day, measure, bucket",
            sql.params,
        )
        if seen:
            cursor.execute("DELETE FROM reports_rollupchange WHERE id = ANY(%s)", [seen])


def spans_of(days: Iterable[date], tz: Any) -> list[tuple[datetime, datetime]]:
    """Consecutive days merged into ``[start, end)`` instants."""
    spans: list[tuple[datetime, datetime]] = []
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + timedelta(days=1):
            j += 1
        spans.append((_midnight(ordered[i], tz), _midnight(ordered[j] + timedelta(days=1), tz)))
        i = j + 1
    return spans


def all_changed_days() -> set[date]:
    """``changed_days()``, read once within ``shared_reads``."""
    return _cached(("changed",), changed_days)


def changed_days(start: datetime | None = None, end: datetime | None = None) -> set[date]:
    """The local days with a recorded change not rolled up yet (optionally within an
    interval)."""
    qs = RollupChange.objects.order_by()  # (the model's ordering would defeat DISTINCT)
    if start is not None:
        qs = qs.filter(at__gte=start, at__lt=end)
    tz = zone()
    return {timezone.localtime(at, tz).date() for at in qs.values_list("at", flat=True).distinct()}


def last_rollable_day(today: date | None = None) -> date:
    today = today or timezone.localdate(timezone.now(), zone())
    return today - timedelta(days=LIVE_DAYS)


# --- reading ------------------------------------------------------------------------------


def usable(period: Period, scope: Scope) -> bool:
    return (
        settings.REPORTS_ROLLUP
        and connection.vendor == "postgresql"
        and period.tz.key == zone().key
        and scope.contract is None
        and scope.product is None
    )


# scope parameters only the full grain has; without them the per-group copy serves
FULL_GRAIN = ("organization", "channel", "kind", "severity")


def _table(scope: Scope, table: str, narrow: bool = False) -> str:
    """The full-grain table, or its per-service-group copy when the scope allows (for
    buckets over everything: the per-day copy). ``narrow``: the caller reads only what the
    per-organization copies keep (received and gone, or buckets), so an organization alone
    reads those."""
    if any(getattr(scope, name) is not None for name in FULL_GRAIN):
        if narrow and _organization_only(scope):
            return {
                "reports_dailyrollup": "reports_dailyrolluporg",
                "reports_dailyrollupbucket": "reports_dailyrolluporgbucket",
            }[table]
        return table
    if (
        table == "reports_dailyrollupbucket"
        and scope.team is None
        and scope.engineer is None
        and scope.teams is None
    ):
        return "reports_dailyrollupdaybucket"
    return {
        "reports_dailyrollup": "reports_dailyrollupteam",
        "reports_dailyrollupbucket": "reports_dailyrollupteambucket",
    }[table]


def _organization_only(scope: Scope) -> bool:
    return scope.organization is not None and all(
        getattr(scope, name) is None
        for name in ("channel", "kind", "severity", "team", "engineer", "teams")
    )


@dataclass
class Plan:
    """Which days of a period come from the roll-up, and the spans read live."""

    rolled: list[date]
    live: list[tuple[datetime, datetime]]


# the two groupings the families read: per day (trend; totals) and per (engineer, group)
# (appraisal), both summed by PostgreSQL in one statement (GROUPING SETS)
GROUPINGS = (("day",), ("assignee_id", "team_id"))


@dataclass
class Facts:
    """The facts of a period per day, and per (engineer, service group)."""

    period: Period
    cells: dict[tuple[str, ...], dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: {keys: {} for keys in GROUPINGS}
    )

    def add(self, keys: tuple[str, ...], row: dict[str, Any]) -> None:
        """Add a summed row of the ``keys`` grouping (roll-up and live rows of a day meet)."""
        key = tuple(row[k] for k in keys)
        cell = self.cells[keys].get(key)
        if cell is None:
            self.cells[keys][key] = {name: row[name] for name in ROLLUP_FACTS}
        else:
            for name in ROLLUP_FACTS:
                cell[name] += row[name]

    def totals(self) -> dict[str, Any]:
        total: dict[str, Any] = dict.fromkeys(ROLLUP_COUNTS, 0)
        total.update(dict.fromkeys(ROLLUP_SECONDS, 0.0))
        for cell in self.cells[("day",)].values():
            for name in ROLLUP_FACTS:
                total[name] += cell[name]
        return total

    def by(self, *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The facts per ``keys``: one of ``GROUPINGS``."""
        return {key: dict(cell) for key, cell in self.cells[tuple(keys)].items()}


_cache: ContextVar[dict[Any, Any] | None] = ContextVar("rollup_cache", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block, the plan, facts and buckets of a period and scope are read once
    (``collect`` runs several families over the same ones)."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def _cached(key: Any, compute: Any) -> Any:
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def rolled_days(period: Period) -> set[date]:
    """The period's days rolled up and not changed since (read once within
    ``shared_reads``; the changes only when some day is rolled up)."""

    def compute() -> set[date]:
        last = min(period.last_day, last_rollable_day())
        if last < period.first_day:
            return set()
        days = set(
            RollupDay.objects.filter(day__gte=period.first_day, day__lte=last).values_list(
                "day", flat=True
            )
        )
        return days - all_changed_days() if days else days

    return set(_cached(("rolled", period), compute))


def plan(period: Period, scope: Scope) -> Plan | None:
    """The roll-up days of the period (complete, not changed since), or ``None`` when the
    period is to be read wholly live."""
    if not usable(period, scope):
        return None

    def compute() -> Plan | None:
        days = rolled_days(period)
        if not days:
            return None
        every = [period.first_day + timedelta(days=i) for i in range(period.days)]
        return Plan(sorted(days), spans_of([d for d in every if d not in days], period.tz))

    return _cached(("plan", period, scope), compute)


def facts(period: Period, scope: Scope) -> Facts | None:
    """The period's facts per (day, assignee, service group) if it has roll-up days, else
    ``None`` (the families then run their live queries). Two queries: the roll-up rows of
    the rolled-up days, the live rows of the others."""
    p = plan(period, scope)
    if p is None:
        return None

    def compute() -> Facts:
        result = Facts(period)
        keys = "GROUPING(day) AS per_engineer, day, assignee_id, team_id"
        sets = "GROUP BY GROUPING SETS ((day), (assignee_id, team_id))"
        sql = Sql(period.tz.key)
        statements = [
            f"SELECT {keys}, {_sums()} FROM {_table(scope, 'reports_dailyrollup')} r "
            f"WHERE r.day = ANY({sql.param(p.rolled)}) AND {sql.scope(scope, 'r')} {sets}"
        ]
        if p.live:
            statements.append(
                f"SELECT {keys}, {_sums()} "
                f"FROM ({_fact_rows(sql, scope, p.live, keys=GROUPINGS[1])}) u {sets}"
            )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, sql.params)
                names = [c.name for c in cursor.description]
                for values in cursor.fetchall():
                    row = dict(zip(names, values, strict=True))
                    result.add(GROUPINGS[1] if row["per_engineer"] else GROUPINGS[0], row)
        return result

    return _cached(("facts", period, scope), compute)


def buckets(period: Period, scope: Scope) -> dict[int, dict[int, int]]:
    """Duration counts per measure and bucket over the period (roll-up and live days)."""
    p = plan(period, scope)
    assert p is not None

    def compute() -> dict[int, dict[int, int]]:
        sql = Sql(period.tz.key)
        statements = [
            "SELECT measure, bucket, SUM(n)::bigint "
            f"FROM {_table(scope, 'reports_dailyrollupbucket', narrow=True)} r "
            f"WHERE r.day = ANY({sql.param(p.rolled)}) AND {sql.scope(scope, 'r')} "
            f"AND r.measure = ANY({sql.param(list(DURATIONS))}) GROUP BY measure, bucket"
        ]
        if p.live:
            statements.append(
                "SELECT measure, bucket, COUNT(*) "
                f"FROM ({_histogram_rows(sql, scope, p.live, DURATIONS)}) u "
                "GROUP BY measure, bucket"
            )
        result: dict[int, dict[int, int]] = {int(m): {} for m in RollupMeasure}
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, sql.params)
                for measure, bucket, n in cursor.fetchall():
                    counts = result[measure]
                    counts[bucket] = counts.get(bucket, 0) + n
        return result

    return _cached(("buckets", period, scope), compute)


def backlog(period: Period, scope: Scope, ages: Iterable[int]) -> dict[str, Any] | None:
    """The backlog at the period's end, and how many of it were received within the last
    ``ages`` days (each at most ``AGE_CAP``), from the roll-up: received - gone summed over
    every day before the end (``GONE``), the roll-up days from the table and the others
    live; the received-within counts less those of them gone before the end (the
    ``BACKLOG_LEFT`` buckets of the last days). ``None`` when it is to be read live (no
    roll-up, or an age boundary that is not a local midnight)."""
    if not usable(period, scope):
        return None
    ages = sorted(set(ages))
    end_day = period.last_day + timedelta(days=1)
    for days in ages:
        boundary = timezone.localtime(period.end - timedelta(days=days), period.tz)
        if boundary.time() != datetime.min.time() or boundary.date() != end_day - timedelta(
            days=days
        ):
            return None  # a daylight-saving change in between: hours are not days here

    def compute() -> dict[str, Any] | None:
        last = min(period.last_day, last_rollable_day())
        stamps = dict(RollupDay.objects.filter(day__lte=last).values_list("day", "rolled_at"))
        rolled = set(stamps) - all_changed_days()
        if not rolled:
            return None
        first = min(rolled)
        every = [first + timedelta(days=i) for i in range((end_day - first).days)]
        live: list[tuple[datetime | None, datetime]] = [(None, _midnight(first, period.tz))]
        live += spans_of([d for d in every if d not in rolled], period.tz)
        oldest = end_day - timedelta(days=max(ages, default=0))
        recent = [d for d in sorted(rolled) if d >= oldest]
        sql = Sql(period.tz.key)
        since = sql.param(oldest)
        left = int(RollupMeasure.BACKLOG_LEFT)
        statements = [
            f"SELECT CASE WHEN day >= {since} THEN day END, SUM(received), SUM(gone) "
            f"FROM {_table(scope, 'reports_dailyrollup', narrow=True)} r "
            f"WHERE r.day = ANY({sql.param(sorted(rolled))}) AND {sql.scope(scope, 'r')} "
            "GROUP BY 1",
            f"SELECT CASE WHEN day >= {since} THEN day END, SUM(received), SUM(gone) "
            f"FROM ({_fact_rows(sql, scope, live, ('received', 'gone'), keys=())}) u GROUP BY 1",
        ]
        histograms = [
            "SELECT day, bucket, SUM(n) "
            f"FROM {_table(scope, 'reports_dailyrollupbucket', narrow=True)} r "
            f"WHERE r.day = ANY({sql.param(recent)}) AND r.measure = {left} "
            f"AND {sql.scope(scope, 'r')} GROUP BY day, bucket"
        ]
        since_instant = _midnight(oldest, period.tz)
        recent_live: list[tuple[datetime | None, datetime]] = [
            (since_instant if start is None else max(start, since_instant), stop)
            for start, stop in live
            if stop > since_instant
        ]
        if recent_live:
            histograms.append(
                "SELECT day, bucket, COUNT(*) "
                f"FROM ({_histogram_rows(sql, scope, recent_live, [left])}) u "
                "GROUP BY day, bucket"
            )
        # The roll-up days' sums change only when a day is written again, which stamps it
        # (RollupDay.rolled_at, same transaction): cached under the days and their latest
        # stamp, they are exact (two years of rows of all customers: ~100 ms a view).
        key = (
            "rollup-backlog:"
            + hashlib.sha256(
                repr(
                    (
                        connection.settings_dict["NAME"],
                        _table(scope, "reports_dailyrollup", narrow=True),
                        scope,
                        oldest,
                        sorted(rolled),
                        max(stamps[d] for d in rolled),
                    )
                ).encode()
            ).hexdigest()
        )
        total = 0
        received: dict[date, int] = {}
        gone_by_lag: list[tuple[date, int, int]] = []
        with connection.cursor() as cursor:
            for i, statement in enumerate(statements):
                rows = cache.get(key) if i == 0 else None
                if rows is None:
                    cursor.execute(statement, sql.params)
                    rows = cursor.fetchall()
                    if i == 0:
                        cache.set(key, rows, BACKLOG_CACHE_SECONDS)
                for day, came, went in rows:
                    total += (came or 0) - (went or 0)
                    if day is not None:
                        received[day] = received.get(day, 0) + (came or 0)
            for statement in histograms:
                cursor.execute(statement, sql.params)
                gone_by_lag += [(day, bucket, n) for day, bucket, n in cursor.fetchall()]
        within = {}
        for days in ages:
            start = end_day - timedelta(days=days)
            came = sum(n for day, n in received.items() if start <= day < end_day)
            # received on or after ``start`` and gone before the end: gone on a day g in
            # [start, end) at most (g - start) days after the day received
            went = sum(
                n
                for day, lag, n in gone_by_lag
                if start <= day < end_day and lag <= (day - start).days
            )
            within[days] = came - went
        return {"backlog": total, "within": within}

    return _cached(("backlog", period, scope, tuple(ages)), compute)


def hour_cells(period: Period, scope: Scope) -> list[dict[str, Any]] | None:
    """The period's service hours per cell (``hours.cells``), roll-up days included, or
    ``None`` when nothing is rolled up or the scope needs the entries themselves."""
    if not hours.usable(scope):
        return None

    def compute() -> list[dict[str, Any]] | None:
        days = rolled_days(period)
        if not days:
            return None
        return hours.cells(period, scope, sorted(days))

    return _cached(("hours", period, scope), compute)
