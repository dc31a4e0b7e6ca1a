"""Response and resolution time: count, mean, median and p90, in calendar hours (ticket
timestamps) and in business hours (the SLA clocks' elapsed business minutes, pauses
excluded).

Response time covers the tickets received in the period that got a first response;
resolution time the tickets resolved in the period (from receipt to the last resolution).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from sla.models import ClockKind, ClockState

from .. import rollup
from ..models import RollupMeasure
from ..periods import Period
from ..scope import Scope
from .base import clocks, received, resolved, tickets
from .sql import Seconds, duration_aggregates, durations


def response_resolution(period: Period, scope: Scope) -> dict[str, Any]:
    """Two queries: the tickets (calendar time) and their stopped clocks (business time).
    With roll-up days: the facts and the duration buckets (medians and p90 estimated within
    a bucket, ``reports.rollup.EDGES``)."""
    if rollup.plan(period, scope) is not None:
        return _from_rollup(period, scope)
    response = Seconds(F("first_response_at"), F("created_at"))
    resolution = Seconds(F("resolved_at"), F("created_at"))
    row = (
        tickets(scope)
        .filter(received(period) | resolved(period))
        .aggregate(
            **duration_aggregates(
                "response", response, received(period) & Q(first_response_at__isnull=False)
            ),
            **duration_aggregates("resolution", resolution, resolved(period)),
        )
    )
    business = (
        clocks(scope)
        .filter(received(period, "ticket__") | resolved(period, "ticket__"))
        .filter(elapsed_minutes__isnull=False)
        .exclude(state=ClockState.CANCELLED)
        .aggregate(
            **duration_aggregates(
                "response",
                F("elapsed_minutes"),
                Q(kind=ClockKind.RESPONSE) & received(period, "ticket__"),
            ),
            **duration_aggregates(
                "resolution",
                F("elapsed_minutes"),
                Q(kind=ClockKind.RESOLUTION) & resolved(period, "ticket__"),
            ),
        )
    )
    return {
        "unit": "hours",
        "response": {
            "calendar": durations(row, "response"),
            "business": durations(business, "response", unit=60.0),
        },
        "resolution": {
            "calendar": durations(row, "resolution"),
            "business": durations(business, "resolution", unit=60.0),
        },
    }


def _estimate(n: int, total: float, counts: dict[int, int], per_minute: float) -> dict[str, Any]:
    """count, mean, median and p90 in hours; ``total`` in units of ``1 / per_minute``
    minutes (seconds: 60, minutes: 1)."""

    def hours(minutes: float | None) -> float | None:
        return None if minutes is None else round(minutes / 60.0, 2)

    return {
        "count": n,
        "mean": hours(total / per_minute / n) if n else None,
        "median": hours(rollup.percentile(counts, 0.5)),
        "p90": hours(rollup.percentile(counts, 0.9)),
    }


def _from_rollup(period: Period, scope: Scope) -> dict[str, Any]:
    facts = rollup.facts(period, scope)
    assert facts is not None
    total = facts.totals()
    counts = rollup.buckets(period, scope)
    return {
        "unit": "hours",
        "response": {
            "calendar": _estimate(
                total["resp_n"], total["resp_sec"], counts[RollupMeasure.RESPONSE], 60.0
            ),
            "business": _estimate(
                total["bresp_n"],
                total["bresp_min"],
                counts[RollupMeasure.RESPONSE_BUSINESS],
                1.0,
            ),
        },
        "resolution": {
            "calendar": _estimate(
                total["resolved"], total["res_sec"], counts[RollupMeasure.RESOLUTION], 60.0
            ),
            "business": _estimate(
                total["bres_n"],
                total["bres_min"],
                counts[RollupMeasure.RESOLUTION_BUSINESS],
                1.0,
            ),
        },
    }
