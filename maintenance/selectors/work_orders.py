"""Reads of work orders and their sign-off, for the REST API, the pages and the ticket page.

Every read acting for a user goes through ``work_order_visibility_q`` (customers: nothing),
so a work order or an event another person may not see is a 404, exactly like one that
does not exist. Lists never COUNT; the references a row shows are prefetched with only the
columns shown, so a page costs the same few queries whatever its length.

Filter values given to these functions are *clean* values (a form's or a FilterSet's
``cleaned_data``): model instances or ids, choice values, dates. Only the keys documented
on each function are read; anything else is ignored, so a client's parameter names never
reach ``filter()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.ids import parse_id
from servicedesk.models import Organization, Product, ProductVersion, Team
from servicedesk.permissions import is_staff_user
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket

from ..choices import WorkOrderKind, WorkOrderStatus
from ..models import WorkOrder, WorkOrderEvent, WorkOrderTicket
from ..permissions import can_sign, work_order_visibility_q
from .columns import TICKET_COLUMNS, as_list, linked_tickets, users

INBOX_LIMIT = 25  # the approval page's cards; deciding them brings the next (PERFORMANCE.md)

LIST_PREFETCH = (
    Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
    Prefetch("team", queryset=Team.objects.only("id", "name")),
    Prefetch("assignee", queryset=users()),
    Prefetch("drafted_by", queryset=users()),
)


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    """The chokepoint: work orders ``user`` may see (staff all, everyone else none)."""
    return WorkOrder.objects.filter(work_order_visibility_q(user))


def work_order_list(
    user: Any, filters: Mapping[str, Any] | None = None, *, links: bool = True
) -> QuerySet[WorkOrder]:
    """Work orders ``user`` may see, filtered (``filter_work_orders``), with what a list
    row shows prefetched: product, team, assignee, and (``links``, the API's rows) the
    drafter and the linked tickets with their SLA deadlines. Ordered by the model's default
    (``-created_at, -id``); callers page by an indexed order."""
    qs = filter_work_orders(visible_work_orders(user), user, filters or {})
    if not links:
        return qs.prefetch_related(*LIST_PREFETCH[:3])
    return qs.prefetch_related(*LIST_PREFETCH, linked_tickets())


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
    statuses = as_list(filters.get("status"))
    if statuses:
        qs = qs.filter(status__in=statuses)
    kinds = as_list(filters.get("kind"))
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
            linked_tickets(),
            Prefetch("affected_versions", queryset=ProductVersion.objects.order_by("id")),
        )
    )  # fmt: skip
    number = parse_id(pk)  # ASCII digits only ("²".isdigit() is true, int("²") fails)
    lookup = {"pk": number} if number is not None else {"number": str(pk)}
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
        .prefetch_related(Prefetch("actor", queryset=users()))
        .order_by("created_at", "id")
    )


def work_order_page(user: Any, pk: int) -> WorkOrder:
    """One order with what its staff page shows (the linked tickets' organizations, the
    affected versions by name); absent and invisible are the same ``NotFound``."""
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
        raise NotFound(_("Work order not found.")) from None


def ticket_work_orders(user: Any, ticket: Ticket) -> list[WorkOrder]:
    """The work orders linked to a ticket, newest first (for the staff ticket page)."""
    return list(
        visible_work_orders(user)
        .filter(links__ticket=ticket)
        .only("id", "number", "title", "kind", "status", "created_at")
        .order_by("-created_at", "-id")
    )


# --------------------------------------------------------------------------- approvals


def _awaiting(user: Any, qs: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    """Submitted orders ``user`` may sign, not the ones they drafted themselves."""
    if not can_sign(user):
        return (visible_work_orders(user) if qs is None else qs).none()
    return _submitted_to(user, qs)


def _submitted_to(user: Any, qs: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    """``_awaiting`` for a caller known to sign. The partial index ``wo_awaiting_approval
    (submitted_at, id) WHERE status = 'submitted'`` serves the oldest-first order."""
    qs = visible_work_orders(user) if qs is None else qs
    return qs.filter(status=WorkOrderStatus.SUBMITTED).exclude(drafted_by=user)


def tickets_awaiting_signature(user: Any) -> Q:
    """A condition on tickets: linked to a work order awaiting ``user``'s signature (the
    queue's "awaiting my approval" view). It reads the submitted orders from the partial
    index ``wo_awaiting_approval`` and their links by ``wo_ticket_unique (work_order,
    ticket)``: its cost follows the orders awaiting signature, not the tickets.

    Plans awaiting sign-off have no tickets (an unsigned plan has raised no order yet);
    the approvals inbox lists them.
    """
    orders = _submitted_to(user).order_by().values("pk")
    return Q(pk__in=WorkOrderTicket.objects.filter(work_order__in=orders).values("ticket_id"))


def approval_inbox(user: Any) -> QuerySet[WorkOrder]:
    """Orders awaiting ``user``'s signature (a manager, or a deputy today), oldest
    submission first, with the list row's references and linked tickets prefetched.

    A queryset, so callers page it (cursor or keyset on ``submitted_at, id``); use
    ``with_deadlines`` on a page to attach the tickets' SLA deadlines.
    """
    return work_order_list(user, {"awaiting_my_approval": True}).order_by("submitted_at", "id")


def with_deadlines(orders: Iterable[WorkOrder], now: dt.datetime | None = None) -> list[Any]:
    """Attach to each order of a page and its linked tickets ``deadline`` (the ticket's
    next running SLA deadline; None while its clocks are paused, ``sla_paused`` then, and
    once the ticket is closed) and ``overdue``; the order's is the earliest of its
    tickets'. No queries: the tickets are prefetched by ``work_order_list``.

    Deadlines, not business minutes left: those need each clock's calendar, which is a
    page of computation for a list row (``GET /tickets/{id}/`` shows them).
    """
    now = now or timezone.now()
    rows: list[Any] = list(orders)
    for order in rows:
        deadlines = []
        ticket: Any
        for ticket in order.tickets.all():
            is_open = ticket.status in OPEN_STATUSES
            # Only a running clock has a deadline: a paused one (waiting for the customer)
            # is neither due nor overdue, whatever its resolution deadline said before.
            ticket.deadline = ticket.sla_due_at if is_open else None
            ticket.sla_paused = bool(is_open and not ticket.sla_due_at and ticket.resolution_due_at)
            ticket.overdue = bool(ticket.deadline and ticket.deadline < now)
            if ticket.deadline:
                deadlines.append(ticket.deadline)
        order.deadline = min(deadlines) if deadlines else None
        order.overdue = bool(order.deadline and order.deadline < now)
    return rows


def approval_cards(user: Any) -> list[WorkOrder]:
    """The approval inbox page: the ``INBOX_LIMIT`` oldest orders awaiting the caller's
    signature, with the linked tickets' customers, through ``with_deadlines``."""
    if not can_sign(user):
        return []
    rows = list(
        _submitted_to(user)
        .prefetch_related(
            Prefetch("product", queryset=Product.objects.only("id", "name")),
            Prefetch("drafted_by", queryset=users()),
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
    return with_deadlines(rows)


def approvals_count(user: Any) -> int | None:
    """How many orders await the user's signature; None for someone who may not sign.

    One COUNT over the partial index for a manager; a deputy check first for others.
    """
    rows = approvals_rows(user)
    return None if rows is None else rows.count()


def approvals_rows(user: Any) -> QuerySet[WorkOrder] | None:
    """The orders ``approvals_count`` counts (the header's badge counts them with the other
    badges, servicedesk.badges); None for someone who may not sign."""
    if not getattr(user, "is_authenticated", False) or not is_staff_user(user):
        return None
    if not can_sign(user):
        return None
    return _submitted_to(user)


def versions_fixed_by(version: ProductVersion) -> list[int | None]:
    """The affected versions of the corrective work orders delivered in ``version``: whom a
    published patch concerns (releases' patch notices ask this through ``fix_source``)."""
    return list(
        WorkOrder.objects.filter(
            delivered_version=version, kind=WorkOrderKind.CORRECTIVE
        ).values_list("affected_versions", flat=True)
    )
