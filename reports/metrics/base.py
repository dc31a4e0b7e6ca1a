"""The querysets every metric family starts from: tickets, clocks and events within a
scope, and the period filters on their time columns."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from sla.models import SlaClock
from tickets.choices import OPEN_STATUSES
from tickets.models import Ticket, TicketEvent

from ..periods import Period
from ..scope import Scope


def tickets(scope: Scope) -> QuerySet[Ticket]:
    return Ticket.objects.filter(scope.ticket_q()).order_by()


def clocks(scope: Scope) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(scope.ticket_q("ticket__")).order_by()


def events(scope: Scope) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(scope.ticket_q("ticket__")).order_by()


def within(column: str, period: Period, prefix: str = "") -> Q:
    """``column`` falls in the period (``[start, end)``)."""
    return Q(**{f"{prefix}{column}__gte": period.start, f"{prefix}{column}__lt": period.end})


def received(period: Period, prefix: str = "") -> Q:
    return within("created_at", period, prefix)


def resolved(period: Period, prefix: str = "") -> Q:
    return within("resolved_at", period, prefix)


def in_backlog(period: Period, prefix: str = "") -> Q:
    """Received before the period ended and not yet resolved, closed or cancelled then.

    Read from the tickets' current columns: a ticket open now, or resolved or closed only
    after the end. (A ticket reopened since counts as open back then too, and a cancelled
    one as gone: the ticket keeps no cancellation time.)"""
    p = prefix
    end = period.end
    return Q(**{f"{p}created_at__lt": end}) & (
        Q(**{f"{p}status__in": sorted(OPEN_STATUSES)})
        | Q(**{f"{p}resolved_at__gte": end})
        | Q(**{f"{p}resolved_at__isnull": True, f"{p}closed_at__gte": end})
    )


AGE_BUCKETS = (  # (name, younger than) at the period's end
    ("under_1d", timedelta(days=1)),
    ("d1_3", timedelta(days=3)),
    ("d3_7", timedelta(days=7)),
    ("d7_30", timedelta(days=30)),
    ("over_30d", None),
)
