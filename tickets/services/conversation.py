"""Public replies, internal notes and attachments."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, StaleVersion, ValidationFailed
from servicedesk.models import User

from ..choices import EventKind, TicketStatus
from ..models import Attachment, Comment, Ticket, TicketEvent
from ._common import (
    _auto_transition,
    _event,
    _lock,
    _notify_requester,
    _require_party,
    _save,
    _store_attachments,
    _sync_clocks,
    notify_staff,
    validate_attachment,
)


@transaction.atomic
def comment_add(
    ticket: Ticket,
    *,
    actor: User,
    body: str,
    is_internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Comment:
    """A public reply or an internal note. A customer's reply resumes a waiting ticket."""
    party = _require_party(actor)
    body = (body or "").strip()
    if not body and not attachments:
        raise ValidationFailed(
            _("Write a message or attach a file."), fields={"body": [_("Required.")]}
        )
    if is_internal and party != "staff":
        raise NotAllowed(_("Only staff can add internal notes."))
    for upload in attachments:
        validate_attachment(upload)
    ticket = _lock(ticket, None, actor)
    if party == "customer" and ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        raise StaleVersion(
            _("This ticket is %(status)s; submit a new request instead.")
            % {"status": ticket.get_status_display()},
            code="ticket_closed",
        )
    now = timezone.now()
    comment = Comment.objects.create(
        ticket=ticket, author=actor, body=body, is_internal=is_internal, created_at=now
    )
    stored = _store_attachments(ticket, actor, attachments, comment, is_internal)
    kind = EventKind.NOTE_ADDED if is_internal else EventKind.COMMENTED
    events = [
        _event(
            ticket,
            actor,
            kind,
            internal=is_internal,
            comment=comment.pk,
            attachments=[a.original_name for a in stored],
        )
    ]
    fields: list[str] = []
    old_status, responded = ticket.status, False
    if party == "staff" and not is_internal and ticket.first_response_at is None:
        ticket.first_response_at, responded = now, True
        fields.append("first_response_at")
    if party == "customer" and ticket.status == TicketStatus.WAITING_CUSTOMER:
        _auto_transition(ticket, actor, TicketStatus.IN_PROGRESS, "customer_reply", events, fields)
    _sync_clocks(ticket, actor, old_status=old_status, responded=responded, at=now, fields=fields)
    _save(ticket, fields)
    TicketEvent.objects.bulk_create(events)
    if party == "staff" and not is_internal:
        _notify_requester(
            ticket,
            "ticket.replied",
            comment=comment.pk,
            author=str(actor),
            body=body,
            attachments=[a.original_name for a in stored],
            created_at=now.isoformat(),
        )
    elif party == "customer" and ticket.assignee_id and ticket.assignee:
        notify_staff(
            ticket,
            ticket.assignee,
            "ticket.customer_replied",
            comment=comment.pk,
            author=str(actor),
            body=body,
            attachments=[a.original_name for a in stored],
            created_at=now.isoformat(),
        )
    return comment


@transaction.atomic
def attachment_add(
    ticket: Ticket, *, actor: User, upload: UploadedFile, is_internal: bool = False
) -> Attachment:
    party = _require_party(actor)
    if is_internal and party != "staff":
        raise NotAllowed(_("Only staff can add internal files."))
    validate_attachment(upload)
    ticket = _lock(ticket, None, actor)
    if party == "customer" and ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        raise StaleVersion(_("This ticket is closed."), code="ticket_closed")
    (attachment,) = _store_attachments(ticket, actor, [upload], None, is_internal)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.ATTACHMENT_ADDED,
        is_internal=is_internal,
        data={"attachment": attachment.pk, "name": attachment.original_name},
    )
    _save(ticket, [])
    return attachment
