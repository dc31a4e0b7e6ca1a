"""The inspection calendar: preventive orders overdue and due soon, for the staff page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ..choices import WorkOrderKind, WorkOrderStatus
from .work_orders import visible_work_orders

CALENDAR_DAYS = 60
CALENDAR_LIMIT = 500


def inspection_calendar(user: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    """Preventive orders not done: overdue (date passed) and due in the next 60 days,
    ordered by service group, customer and date for grouping on the page."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=CALENDAR_DAYS)
    qs = (
        visible_work_orders(user)
        .filter(kind=WorkOrderKind.PREVENTIVE, occurrence__isnull=False, occurrence__lte=until)
        .exclude(status__in=(WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED))
        .select_related("team", "assignee", "plan_item__plan__contract__organization")
        .only(
            "id", "number", "title", "status", "occurrence", "kind",
            "team__name", "assignee__username", "assignee__first_name", "assignee__last_name",
            "plan_item__title", "plan_item__plan__title",
            "plan_item__plan__contract__number", "plan_item__plan__contract__organization__name",
        )
        .order_by("team__name", "plan_item__plan__contract__organization__name", "occurrence", "id")
    )  # fmt: skip
    rows: list[Any] = list(qs[:CALENDAR_LIMIT])  # rows gain the page's fields below
    for order in rows:
        contract = order.plan_item.plan.contract if order.plan_item else None
        order.customer = contract.organization.name if contract else ""
        order.team_name = order.team.name if order.team else ""
        order.days = (order.occurrence - today).days
        order.days_late = max(0, -order.days)
    return {
        "overdue": [o for o in rows if o.occurrence < today],
        "upcoming": [o for o in rows if o.occurrence >= today],
        "today": today,
        "until": until,
        "truncated": len(rows) == CALENDAR_LIMIT,
    }
