"""Links from a figure to the tickets behind it: the staff queue, filtered."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from tickets.choices import OPEN_STATUSES

from .periods import Period
from .scope import Scope


def _scope_filters(scope: Scope) -> list[tuple[str, Any]]:
    items = list(scope.ticket_filters().items())
    if scope.teams is not None and scope.team is None and len(scope.teams) == 1:
        items.append(("team", scope.teams[0]))
    return items


def queue_url(scope: Scope, *pairs: tuple[str, Any]) -> str:
    return reverse("staff:queue") + "?" + urlencode([*_scope_filters(scope), *pairs])


def _iso(value: Any) -> str:
    return value.isoformat()


def received(period: Period, scope: Scope, *extra: tuple[str, Any]) -> str:
    return queue_url(
        scope, ("created_after", _iso(period.start)), ("created_before", _iso(period.end)), *extra
    )


def resolved(period: Period, scope: Scope) -> str:
    return queue_url(
        scope, ("resolved_after", _iso(period.start)), ("resolved_before", _iso(period.end))
    )


def rated(period: Period, scope: Scope) -> str:
    """The tickets behind the average rating: closed in the period (still closed), rated."""
    return queue_url(
        scope,
        ("status", "closed"),
        ("closed_after", _iso(period.start)),
        ("closed_before", _iso(period.end)),
        ("rated", "true"),
    )


def backlog(period: Period, scope: Scope) -> str:
    return queue_url(
        scope,
        *[("status", s) for s in sorted(OPEN_STATUSES)],
        ("created_before", _iso(period.end)),
    )


def dashboard_links(period: Period, scope: Scope) -> dict[str, str]:
    return {
        "received": received(period, scope),
        "resolved": resolved(period, scope),
        "backlog": backlog(period, scope),
        "rated": rated(period, scope),
        "breached": received(period, scope, ("sla_breached", "true")),
        "hotline": received(period, scope, ("channel", "hotline")),
        "complaints": received(period, scope, ("kind", "complaint")),
    }
