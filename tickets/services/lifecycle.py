"""Moving a ticket through its state machine: transitions, confirmation, triage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import can_triage, is_customer_user, is_staff_user

from ..choices import EventKind, TicketKind, TicketStatus, TriageDecision
from ..models import Comment, Ticket, TicketEvent
from ..signals import ticket_closed, ticket_resolved
from ..workflow import REOPENING, assert_can_transition, comment_required
from ._common import _lock, _notify_requester, _require_party, _save, _sync_clocks
from .complaints import COMPLAINT_UP_TO, complaint_open
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
    return _transition(
        ticket,
        actor=actor,
        party=party,
        to_status=to_status,
        comment=comment,
        expected_version=expected_version,
    )


def _transition(
    ticket: Ticket,
    *,
    actor: User | None,
    party: str,
    to_status: str,
    comment: str = "",
    expected_version: int | None = None,
    rated: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The one body of every status change. ``actor`` None is the system (the quiet period
    closing a resolved ticket, a customer answering through a survey link without an
    account); ``party`` is whose row of the transition table applies."""
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
    now = now or timezone.now()
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
        if party == "staff" and actor is not None and ticket.first_response_at is None:
            ticket.first_response_at, responded = now, True
            fields.append("first_response_at")
    _sync_clocks(ticket, actor, old_status=current, responded=responded, at=now, fields=fields)
    _save(ticket, fields)
    data: dict[str, Any] = {
        "old": current,
        "new": to_status,
        "comment": comment_row.pk if comment_row else None,
    }
    if reason:
        data["reason"] = reason
    TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=EventKind.TRANSITION, created_at=now, data=data
    )
    personal: dict[str, dict[str, Any]] = {}
    if to_status == TicketStatus.RESOLVED:
        # receivers first: the survey's confirm-and-rate link rides in the resolution notice
        # to the person it was issued to (one mail per person, not a notice and a survey)
        for _receiver, answer in ticket_resolved.send(
            sender=Ticket, ticket=ticket, actor=actor, at=now
        ):
            if isinstance(answer, dict) and answer.get("email"):
                personal.setdefault(answer["email"].lower(), {}).update(answer["payload"])
    _notify_requester(
        ticket,
        "ticket.resolved" if to_status == TicketStatus.RESOLVED else "ticket.status_changed",
        actor=actor,
        personal=personal,
        old=current,
        new=to_status,
        body=comment or "",
        author=str(actor) if actor is not None else "",
        created_at=now.isoformat(),
    )
    if to_status == TicketStatus.CLOSED:
        ticket_closed.send(sender=Ticket, ticket=ticket, actor=actor, at=now, rated=rated)
    return ticket


@transaction.atomic
def ticket_confirm(
    ticket: Ticket,
    *,
    actor: User | None,
    accepted: bool,
    rating: int | None = None,
    comment: str = "",
    contact_id: int | None = None,
) -> Ticket:
    """The customer confirms the resolution with a 1-5 rating, or rejects it (reopens).

    ``actor`` None with ``contact_id``: the ticket's contact answered through the survey
    link of the resolution mail without an account (surveys); the events record the
    contact. A rating of 1 or 2 opens a complaint for the managers, once per ticket."""
    if actor is None:
        if contact_id is None or not accepted:
            raise NotAllowed(_("You may not confirm this ticket."))
        party = "customer"
    elif is_customer_user(actor) or is_staff_user(actor):
        party = "customer" if is_customer_user(actor) else "staff"
    else:
        raise NotAllowed(_("You may not confirm this ticket."))
    via = {"contact": contact_id, "via": "survey_link"} if contact_id is not None else {}
    if accepted:
        if rating is None or not 1 <= int(rating) <= 5:
            raise ValidationFailed(
                _("Rate the service from 1 to 5."),
                fields={"rating": [_("A whole number from 1 to 5.")]},
            )
        ticket = _transition(
            ticket, actor=actor, party=party, to_status=TicketStatus.CLOSED, rated=True
        )
        ticket.rating, ticket.rating_comment = int(rating), (comment or "").strip()
        _save(ticket, ["rating", "rating_comment"])
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=EventKind.RATED,
            data={"rating": ticket.rating, "comment": ticket.rating_comment, **via},
        )
        if ticket.rating <= COMPLAINT_UP_TO:
            complaint_open(
                key=f"rating:{ticket.pk}",
                organization=ticket.organization,
                contact=ticket.contact,
                rated_ticket=ticket,
                score=ticket.rating,
                comment=ticket.rating_comment,
                source=_("Per-case rating of %(number)s") % {"number": ticket.number},
            )
        return ticket
    if not (comment or "").strip():
        raise ValidationFailed(
            _("Tell us what is still wrong."),
            code="comment_required",
            fields={"comment": [_("Required.")]},
        )
    assert actor is not None
    return ticket_transition(
        ticket, actor=actor, to_status=TicketStatus.IN_PROGRESS, comment=comment
    )


@transaction.atomic
def ticket_close_unanswered(ticket: Ticket, *, now: datetime) -> Ticket | None:
    """The quiet period ran out: close a resolved ticket its customer did not confirm, as
    the system (no actor, reason ``auto_close``). None when it is no longer resolved (the
    customer answered or it was reopened meanwhile): safe to run twice."""
    locked = Ticket.objects.select_for_update().filter(pk=ticket.pk).first()
    if locked is None or locked.status != TicketStatus.RESOLVED:
        return None
    return _transition(
        locked,
        actor=None,
        party="staff",  # the table's "staff closing after the quiet period"
        to_status=TicketStatus.CLOSED,
        reason="auto_close",
        now=now,
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
