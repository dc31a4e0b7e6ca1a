"""服务机时: reads of time entries and their totals (staff only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce

from servicedesk.models import Organization
from servicedesk.permissions import is_staff_user
from tickets.models import Ticket

from ..models import TimeEntry, WorkOrder, WorkOrderTicket
from .columns import users

TOTAL_GROUPS = ("ticket", "work_order", "customer", "engineer")


def time_entry_list(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[TimeEntry]:
    """服务机时 entries (staff only), filtered (``filter_time_entries``), newest day first."""
    if not is_staff_user(user):
        return TimeEntry.objects.none()
    return filter_time_entries(TimeEntry.objects.all(), filters or {}).prefetch_related(
        Prefetch("user", queryset=users()),
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


def time_entry_sum(user: Any, filters: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Minutes and entries of ``time_entry_list(user, filters)``: one aggregate query."""
    totals = (
        time_entry_list(user, filters)
        .order_by()
        .aggregate(minutes=Sum("minutes"), entries=Count("id"))
    )
    return {"minutes": totals["minutes"] or 0, "entries": totals["entries"]}


def time_entries_of(user: Any, subject: Ticket | WorkOrder, *, limit: int) -> dict[str, Any]:
    """The newest ``limit`` entries of a ticket or work order and its totals (the card on
    their pages): one query, however many (the totals are window aggregates over all the
    subject's entries, computed before the limit; no row means no entry)."""
    key = "ticket" if isinstance(subject, Ticket) else "work_order"
    entries = time_entry_list(user, {key: subject.pk})
    rows = list(
        entries.prefetch_related(None)
        .select_related("user")
        .annotate(all_minutes=Window(Sum("minutes")), all_entries=Window(Count("id")))[:limit]
    )
    minutes = int(rows[0].all_minutes or 0) if rows else 0
    count = int(rows[0].all_entries) if rows else 0
    return {
        "entries": rows,
        "total_minutes": minutes,
        "total_entries": count,
        "more": max(count - len(rows), 0),
    }


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
