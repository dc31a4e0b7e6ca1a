"""What the maintenance reads show of the rows they reference (only these columns are
loaded), and the one way a filter value becomes a list."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from servicedesk.models import User
from tickets.models import Ticket

USER_COLUMNS = ("id", "username", "first_name", "last_name")
# What a list row shows of each linked ticket: its number and SLA deadlines.
TICKET_COLUMNS = (
    "id", "number", "title", "status", "severity", "sla_due_at", "resolution_due_at",
    "organization_id",
)  # fmt: skip


def users() -> QuerySet[User]:
    return User.objects.only(*USER_COLUMNS)


def linked_tickets() -> Prefetch:
    return Prefetch("tickets", queryset=Ticket.objects.only(*TICKET_COLUMNS).order_by("id"))


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if v not in (None, "")]
    return [value]
