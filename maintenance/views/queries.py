"""Read queries of the maintenance pages.

Every read goes through ``work_order_visibility_q`` (customers see nothing). The list pages
page by keyset over an indexed order and never COUNT the table; the references a row shows
are prefetched with only the columns shown, so a page costs the same few queries whatever
its length.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from servicedesk.models import Organization, Product, ProductVersion, Team, User
from servicedesk.permissions import is_manager, is_staff_user
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from ..choices import WorkOrderKind, WorkOrderStatus
from ..models import FaultLogEntry, WorkOrder, WorkOrderEvent
from ..permissions import can_sign, deputised_managers, work_order_visibility_q

PAGE_SIZE = 50
INBOX_LIMIT = 25  # a page of cards; deciding them brings the next (see PERFORMANCE.md)
CALENDAR_DAYS = 60
CALENDAR_LIMIT = 500

USER_COLUMNS = ("id", "username", "first_name", "last_name")
TICKET_COLUMNS = (
    "id", "number", "title", "status", "severity", "sla_due_at", "resolution_due_at",
    "organization_id",
)  # fmt: skip


def _users() -> QuerySet[User]:
    return User.objects.only(*USER_COLUMNS)


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(work_order_visibility_q(user))


# --------------------------------------------------------------------------- keyset pages


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, kinds: Sequence[type]) -> list[Any] | None:
    """The key values of a cursor, typed as ``kinds``; None for anything malformed."""
    if not cursor or len(cursor) > 300:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, list) or len(data) != len(kinds):
            return None
        values: list[Any] = []
        for kind, item in zip(kinds, data, strict=True):
            if kind is dt.datetime:
                parsed = dt.datetime.fromisoformat(str(item))
                if parsed.tzinfo is None:
                    return None
                values.append(parsed)
            elif kind is dt.date:
                values.append(dt.date.fromisoformat(str(item)))
            elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 2**63:
                values.append(item)
            else:
                return None
        return values
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return None


def keyset_page(
    qs: QuerySet[Any], keys: Sequence[tuple[str, type]], after: str | None
) -> dict[str, Any]:
    """One page, newest first by ``keys`` (all descending), after the cursor: no COUNT."""
    values = _decode(after or "", [kind for _name, kind in keys])
    if values is not None:
        condition, equal = Q(pk__in=[]), {}
        for (name, _kind), value in zip(keys, values, strict=True):
            condition |= Q(**equal, **{f"{name}__lt": value})
            equal[name] = value
        qs = qs.filter(condition)
    rows = list(qs.order_by(*(f"-{name}" for name, _kind in keys))[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cursor = _encode([getattr(rows[-1], name) for name, _kind in keys]) if has_next else ""
    return {"rows": rows, "next_cursor": cursor, "is_first": values is None}


# --------------------------------------------------------------------------- work orders

WORK_ORDER_KEYS = (("created_at", dt.datetime), ("id", int))


def work_order_list(user: Any, filters: dict[str, Any]) -> QuerySet[WorkOrder]:
    """Work orders ``user`` may see, filtered by the list's clean filter values."""
    qs = visible_work_orders(user).prefetch_related(
        Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
        Prefetch("team", queryset=Team.objects.only("id", "name")),
        Prefetch("assignee", queryset=_users()),
    )
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    for name in ("product", "team", "assignee"):
        if filters.get(name) is not None:
            qs = qs.filter(**{name: filters[name]})
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number__iexact=text) | Q(title__icontains=text))
    return qs


def work_order_get_for(user: Any, pk: int) -> WorkOrder:
    """One order with what its page shows; absent and invisible are the same 404."""
    qs = visible_work_orders(user).select_related(
        "product", "team", "assignee", "drafted_by", "approved_by", "approved_for",
        "fixed_by", "tested_by", "delivered_version", "plan_item",
    ).prefetch_related(
        Prefetch(
            "tickets",
            queryset=Ticket.objects.only(*TICKET_COLUMNS)
            .select_related("organization")
            .order_by("id"),
        ),
        Prefetch("affected_versions", queryset=ProductVersion.objects.order_by("version")),
    )  # fmt: skip
    try:
        return qs.get(pk=pk)
    except WorkOrder.DoesNotExist:
        raise Http404 from None


def work_order_events(order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    return order.events.prefetch_related(Prefetch("actor", queryset=_users())).order_by(
        "created_at", "id"
    )


def ticket_work_orders(user: Any, ticket: Ticket) -> list[WorkOrder]:
    """The work orders linked to a ticket, newest first (for the staff ticket page)."""
    return list(
        visible_work_orders(user)
        .filter(links__ticket=ticket)
        .only("id", "number", "title", "kind", "status", "created_at")
        .order_by("-created_at", "-id")
    )


# --------------------------------------------------------------------------- approvals


def _awaiting(user: Any) -> QuerySet[WorkOrder]:
    """Submitted orders the user may sign: not the ones they drafted (the partial index
    ``wo_awaiting_approval`` covers ``status = 'submitted'``)."""
    return (
        visible_work_orders(user).filter(status=WorkOrderStatus.SUBMITTED).exclude(drafted_by=user)
    )


def approval_inbox(user: Any) -> list[WorkOrder]:
    """Orders awaiting the caller's signature, oldest submission first; each order gets
    ``deadline`` (the earliest SLA deadline of its open linked tickets) and ``overdue``."""
    if not can_sign(user):
        return []
    rows = list(
        _awaiting(user)
        .prefetch_related(
            Prefetch("product", queryset=Product.objects.only("id", "name")),
            Prefetch("drafted_by", queryset=_users()),
            Prefetch(
                "tickets",
                queryset=Ticket.objects.only(*TICKET_COLUMNS)
                .prefetch_related(
                    Prefetch("organization", queryset=Organization.objects.only("id", "name"))
                )
                .order_by("id"),
            ),
        )
        .order_by("submitted_at", "id")[:INBOX_LIMIT]
    )
    now = timezone.now()
    for order in rows:
        deadlines = []
        for ticket in order.tickets.all():
            due = ticket.sla_due_at or ticket.resolution_due_at
            ticket.deadline = due if ticket.status in OPEN_STATUSES else None
            ticket.overdue = bool(ticket.deadline and ticket.deadline < now)
            if ticket.deadline:
                deadlines.append(ticket.deadline)
        order.deadline = min(deadlines) if deadlines else None
        order.overdue = bool(order.deadline and order.deadline < now)
    return rows


def approvals_count(user: Any) -> int | None:
    """How many orders await the user's signature; None for someone who may not sign.

    One COUNT over the partial index for a manager; a deputy check first for others.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if not is_manager(user) and not deputised_managers(user):
        return None
    return _awaiting(user).count()


# --------------------------------------------------------------------------- fault log

FAULT_LOG_KEYS = (("recorded_on", dt.date), ("id", int))


def fault_log(user: Any, filters: dict[str, Any]) -> QuerySet[FaultLogEntry]:
    """Product fault log lines of work orders ``user`` may see, filtered."""
    if not is_staff_user(user):  # as work_order_visibility_q: the log is staff-only
        return FaultLogEntry.objects.none()
    qs = FaultLogEntry.objects.prefetch_related(
        Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
        Prefetch("work_order", queryset=WorkOrder.objects.only("id", "number", "status")),
        Prefetch("fixed_version", queryset=ProductVersion.objects.only("id", "version")),
        Prefetch("affected_versions", queryset=ProductVersion.objects.only("id", "version")),
        Prefetch("tickets", queryset=Ticket.objects.only("id", "number").order_by("id")),
    )
    if filters.get("product") is not None:
        qs = qs.filter(product=filters["product"])
    if filters.get("severity"):
        qs = qs.filter(severity=filters["severity"])
    if filters.get("cause"):
        qs = qs.filter(cause=filters["cause"])
    if filters.get("date_from"):
        qs = qs.filter(recorded_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(recorded_on__lte=filters["date_to"])
    return qs


# --------------------------------------------------------------------------- calendar


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
    rows = list(qs[:CALENDAR_LIMIT])
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
