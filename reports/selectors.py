"""Reads for the reports pages and API: the figures for a user, and the lists a dashboard
shows beside them (breaching soon, workload), all within the user's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from servicedesk.models import User
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from .metrics import DEFINITIONS, collect
from .periods import period_from_params
from .scope import PARAMS, Scope

BREACHING_SOON_HOURS = 4
BREACHING_SOON_LIMIT = 10
WORKLOAD_LIMIT = 15


def metrics_for(user: Any, params: Any) -> dict[str, Any]:
    """The figures ``params`` ask for (period, scope, ``sections`` comma-separated), limited
    to what ``user`` may see; bad parameters raise ``ValidationFailed``, a scope the user
    may not know ``NotFound``, one they may not see ``NotAllowed``."""
    scope = Scope.for_user(user, **{name: params.get(name) for name in PARAMS})
    period = period_from_params(params)
    raw = (params.get("sections") or "").strip()
    sections = [s.strip() for s in raw.split(",") if s.strip()] if raw else None
    return {
        "period": period.as_dict(),
        "scope": scope.as_dict(),
        "sections": collect(period, scope, sections),
        "definitions": {
            name: {key: (str(value) if key != "target" else value) for key, value in d.items()}
            for name, d in DEFINITIONS.items()
        },
    }


def breaching_soon(scope: Scope, now=None) -> list[Ticket]:
    """Open tickets whose next deadline falls within the next few hours, soonest first."""
    now = now or timezone.now()
    return list(
        Ticket.objects.filter(scope.ticket_q())
        .filter(
            sla_due_at__gt=now,
            sla_due_at__lte=now + timedelta(hours=BREACHING_SOON_HOURS),
            status__in=OPEN_STATUSES,
        )
        .select_related("organization", "assignee")
        .order_by("sla_due_at", "id")[:BREACHING_SOON_LIMIT]
    )


def workload(scope: Scope) -> list[dict[str, Any]]:
    """Open tickets per engineer (the largest first), with their names: two queries."""
    rows = list(
        Ticket.objects.filter(scope.ticket_q())
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(open=Count("pk"))
        .order_by("-open", "assignee_id")[:WORKLOAD_LIMIT]
    )
    users = User.objects.in_bulk([r["assignee_id"] for r in rows])
    return [
        {"id": r["assignee_id"], "user": users.get(r["assignee_id"]), "open": r["open"]}
        for r in rows
    ]
