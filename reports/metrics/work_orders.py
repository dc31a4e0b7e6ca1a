"""Work orders: created by kind, sign-off turnaround (submitted -> decided), root-cause
categories of the faults analysed, fixes delivered per version, inspections done and
overdue, checklist issues found. Staff only (customers learn nothing of work orders).

Scope: product, service group, engineer and severity filter the orders themselves; an
organization, contract, channel or kind scope keeps the orders linked to a ticket in it
(and, for inspections, those of a plan under the organization's contracts)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from maintenance.choices import CheckOutcome, WorkOrderKind, WorkOrderStatus
from maintenance.models import InspectionCheck, WorkOrder, WorkOrderEvent, WorkOrderTicket
from tickets.models import Ticket

from ..periods import Period
from ..scope import Scope
from .base import within
from .sql import Seconds, duration_aggregates, durations, rate

TICKET_ONLY = ("organization", "contract", "channel", "kind")
# below this many tickets in scope, their orders are found from them; above, each order of
# the period checks its own links (both exact; the cheaper plan differs)
FEW_TICKETS = 5_000


def orders(scope: Scope) -> QuerySet[WorkOrder]:
    qs = WorkOrder.objects.order_by()
    direct = {"product": "product_id", "team": "team_id", "engineer": "assignee_id"}
    for name, column in direct.items():
        if getattr(scope, name) is not None:
            qs = qs.filter(**{column: getattr(scope, name)})
    if scope.severity is not None:
        qs = qs.filter(severity=scope.severity)
    if scope.teams is not None:
        qs = qs.filter(team_id__in=scope.teams)
    if any(getattr(scope, name) is not None for name in TICKET_ONLY):
        in_scope = Scope(**{n: getattr(scope, n) for n in TICKET_ONLY})
        tickets_q = in_scope.ticket_q("ticket__")
        if Ticket.objects.filter(in_scope.ticket_q())[:FEW_TICKETS].count() < FEW_TICKETS:
            # few tickets in scope: from them to their orders (a short list of ids)
            linked: Any = Q(
                pk__in=WorkOrderTicket.objects.filter(tickets_q).values("work_order_id")
            )
        else:
            # many (a big customer's 120,000): per order of the period, whether one of its
            # few linked tickets is in scope, as a scalar subquery. PostgreSQL turns an
            # EXISTS under an OR into a hashed subplan over every linked ticket in scope
            # (read by each of the five queries: 1 s each); a scalar one stays a per-row
            # check after the period's filters, two index lookups per order.
            linked = Q(
                IsNull(
                    Subquery(
                        WorkOrderTicket.objects.filter(
                            tickets_q, work_order_id=OuterRef("pk")
                        ).values("pk")[:1]
                    ),
                    False,
                )
            )
        by_plan = Q(pk__in=[])
        if scope.channel is None and scope.kind is None:
            plans = WorkOrder.objects.filter(plan_item__isnull=False)
            if scope.organization is not None:
                plans = plans.filter(plan_item__plan__contract__organization_id=scope.organization)
            if scope.contract is not None:
                plans = plans.filter(plan_item__plan__contract_id=scope.contract)
            by_plan = Q(pk__in=plans.values("pk"))
        qs = qs.filter(linked | by_plan)
    return qs


def work_orders(period: Period, scope: Scope) -> dict[str, Any]:
    """Five queries: orders touching the period, rejections, root causes, delivered
    versions, checklist issues."""
    today = timezone.localdate(timezone=period.tz)
    created = within("created_at", period)
    decided = within("approved_at", period) & Q(submitted_at__isnull=False)
    inspections = Q(
        kind=WorkOrderKind.PREVENTIVE,
        occurrence__gte=period.first_day,
        occurrence__lte=period.last_day,
    )
    finished = [WorkOrderStatus.DONE, WorkOrderStatus.DELIVERED]
    base = orders(scope)
    turnaround = Seconds(F("approved_at"), F("submitted_at"))
    row = base.filter(created | decided | inspections).aggregate(
        **{
            f"created_{kind}": Count("pk", filter=created & Q(kind=kind))
            for kind in WorkOrderKind.values
        },
        **duration_aggregates("signoff", turnaround, decided),
        approved=Count("pk", filter=decided),
        inspections=Count("pk", filter=inspections & ~Q(status=WorkOrderStatus.CANCELLED)),
        inspections_done=Count("pk", filter=inspections & Q(status__in=finished)),
        inspections_overdue=Count(
            "pk",
            filter=inspections
            & Q(occurrence__lt=today)
            & ~Q(status__in=[*finished, WorkOrderStatus.CANCELLED]),
        ),
    )
    causes = (
        base.filter(within("analysed_at", period))
        .exclude(root_cause="")
        .values("root_cause")
        .annotate(count=Count("pk"))
        .order_by("-count", "root_cause")
    )
    delivered = (
        base.filter(within("delivered_at", period), delivered_version__isnull=False)
        .values(
            "delivered_version_id", "delivered_version__product__name", "delivered_version__version"
        )
        .annotate(count=Count("pk"))
        .order_by("-count", "delivered_version_id")[:20]
    )
    rejected = WorkOrderEvent.objects.filter(
        Exists(base.filter(pk=OuterRef("work_order_id"))),
        within("created_at", period),
        kind="rejected",
    ).count()
    issues = InspectionCheck.objects.filter(
        work_order__in=base.filter(inspections).values("pk"), outcome=CheckOutcome.ISSUE
    ).count()
    return {
        "created": {kind: row[f"created_{kind}"] for kind in WorkOrderKind.values},
        "signoff": {
            "approved": row["approved"],
            "rejected": rejected,
            "turnaround_hours": durations(row, "signoff"),
        },
        "root_causes": {c["root_cause"]: c["count"] for c in causes},
        "fixes_delivered": [
            {
                "version": d["delivered_version_id"],
                "product": d["delivered_version__product__name"],
                "version_name": d["delivered_version__version"],
                "count": d["count"],
            }
            for d in delivered
        ],
        "inspections": {
            "scheduled": row["inspections"],
            "done": row["inspections_done"],
            "overdue": row["inspections_overdue"],
            "done_percent": rate(row["inspections_done"], row["inspections"]),
            "checklist_issues": issues,
        },
    }
