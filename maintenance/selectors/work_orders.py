"""Read queries of product maintenance, shared by the REST API and the pages.

Every read acting for a user goes through ``work_order_visibility_q`` (customers: nothing),
so a work order, an event or a fault-log line another person may not see is a 404, exactly
like one that does not exist. Lists never COUNT; the references a row shows are prefetched
with only the columns shown, so a page costs the same few queries whatever its length.

Filter values given to these functions are *clean* values (a form's or a FilterSet's
``cleaned_data``): model instances or ids, choice values, dates. Only the keys documented
on each function are read; anything else is ignored, so a client's parameter names never
reach ``filter()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Organization, Product, ProductVersion, Team, User
from servicedesk.permissions import is_staff_user
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from .choices import WorkOrderStatus
from .models import FaultLogEntry, TimeEntry, WorkOrder, WorkOrderEvent, WorkOrderTicket
from .permissions import can_sign, work_order_visibility_q

USER_COLUMNS = ("id", "username", "first_name", "last_name")
# What a list row shows of each linked ticket: its number and SLA deadlines.
TICKET_COLUMNS = (
    "id", "number", "title", "status", "severity", "sla_due_at", "resolution_due_at",
    "organization_id",
)  # fmt: skip


def _users() -> QuerySet[User]:
    return User.objects.only(*USER_COLUMNS)


def _linked_tickets() -> Prefetch:
    return Prefetch("tickets", queryset=Ticket.objects.only(*TICKET_COLUMNS).order_by("id"))


LIST_PREFETCH = (
    Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
    Prefetch("team", queryset=Team.objects.only("id", "name")),
    Prefetch("assignee", queryset=_users()),
    Prefetch("drafted_by", queryset=_users()),
)


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    """The chokepoint: work orders ``user`` may see (staff all, everyone else none)."""
    return WorkOrder.objects.filter(work_order_visibility_q(user))


def _values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v not in (None, "")]
    return [value]


def work_order_list(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[WorkOrder]:
    """Work orders ``user`` may see, filtered (``filter_work_orders``), with what a list
    row shows prefetched: product, team, assignee, drafter and the linked tickets with
    their SLA deadlines. Ordered by the model's default (``-created_at, -id``); callers
    page by an indexed order."""
    qs = filter_work_orders(visible_work_orders(user), user, filters or {})
    return qs.prefetch_related(*LIST_PREFETCH, _linked_tickets())


def filter_work_orders(
    qs: QuerySet[WorkOrder], user: Any, filters: Mapping[str, Any]
) -> QuerySet[WorkOrder]:
    """Apply clean filter values to ``qs`` (which must come from ``visible_work_orders``).

    Keys: ``status`` and ``kind`` (a value or a list), ``product``, ``team``, ``assignee``
    (instance or id), ``ticket`` (a ticket or its id: orders linking it), ``q`` (the number,
    or text in the title), ``awaiting_my_approval`` (True: only orders ``user`` may sign,
    see ``approval_inbox``).
    """
    if filters.get("awaiting_my_approval"):
        qs = _awaiting(user, qs)
    statuses = _values(filters.get("status"))
    if statuses:
        qs = qs.filter(status__in=statuses)
    kinds = _values(filters.get("kind"))
    if kinds:
        qs = qs.filter(kind__in=kinds)
    for name in ("product", "team", "assignee"):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("ticket") not in (None, ""):
        # a semi-join through the link table's (work_order, ticket) unique index
        ticket_orders = WorkOrderTicket.objects.filter(ticket=filters["ticket"])
        qs = qs.filter(pk__in=ticket_orders.values("work_order_id"))
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number__iexact=text) | Q(title__icontains=text))
    return qs


def work_order_get_for(user: Any, pk: Any) -> WorkOrder:
    """One work order ``user`` may see, by id or number (``WO-2026-000123``), with what its
    detail shows; absent and invisible are the same ``NotFound`` (404)."""
    qs = (
        visible_work_orders(user)
        .select_related(
            "product", "team", "assignee", "drafted_by", "approved_by", "approved_for",
            "fixed_by", "tested_by", "delivered_version", "plan_item",
        )
        .prefetch_related(
            _linked_tickets(),
            Prefetch("affected_versions", queryset=ProductVersion.objects.order_by("id")),
        )
    )  # fmt: skip
    text = str(pk)
    lookup = {"pk": int(text)} if text.isdigit() and len(text) < 19 else {"number": text}
    try:
        return qs.get(**lookup)
    except WorkOrder.DoesNotExist:
        raise NotFound(_("Work order not found.")) from None


def work_order_events(user: Any, order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    """The audit trail of an order ``user`` may see, oldest first (customers: nothing)."""
    if not is_staff_user(user):
        return WorkOrderEvent.objects.none()
    return (
        WorkOrderEvent.objects.filter(work_order=order)
        .prefetch_related(Prefetch("actor", queryset=_users()))
        .order_by("created_at", "id")
    )


# --------------------------------------------------------------------------- approvals


def _awaiting(user: Any, qs: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    """Submitted orders ``user`` may sign, not the ones they drafted themselves.

    The partial index ``wo_awaiting_approval (submitted_at, id) WHERE status = 'submitted'``
    serves the oldest-first order.
    """
    qs = visible_work_orders(user) if qs is None else qs
    if not can_sign(user):
        return qs.none()
    return qs.filter(status=WorkOrderStatus.SUBMITTED).exclude(drafted_by=user)


def approval_inbox(user: Any) -> QuerySet[WorkOrder]:
    """Orders awaiting ``user``'s signature (a manager, or a deputy today), oldest
    submission first, with the list row's references and linked tickets prefetched.

    A queryset, so callers page it (cursor or keyset on ``submitted_at, id``); use
    ``with_deadlines`` on a page to attach the tickets' SLA deadlines.
    """
    return work_order_list(user, {"awaiting_my_approval": True}).order_by("submitted_at", "id")


def with_deadlines(orders: Iterable[WorkOrder], now: dt.datetime | None = None) -> list[Any]:
    """Attach to each order of a page and its linked tickets ``deadline`` (the ticket's
    next running SLA deadline, else its resolution deadline; None once the ticket is
    closed) and ``overdue``; the order's is the earliest of its tickets'. No queries: the
    tickets are prefetched by ``work_order_list``.

    Deadlines, not business minutes left: those need each clock's calendar, which is a
    page of computation for a list row (``GET /tickets/{id}/`` shows them).
    """
    now = now or timezone.now()
    rows: list[Any] = list(orders)
    for order in rows:
        deadlines = []
        ticket: Any
        for ticket in order.tickets.all():
            due = ticket.sla_due_at or ticket.resolution_due_at
            ticket.deadline = due if ticket.status in OPEN_STATUSES else None
            ticket.overdue = bool(ticket.deadline and ticket.deadline < now)
            if ticket.deadline:
                deadlines.append(ticket.deadline)
        order.deadline = min(deadlines) if deadlines else None
        order.overdue = bool(order.deadline and order.deadline < now)
    return rows


# --------------------------------------------------------------------------- fault log


def fault_log(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FaultLogEntry]:
    """产品故障记录: lines of the product fault log, newest first (staff only; everyone
    else gets none), filtered (``filter_fault_log``), with product, work order, versions
    and ticket numbers prefetched."""
    if not is_staff_user(user):  # as work_order_visibility_q: the log is staff-only
        return FaultLogEntry.objects.none()
    qs = filter_fault_log(FaultLogEntry.objects.all(), filters or {})
    return qs.order_by("-recorded_on", "-id").prefetch_related(
        Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
        Prefetch("work_order", queryset=WorkOrder.objects.only("id", "number", "status")),
        Prefetch("fixed_version", queryset=ProductVersion.objects.only("id", "version")),
        Prefetch(
            "affected_versions",
            queryset=ProductVersion.objects.only("id", "version").order_by("id"),
        ),
        Prefetch("tickets", queryset=Ticket.objects.only("id", "number").order_by("id")),
    )


def filter_fault_log(
    qs: QuerySet[FaultLogEntry], filters: Mapping[str, Any]
) -> QuerySet[FaultLogEntry]:
    """Keys: ``product`` (instance or id), ``severity``, ``cause`` (a value or a list),
    ``date_from``, ``date_to`` (inclusive dates), ``version`` (a version or its id: lines
    where it is affected or is the fixed version)."""
    if filters.get("product") not in (None, ""):
        qs = qs.filter(product=filters["product"])
    severities = _values(filters.get("severity"))
    if severities:
        qs = qs.filter(severity__in=severities)
    causes = _values(filters.get("cause"))
    if causes:
        qs = qs.filter(cause__in=causes)
    if filters.get("date_from"):
        qs = qs.filter(recorded_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(recorded_on__lte=filters["date_to"])
    version = filters.get("version")
    if version not in (None, ""):
        affected = FaultLogEntry.affected_versions.through.objects.filter(
            productversion=version
        ).values("faultlogentry_id")
        qs = qs.filter(Q(fixed_version=version) | Q(pk__in=affected))
    return qs


# --------------------------------------------------------------------------- service hours

TOTAL_GROUPS = ("ticket", "work_order", "customer", "engineer")


def time_entry_list(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[TimeEntry]:
    """服务机时 entries (staff only), filtered (``filter_time_entries``), newest day first."""
    if not is_staff_user(user):
        return TimeEntry.objects.none()
    return filter_time_entries(TimeEntry.objects.all(), filters or {}).prefetch_related(
        Prefetch("user", queryset=_users()),
        Prefetch("ticket", queryset=Ticket.objects.only("id", "number")),
        Prefetch("work_order", queryset=WorkOrder.objects.only("id", "number")),
    )


def filter_time_entries(qs: QuerySet[TimeEntry], filters: Mapping[str, Any]) -> QuerySet[TimeEntry]:
    """Keys: ``user``, ``ticket``, ``work_order`` (instance or id), ``mode``, ``date_from``,
    ``date_to`` (inclusive)."""
    for name in ("user", "ticket", "work_order", "mode"):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("date_from"):
        qs = qs.filter(worked_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(worked_on__lte=filters["date_to"])
    return qs


def time_entry_totals(
    user: Any,
    group_by: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Minutes and entry counts per ticket, work order, customer or engineer, computed by
    the database (one ``GROUP BY``), largest first; ``limit`` keeps the largest rows.

    An entry on a work order counts for the customer of the order's first linked ticket.
    Each row: ``key`` (the id, None for "none"), ``label``, ``minutes``, ``entries``.
    """
    if group_by not in TOTAL_GROUPS:
        raise ValueError(group_by)
    qs = time_entry_list(user, {"date_from": date_from, "date_to": date_to})
    qs = qs.prefetch_related(None).order_by()
    if group_by == "ticket":
        qs = qs.annotate(key=F("ticket_id"), label=F("ticket__number"))
    elif group_by == "work_order":
        qs = qs.annotate(key=F("work_order_id"), label=F("work_order__number"))
    elif group_by == "engineer":
        qs = qs.annotate(key=F("user_id"), label=F("user__username"))
    else:
        first_link = WorkOrderTicket.objects.filter(work_order=OuterRef("work_order_id")).order_by(
            "id"
        )
        org_id = Coalesce(
            F("ticket__organization_id"),
            Subquery(first_link.values("ticket__organization_id")[:1]),
            output_field=IntegerField(),
        )
        qs = qs.annotate(key=org_id)
    fields = ["key"] if group_by == "customer" else ["key", "label"]
    grouped = (
        qs.values(*fields)
        .annotate(minutes=Sum("minutes"), entries=Count("id"))
        .order_by("-minutes", "key")
    )
    rows = list(grouped if limit is None else grouped[:limit])
    if group_by == "customer":
        names = dict(
            Organization.objects.filter(pk__in=[r["key"] for r in rows if r["key"]]).values_list(
                "id", "name"
            )
        )
        for row in rows:
            row["label"] = names.get(row["key"], "")
    for row in rows:
        row["label"] = row.get("label") or ""
    return rows
