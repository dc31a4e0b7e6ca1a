"""Daily notices of scheduled inspections (定期巡检) that are due: one per inspection and day.

``inspections_due_notify`` finds the open preventive orders whose date has come, writes an
``InspectionDueNotice`` per order and day (a unique constraint: a rerun, or two beat firings
at once, tell nobody twice) and notifies the assignee, else the service group's lead, in the
same transaction, through ``servicedesk.notifications.notify`` (their chosen channel).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from servicedesk.models import User
from servicedesk.notifications import notify, recipient_for_user

from ..choices import WorkOrderKind, WorkOrderStatus
from ..models import InspectionDueNotice, WorkOrder
from ..visit_emails import INSPECTION_DUE

BATCH = 500


@transaction.atomic
def inspections_due_notify(*, today: dt.date | None = None) -> int:
    """Tell the people of every open inspection due on or before ``today`` (local date);
    returns how many inspections were told. Idempotent per inspection and day."""
    today = today or timezone.localdate()
    told = set(
        InspectionDueNotice.objects.filter(day=today).values_list("work_order_id", flat=True)
    )
    orders = (
        WorkOrder.objects.filter(
            kind=WorkOrderKind.PREVENTIVE,
            status=WorkOrderStatus.APPROVED,
            occurrence__lte=today,
        )
        .exclude(pk__in=told)
        .select_related(
            "team__lead__organization",
            "assignee__organization",
            "plan_item__plan__contract__organization",
        )
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("occurrence", "pk")[:BATCH]
    )
    count = 0
    for order in orders:
        try:
            with transaction.atomic():
                InspectionDueNotice.objects.create(work_order=order, day=today)
        except IntegrityError:  # a concurrent run told this one after our first read
            continue
        person: User | None = order.assignee or (order.team.lead if order.team else None)
        if person is not None and person.is_active:
            notify(
                recipient_for_user(person),
                INSPECTION_DUE.code,
                {
                    "work_order": order.number,
                    "title": order.title,
                    "occurrence": order.occurrence.isoformat() if order.occurrence else "",
                    "days_late": (today - order.occurrence).days if order.occurrence else 0,
                    "customer": _customer(order),
                    "path": reverse("maintenance:work-order", args=[order.pk]),
                },
            )
        count += 1
    return count


def _customer(order: WorkOrder) -> str:
    item = order.plan_item
    return str(item.plan.contract.organization) if item is not None else ""
