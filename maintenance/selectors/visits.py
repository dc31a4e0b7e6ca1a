"""Reads of 回访 (follow-ups) and 上门服务 (on-site visits), through the tickets' chokepoint.

Follow-ups are staff-only (customers get nothing); a customer sees the visits of their own
organization's tickets, staff every visit of a ticket they may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.permissions import is_customer_user, is_staff_user
from tickets.models import Ticket

from ..choices import OPEN_VISIT_STATUSES
from ..models import FollowUp, OnSiteVisit, VisitEvent


def follow_up_list(user: Any, *, mine: bool = False, open_only: bool = False) -> QuerySet[FollowUp]:
    """Follow-ups of tickets the user may see (staff only), the earliest due first."""
    if not is_staff_user(user):
        return FollowUp.objects.none()
    rows = FollowUp.objects.filter(ticket__in=Ticket.objects.visible_to(user))
    if mine:
        rows = rows.filter(assignee=user)
    if open_only:
        rows = rows.filter(done_at__isnull=True)
    return rows.select_related("ticket", "assignee", "done_by").order_by("due_at", "id")


def follow_ups_due(user: Any, *, within: dt.timedelta = dt.timedelta(days=1)) -> QuerySet[FollowUp]:
    """ "My follow-ups due": the user's open follow-ups due by the end of ``within``."""
    return follow_up_list(user, mine=True, open_only=True).filter(
        due_at__lte=timezone.now() + within
    )


def follow_up_get_for(user: Any, pk: Any) -> FollowUp:
    """Absent and invisible are the same 404 (``NotFound``)."""
    try:
        return follow_up_list(user).get(pk=pk)
    except (FollowUp.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Follow-up not found.")) from None


def visit_list(user: Any) -> QuerySet[OnSiteVisit]:
    """Visits of tickets the user may see (customers: their organization's), newest first."""
    if not (is_staff_user(user) or is_customer_user(user)):
        return OnSiteVisit.objects.none()
    return (
        OnSiteVisit.objects.filter(ticket__in=Ticket.objects.visible_to(user))
        .select_related("ticket__organization", "engineer", "confirmed_by", "time_entry")
        .order_by("-requested_at", "-id")
    )


def visit_get_for(user: Any, pk: Any) -> OnSiteVisit:
    """Absent and invisible (another organization's) are the same 404 (``NotFound``)."""
    try:
        return visit_list(user).get(pk=pk)
    except (OnSiteVisit.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Visit not found.")) from None


def ticket_visits(user: Any, ticket: Ticket) -> list[OnSiteVisit]:
    return list(visit_list(user).filter(ticket=ticket))


def ticket_follow_ups(user: Any, ticket: Ticket) -> list[FollowUp]:
    return list(follow_up_list(user).filter(ticket=ticket).order_by("-created_at", "-id"))


def open_visits_count(visits: list[OnSiteVisit]) -> int:
    return sum(1 for v in visits if v.status in OPEN_VISIT_STATUSES)


def visit_events(visit: OnSiteVisit) -> QuerySet[VisitEvent]:
    return VisitEvent.objects.filter(visit=visit).select_related("actor")


def filter_follow_ups(
    rows: QuerySet[FollowUp], user: Any, values: dict[str, Any]
) -> QuerySet[FollowUp]:
    if values.get("mine"):
        rows = rows.filter(assignee=user)
    elif values.get("mine") is False:
        rows = rows.exclude(assignee=user)
    if values.get("open") is not None:
        rows = rows.filter(done_at__isnull=values["open"])
    if values.get("ticket"):
        rows = rows.filter(ticket=values["ticket"])
    return rows


def filter_visits(rows: QuerySet[OnSiteVisit], values: dict[str, Any]) -> QuerySet[OnSiteVisit]:
    if values.get("status"):
        rows = rows.filter(status__in=values["status"])
    if values.get("ticket"):
        rows = rows.filter(ticket=values["ticket"])
    if values.get("engineer"):
        rows = rows.filter(engineer=values["engineer"])
    return rows
