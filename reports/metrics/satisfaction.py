"""Satisfaction: the per-case rating (1-5) a customer gives when confirming a resolution.

The desk records one survey type today, the per-case rating on the ticket, without its own
timestamp: a rating counts in the period its ticket was closed. Random and annual surveys
have no data model yet, so their response rates are reported as not available."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q

from tickets.choices import Channel, TicketKind, TicketStatus

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .base import received, tickets, within
from .sql import rate

SATISFIED_FROM = 4  # a rating of 4 or 5 counts as satisfied
HOTLINE_TARGET = 85.0


def satisfaction(period: Period, scope: Scope) -> dict[str, Any]:
    """One query over the tickets closed or received in the period."""
    closed = within("closed_at", period) & Q(status=TicketStatus.CLOSED)
    rated = closed & Q(rating__isnull=False)
    hotline = Q(channel=Channel.HOTLINE)
    facts = rollup.facts(period, scope)
    row = (
        _from_facts(facts.totals())
        if facts is not None
        else (
            tickets(scope)
            .filter(closed | received(period))
            .aggregate(
                closed=Count("pk", filter=closed),
                rated=Count("pk", filter=rated),
                average=Avg("rating", filter=rated),
                satisfied=Count("pk", filter=rated & Q(rating__gte=SATISFIED_FROM)),
                hotline_rated=Count("pk", filter=rated & hotline),
                hotline_satisfied=Count(
                    "pk", filter=rated & hotline & Q(rating__gte=SATISFIED_FROM)
                ),
                complaints=Count("pk", filter=received(period) & Q(kind=TicketKind.COMPLAINT)),
                **{f"r{n}": Count("pk", filter=rated & Q(rating=n)) for n in range(1, 6)},
            )
        )
    )
    hotline_percent = rate(row["hotline_satisfied"], row["hotline_rated"])
    return {
        "rated": row["rated"],
        "average": None if row["average"] is None else round(row["average"], 2),
        "distribution": {str(n): row[f"r{n}"] for n in range(1, 6)},
        "satisfied_percent": rate(row["satisfied"], row["rated"]),
        "hotline": {
            "rated": row["hotline_rated"],
            "satisfied_percent": hotline_percent,
            "target_percent": HOTLINE_TARGET,
            "meets_target": None if hotline_percent is None else hotline_percent > HOTLINE_TARGET,
        },
        "surveys": {
            "per_case": {
                "closed": row["closed"],
                "response_percent": rate(row["rated"], row["closed"]),
            },
            "random": None,
            "annual": None,
        },
        "complaints": row["complaints"],
    }


def _from_facts(total: dict[str, Any]) -> dict[str, Any]:
    """The live query's row from roll-up facts."""
    return {
        "closed": total["closed"],
        "rated": total["rated"],
        "average": total["rating_sum"] / total["rated"] if total["rated"] else None,
        "satisfied": total["r4"] + total["r5"],
        "hotline_rated": total["hotline_rated"],
        "hotline_satisfied": total["hotline_satisfied"],
        "complaints": total["complaints"],
        **{f"r{n}": total[f"r{n}"] for n in range(1, 6)},
    }
