"""Volume: received, resolved, closed, reopened, cancelled; the backlog at the period's end
and its age."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from tickets.choices import TicketStatus
from tickets.models import REPORTED_TRANSITIONS

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .base import AGE_BUCKETS, events, in_backlog, received, resolved, tickets, within


def volume(period: Period, scope: Scope) -> dict[str, Any]:
    """Two queries: one over the tickets touching the period, one over its transitions
    (with roll-up days: the facts, and the backlog at the end)."""
    backlog = in_backlog(period)
    closed = within("closed_at", period) & Q(status=TicketStatus.CLOSED)
    ages: dict[str, Any] = {}
    younger_than_previous = None
    for name, age in AGE_BUCKETS:
        q = backlog
        if age is not None:
            q &= Q(created_at__gte=period.end - age)
        if younger_than_previous is not None:
            q &= Q(created_at__lt=younger_than_previous)
        ages[f"age_{name}"] = Count("pk", filter=q)
        younger_than_previous = period.end - age if age is not None else None
    facts = rollup.facts(period, scope)
    if facts is not None:
        total = facts.totals()
        row = _backlog(period, scope)
        if row is None:
            row = tickets(scope).filter(backlog).aggregate(backlog=Count("pk"), **ages)
        row.update(received=total["received"], resolved=total["resolved"], closed=total["closed"])
        moves = {"reopened": total["reopened_events"], "cancelled": total["cancelled_events"]}
        return _figures(row, moves)
    row = (
        tickets(scope)
        .filter(received(period) | resolved(period) | within("closed_at", period) | backlog)
        .aggregate(
            received=Count("pk", filter=received(period)),
            resolved=Count("pk", filter=resolved(period)),
            closed=Count("pk", filter=closed),
            backlog=Count("pk", filter=backlog),
            **ages,
        )
    )
    moves = (
        events(scope)
        .filter(within("created_at", period), REPORTED_TRANSITIONS)
        .aggregate(
            reopened=Count(
                "pk",
                filter=Q(data__old__in=["resolved", "closed"], data__new="in_progress"),
            ),
            cancelled=Count("pk", filter=Q(data__new="cancelled")),
        )
    )
    return _figures(row, moves)


def _backlog(period: Period, scope: Scope) -> dict[str, Any] | None:
    """The backlog and its ages from the roll-up (``rollup.backlog``), or ``None``."""
    days = [age.days for _name, age in AGE_BUCKETS if age is not None]
    found = rollup.backlog(period, scope, days)
    if found is None:
        return None
    row: dict[str, Any] = {"backlog": found["backlog"]}
    younger = 0
    for name, age in AGE_BUCKETS:
        within = found["backlog"] if age is None else found["within"][age.days]
        row[f"age_{name}"] = within - younger
        younger = within
    return row


def _figures(row: dict[str, Any], moves: dict[str, Any]) -> dict[str, Any]:
    return {
        "received": row["received"],
        "resolved": row["resolved"],
        "closed": row["closed"],
        "reopened": moves["reopened"],
        "cancelled": moves["cancelled"],
        "backlog": row["backlog"],
        "backlog_age": {name: row[f"age_{name}"] for name, _age in AGE_BUCKETS},
    }
