"""Giving tickets to a service group and an engineer, one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import Team, User
from servicedesk.permissions import can_assign

from ..choices import EventKind, TicketStatus
from ..models import Ticket, TicketEvent
from ._common import _auto_transition, _event, _lock, _plain, _save, notify_staff


def _check_assignee(assignee: User | None) -> None:
    if assignee is None:
        return
    if not assignee.is_active or assignee.role not in STAFF_ROLES:
        raise ValidationFailed(
            _("Tickets can only be assigned to active staff."),
            fields={"assignee": [_("Not a member of staff.")]},
        )
    if assignee.is_away:
        raise ValidationFailed(
            _("%(name)s is away.") % {"name": assignee}, fields={"assignee": [_("Away.")]}
        )


def _assign_locked(ticket: Ticket, actor: User, team: Team | None, assignee: User | None) -> None:
    old_team, old_assignee = ticket.team, ticket.assignee
    if old_team == team and old_assignee == assignee:
        return
    ticket.team, ticket.assignee = team, assignee
    fields = ["team", "assignee"]
    events = [
        _event(
            ticket,
            actor,
            EventKind.ASSIGNED,
            team={"old": _plain(old_team), "new": _plain(team)},
            assignee={"old": _plain(old_assignee), "new": _plain(assignee)},
        )
    ]
    if ticket.status == TicketStatus.NEW and assignee is not None:
        _auto_transition(ticket, actor, TicketStatus.ACCEPTED, "assigned", events, fields)
    _save(ticket, fields)
    TicketEvent.objects.bulk_create(events)
    if assignee is not None and assignee not in (old_assignee, actor):
        notify_staff(
            ticket,
            assignee,
            "ticket.assigned",
            organization=str(ticket.organization),
            severity=ticket.severity,
            actor=str(actor) if actor else "",
            resolution_due_at=ticket.resolution_due_at.isoformat()
            if ticket.resolution_due_at
            else None,
        )


@transaction.atomic
def ticket_assign(
    ticket: Ticket,
    *,
    actor: User,
    team: Team | None,
    assignee: User | None,
    expected_version: int | None = None,
) -> Ticket:
    """Give the ticket to a service group and engineer; assigning a new ticket accepts it."""
    if not can_assign(actor):
        raise NotAllowed(_("You may not assign tickets."))
    _check_assignee(assignee)
    ticket = _lock(ticket, expected_version, actor)
    _assign_locked(ticket, actor, team, assignee)
    return ticket


@transaction.atomic
def tickets_bulk_assign(
    ticket_ids: Sequence[int], *, actor: User, team: Team | None, assignee: User | None
) -> int:
    """Assign many tickets at once; all or nothing. Rows are locked in id order."""
    if not can_assign(actor):
        raise NotAllowed(_("You may not assign tickets."))
    _check_assignee(assignee)
    tickets = list(
        Ticket.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined rows
        .filter(pk__in=ticket_ids)
        .order_by("pk")
        .select_related("team", "assignee")
    )
    if len(tickets) != len(set(ticket_ids)):
        raise ValidationFailed(_("Some tickets do not exist."), fields={"tickets": [_("Unknown.")]})
    for ticket in tickets:
        _assign_locked(ticket, actor, team, assignee)
    return len(tickets)
