"""Moving a ticket through its state machine: transitions, confirmation, triage."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import can_triage, is_customer_user, is_staff_user

from ..choices import EventKind, TicketKind, TicketStatus, TriageDecision
from ..models import Comment, Ticket, TicketEvent
from ..signals import ticket_resolved
from ..workflow import REOPENING, assert_can_transition, comment_required
from ._common import _lock, _notify_requester, _require_party, _save, _sync_clocks
from .intake import ticket_update


@transaction.atomic
def ticket_transition(
    ticket: Ticket,
    *,
    actor: User,
    to_status: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """Move a ticket along the declared state machine; the comment is told to the customer."""
    party = _require_party(actor)
    ticket = _lock(ticket, expected_version, actor)
    current = ticket.status
    assert_can_transition(current, to_status, party)
    comment = (comment or "").strip()
    if comment_required(current, to_status) and not comment:
        raise ValidationFailed(
            _("Say why (or how it was resolved): a comment is required for this step."),
            code="comment_required",
            fields={"comment": [_("Required.")]},
        )
    now = timezone.now()
    fields = ["status"]
    ticket.status = to_status
    if to_status == TicketStatus.RESOLVED:
        ticket.resolved_at, ticket.resolution = now, comment
        fields += ["resolved_at", "resolution"]
    elif to_status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    if (current, to_status) in REOPENING:
        ticket.reopen_count += 1
        ticket.resolved_at = ticket.closed_at = None
        fields += ["reopen_count", "resolved_at", "closed_at"]
    comment_row, responded = None, False
    if comment:
        comment_row = Comment.objects.create(
            ticket=ticket, author=actor, body=comment, created_at=now
        )
        if party == "staff" and ticket.first_response_at is None:
            ticket.first_response_at, responded = now, True
            fields.append("first_response_at")
    _sync_clocks(ticket, actor, old_status=current, responded=responded, at=now, fields=fields)
    _save(ticket, fields)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.TRANSITION,
        created_at=now,
        data={"old": current, "new": to_status, "comment": comment_row.pk if comment_row else None},
    )
    _notify_requester(
        ticket,
        "ticket.resolved" if to_status == TicketStatus.RESOLVED else "ticket.status_changed",
        actor=actor,
        old=current,
        new=to_status,
        body=comment or "",
        author=str(actor),
        created_at=now.isoformat(),
    )
    if to_status == TicketStatus.RESOLVED:
        ticket_resolved.send(sender=Ticket, ticket=ticket, actor=actor, at=now)
    return ticket


@transaction.atomic
def ticket_confirm(
    ticket: Ticket, *, actor: User, accepted: bool, rating: int | None = None, comment: str = ""
) -> Ticket:
    """The customer confirms the resolution with a 1-5 rating, or rejects it (reopens)."""
    if not (is_customer_user(actor) or is_staff_user(actor)):
        raise NotAllowed(_("You may not confirm this ticket."))
    if accepted:
        if rating is None or not 1 <= int(rating) <= 5:
            raise ValidationFailed(
                _("Rate the service from 1 to 5."),
                fields={"rating": [_("A whole number from 1 to 5.")]},
            )
        ticket = ticket_transition(ticket, actor=actor, to_status=TicketStatus.CLOSED)
        ticket.rating, ticket.rating_comment = int(rating), (comment or "").strip()
        _save(ticket, ["rating", "rating_comment"])
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.RATED,
            data={"rating": ticket.rating, "comment": ticket.rating_comment},
        )
        return ticket
    if not (comment or "").strip():
        raise ValidationFailed(
            _("Tell us what is still wrong."),
            code="comment_required",
            fields={"comment": [_("Required.")]},
        )
    return ticket_transition(
        ticket, actor=actor, to_status=TicketStatus.IN_PROGRESS, comment=comment
    )


@transaction.atomic
def ticket_triage(
    ticket: Ticket,
    *,
    actor: User,
    decision: str,
    severity: str | None = None,
    answer: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """判断: record the decision; a consultation answered is resolved with the answer."""
    if not can_triage(actor):
        raise NotAllowed(_("You may not triage tickets."))
    if decision not in TriageDecision.values:
        raise ValidationFailed(_("Unknown triage decision."), fields={"decision": [_("Unknown.")]})
    if decision == TriageDecision.CONSULTATION_ANSWERED and not (answer or "").strip():
        raise ValidationFailed(
            _("Record the answer given to the customer."),
            code="comment_required",
            fields={"answer": [_("Required.")]},
        )
    ticket = _lock(ticket, expected_version, actor)
    kind = {
        TriageDecision.CONSULTATION_ANSWERED: TicketKind.CONSULTATION,
        TriageDecision.CUSTOMIZATION: TicketKind.CUSTOMIZATION,
        TriageDecision.FAULT: TicketKind.FAULT,
    }[TriageDecision(decision)]
    changes: dict[str, Any] = {}
    if ticket.kind != kind:
        changes["kind"] = kind
    if severity:
        changes["severity"] = severity
    old_decision = ticket.triage_decision
    if changes:
        ticket = ticket_update(ticket, actor=actor, changes=changes)
    ticket.triage_decision = decision
    _save(ticket, ["triage_decision"])
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.TRIAGED,
        data={"old": old_decision, "new": decision},
    )
    if decision == TriageDecision.CONSULTATION_ANSWERED:
        return ticket_transition(
            ticket, actor=actor, to_status=TicketStatus.RESOLVED, comment=answer
        )
    if ticket.status in (TicketStatus.NEW, TicketStatus.ACCEPTED):
        ticket = ticket_transition(ticket, actor=actor, to_status=TicketStatus.IN_PROGRESS)
    return ticket
