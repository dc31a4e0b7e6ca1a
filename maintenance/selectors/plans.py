"""Reads of maintenance plans for the plan pages and the API.

Staff see every plan; everyone else none (``work_order_visibility_q``), so a plan id is a 404
for a customer. Lists prefetch what a row shows (contract, customer, team, drafter) with
only the columns shown: the same few queries whatever the page's length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Contract, Organization, Product, Team

from .. import recurrence as rec
from ..choices import PlanStatus, WorkOrderKind, WorkOrderStatus
from ..models import InspectionCheck, MaintenancePlan, PlanEvent, PlanItem, WorkOrder
from ..permissions import can_sign, work_order_visibility_q
from .columns import users

PLAN_FILTERS = ("status", "contract", "customer", "team")
NEXT_OCCURRENCES = 3
INBOX_LIMIT = 100


def visible_plans(user: Any) -> QuerySet[MaintenancePlan]:
    return MaintenancePlan.objects.filter(work_order_visibility_q(user))


def plan_list(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[MaintenancePlan]:
    """Plans ``user`` may see, filtered by clean values: ``status`` (a value), ``contract``,
    ``customer`` (an organization) and ``team`` (instances or ids). Unordered beyond the
    model's default; callers page by an indexed order (``-id``)."""
    filters = filters or {}
    qs = visible_plans(user).prefetch_related(
        Prefetch(
            "contract",
            queryset=Contract.objects.only("id", "number", "organization_id").prefetch_related(
                Prefetch("organization", queryset=Organization.objects.only("id", "name"))
            ),
        ),
        Prefetch("team", queryset=Team.objects.only("id", "name")),
        Prefetch("drafted_by", queryset=users()),
        Prefetch("approved_by", queryset=users()),
        Prefetch("approved_for", queryset=users()),
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("customer") not in (None, ""):
        qs = qs.filter(contract__organization=filters["customer"])
    for name in ("contract", "team"):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{name: filters[name]})
    return qs.annotate(item_count=Count("items"))


def plan_get_for(user: Any, pk: Any) -> MaintenancePlan:
    """One plan with its contract, customer, team, signers and items; absent and invisible
    are the same 404 (``NotFound``)."""
    try:
        return (
            visible_plans(user)
            .select_related(
                "contract__organization", "team", "drafted_by", "approved_by", "approved_for"
            )
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=PlanItem.objects.select_related("product").order_by("id"),
                ),
                Prefetch("contract__products", queryset=Product.objects.order_by("name")),
            )
            .get(pk=int(pk))
        )
    except (MaintenancePlan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("Maintenance plan not found.")) from None


def plan_events(plan: MaintenancePlan) -> QuerySet[PlanEvent]:
    return plan.events.prefetch_related(Prefetch("actor", queryset=users())).order_by(
        "created_at", "id"
    )


def plan_work_orders(plan: MaintenancePlan) -> list[WorkOrder]:
    """The plan's preventive work orders (its inspections), newest occurrence first."""
    return list(
        WorkOrder.objects.filter(kind=WorkOrderKind.PREVENTIVE, plan_item__plan=plan)
        .select_related("assignee")
        .only(
            "id", "number", "title", "status", "occurrence", "plan_item_id",
            "assignee__username", "assignee__first_name", "assignee__last_name",
        )
        .order_by("-occurrence", "-id")[:200]
    )  # fmt: skip


def plans_awaiting(user: Any) -> list[MaintenancePlan]:
    """Submitted plans the user may sign (not the ones they drafted), oldest first."""
    if not can_sign(user):
        return []
    return list(
        plan_list(user, {"status": PlanStatus.SUBMITTED})
        .exclude(drafted_by=user)
        .order_by("id")[:INBOX_LIMIT]
    )


def inspection_checks(order: WorkOrder) -> list[InspectionCheck]:
    """An inspection's recorded results, in checklist order, with the orders they raised."""
    return list(
        order.checks.select_related("raised").only(
            "id", "item", "outcome", "note", "work_order_id", "raised__id", "raised__number"
        )
    )


def inspection_order_id(check_pk: int) -> int | None:
    """The inspection (work order) a checklist result belongs to; None if there is none."""
    return (
        InspectionCheck.objects.filter(pk=check_pk).values_list("work_order_id", flat=True).first()
    )


def is_open_inspection(order: WorkOrder) -> bool:
    return order.kind == WorkOrderKind.PREVENTIVE and order.status == WorkOrderStatus.APPROVED


# --------------------------------------------------------------------------- schedules in words


def _weekday(day: int) -> str:
    return date_format(dt.date(2001, 1, 1 + day), "l")  # 2001-01-01 was a Monday


def _month(month: int) -> str:
    return date_format(dt.date(2001, month, 1), "F")


def schedule_in_words(item: PlanItem) -> str:
    """ "Every month on day 15", "Every quarter on day 1 of the 2nd month", ... (translated)."""
    kind, day, month = item.recurrence, item.day, item.month
    if kind == rec.WEEKLY_KIND and isinstance(day, int) and 0 <= day <= 6:
        return _("Every week on %(weekday)s") % {"weekday": _weekday(day)}
    if kind == rec.MONTHLY_KIND:
        return _("Every month on day %(day)s") % {"day": day}
    if kind == rec.QUARTERLY_KIND:
        if month in (None, 1):
            return _("Every quarter on day %(day)s of its first month") % {"day": day}
        return _("Every quarter on day %(day)s of month %(month)s of the quarter") % {
            "day": day,
            "month": month,
        }
    if kind == rec.YEARLY_KIND and isinstance(month, int) and 1 <= month <= 12:
        return _("Every year on %(month)s %(day)s") % {"month": _month(month), "day": day}
    if kind == rec.RRULE_KIND:
        return _("RRULE %(rule)s") % {"rule": item.rrule}
    return _("Unknown schedule")


def next_occurrences(
    item: PlanItem,
    plan: MaintenancePlan,
    *,
    today: dt.date | None = None,
    count: int = NEXT_OCCURRENCES,
) -> list[dt.date]:
    """The item's next ``count`` dates from today (or the plan's start) within the period."""
    start = max(today or timezone.localdate(), plan.starts_on)
    found: list[dt.date] = []
    window_start = start
    # a year at a time, so a weekly rule does not expand a whole multi-year period
    while len(found) < count and window_start <= plan.ends_on:
        window_end = min(plan.ends_on, window_start + dt.timedelta(days=366))
        try:
            found += rec.occurrences(
                item, dtstart=plan.starts_on, start=window_start, end=window_end
            )
        except rec.RecurrenceInvalid:
            return []
        window_start = window_end + dt.timedelta(days=1)
    return found[:count]
