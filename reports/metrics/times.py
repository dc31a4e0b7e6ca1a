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

from ..periods import Period
from ..scope import Scope
from .base import clocks, received, resolved, tickets
from .sql import Seconds, duration_aggregates, durations


def response_resolution(period: Period, scope: Scope) -> dict[str, Any]:
    """Two queries: the tickets (calendar time) and their stopped clocks (business time)."""
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
