"""SLA compliance of the tickets received in the period: of their response and resolution
clocks, how many were met and how many breached (stopped late, or still running past the
deadline), overall and per severity; and the breaches themselves, latest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from sla.models import ClockKind, ClockState

from .. import rollup
from ..models import sla_fact
from ..periods import Period
from ..scope import Scope
from .base import clocks, received
from .sql import rate

BREACH_LIST_LIMIT = 20
SEVERITIES = ("L1", "L2", "L3", "L4")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _outcome(met: int, breached: int, running: int) -> dict[str, Any]:
    return {
        "met": met,
        "breached": breached,
        "running": running,
        "met_percent": rate(met, met + breached),
    }


def sla_compliance(period: Period, scope: Scope, breach_list: bool = True) -> dict[str, Any]:
    """Two queries: counts per (clock kind, severity), and the latest breaches (unless
    ``breach_list`` is false: ``None``). The list walks the clocks of the period's tickets
    (a top-N sort over the received tickets' breached clocks: ~200 ms for a month of all
    customers under load, 60 ms for the biggest one)."""
    in_period = (
        clocks(scope)
        .filter(received(period, "ticket__"))
        .exclude(state=ClockState.CANCELLED, breached_at__isnull=True)
    )
    facts = rollup.facts(period, scope)
    if facts is not None:
        total = facts.totals()
        table = {
            (kind, severity): {
                outcome: total[sla_fact(short, severity, outcome)]
                for outcome in ("met", "breached", "running")
            }
            for short, kind in (
                ("resp", ClockKind.RESPONSE.value),
                ("res", ClockKind.RESOLUTION.value),
            )
            for severity in SEVERITIES
        }
    else:
        table = _live_table(in_period)
    return {**_by_kind(table), "breaches": _breaches(in_period) if breach_list else None}


def _live_table(in_period) -> dict[tuple[str, str], Any]:
    rows = in_period.values("kind", "severity").annotate(
        met=Count("pk", filter=Q(breached_at__isnull=True, state=ClockState.MET)),
        breached=Count("pk", filter=Q(breached_at__isnull=False)),
        running=Count(
            "pk",
            filter=Q(breached_at__isnull=True)
            & Q(state__in=[ClockState.RUNNING, ClockState.PAUSED]),
        ),
    )
    return {(r["kind"], r["severity"]): r for r in rows}


def _by_kind(table: dict[tuple[str, str], Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind in (ClockKind.RESPONSE, ClockKind.RESOLUTION):
        per = {}
        totals = [0, 0, 0]
        for severity in SEVERITIES:
            r = table.get((kind.value, severity), {"met": 0, "breached": 0, "running": 0})
            per[severity] = _outcome(r["met"], r["breached"], r["running"])
            totals = [totals[0] + r["met"], totals[1] + r["breached"], totals[2] + r["running"]]
        result[kind.value] = {**_outcome(*totals), "by_severity": per}
    return result


def _breaches(in_period) -> list[dict[str, Any]]:
    breaches = (
        in_period.filter(breached_at__isnull=False)
        .order_by("-breached_at", "-pk")
        .values(
            "ticket_id",
            "ticket__number",
            "kind",
            "severity",
            "due_at",
            "breached_at",
            "stopped_at",
        )[:BREACH_LIST_LIMIT]
    )
    return [
        {
            "ticket": b["ticket_id"],
            "number": b["ticket__number"],
            "clock": b["kind"],
            "severity": b["severity"],
            "due_at": _iso(b["due_at"]),
            "breached_at": _iso(b["breached_at"]),
            "stopped_at": _iso(b["stopped_at"]),
        }
        for b in breaches
    ]
