"""Email to ticket: a received mail becomes a ticket, a reply on its ticket, a held mail an
agent accepts or rejects, or a logged refusal (docs/INBOUND.md).

Every mail, whatever becomes of it, is one ``InboundMessage`` row keyed by its Message-ID
(else a hash of its bytes). The row is inserted first, in the transaction that then writes
the ticket or reply, so a mail polled twice or posted twice concurrently waits on the unique
key and is then answered with the first outcome: never a second ticket or reply.

Tickets and replies go through ``ticket_create`` and ``comment_add`` acting as the sender's
portal user (or, for a held mail accepted by an agent, as that agent), so a mail gets the
same audit events, SLA clocks and notifications as a request from the portal.

Lock order: the ``InboundMessage`` row (held mails, accept and reject), then the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from servicedesk.models import Contact, Organization, OutboxMessage, User
from servicedesk.permissions import can_log_call, is_customer_user
from servicedesk.text import one_line

from ..choices import FINAL_STATUSES, Channel, TicketKind
from ..mailparse import (
    ParsedMail,
    Unparseable,
    message_key,
    parse_headers,
    parse_mail,
    strip_quoted,
)
from ..models import InboundMessage, InboundOutcome, Ticket
from ._common import validate_attachment
from .conversation import comment_add
from .intake import ticket_create, ticket_create_for_contact

# Declared types that are never kept, whatever the file is called: they render as pages.
BLOCKED_TYPES = frozenset({"text/html", "application/xhtml+xml", "image/svg+xml"})
# What the held list shows of a mail's text.
PREVIEW_CHARS = 1_000


class MailTooLarge(DomainError):
    code = "mail_too_large"
    status = 413


@dataclass
class Receipt:
    """What became of a mail; ``duplicate`` when it had been received before."""

    message: InboundMessage
    duplicate: bool = False


@dataclass
class Sender:
    user: User | None = None
    contact: Contact | None = None
    organization: Organization | None = None
    ambiguous: bool = False


def inbound_mail_receive(raw: bytes, *, source: str) -> Receipt:
    """Receive one raw RFC 822 message. Raises ``ValidationFailed`` (code
    ``unparseable_mail``) for bytes with no readable sender; everything else is recorded."""
    if len(raw) > settings.INBOUND_MAIL_MAX_BYTES:
        message_id, sender, subject = parse_headers(raw[:65_536])
        return _record(
            message_key(message_id, raw),
            source=source,
            message_id=message_id,
            sender=sender,
            subject=subject,
            size=len(raw),
            outcome=InboundOutcome.REJECTED,
            reason="too_large",
        )
    try:
        parsed = parse_mail(raw)
    except Unparseable:
        raise ValidationFailed(
            _("This is not a mail message: no sender address could be read."),
            code="unparseable_mail",
        ) from None
    with transaction.atomic():
        receipt = _record(
            message_key(parsed.message_id, raw),
            source=source,
            message_id=parsed.message_id,
            sender=parsed.sender,
            subject=parsed.subject,
            size=len(raw),
            sender_name=parsed.sender_name,
        )
        if not receipt.duplicate:
            _decide(receipt.message, parsed, raw)
    return receipt


def _record(key: str, *, source: str, **fields: Any) -> Receipt:
    """Insert the mail's row, or return the row of the same mail received before."""
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(message_key=key, source=source, **fields)
    except IntegrityError:
        return Receipt(InboundMessage.objects.get(message_key=key), duplicate=True)
    return Receipt(row)


def _decide(log: InboundMessage, parsed: ParsedMail, raw: bytes) -> None:
    own_domain = "@" + settings.EMAIL_MESSAGE_ID_DOMAIN.lower()
    if parsed.loop_reason:
        return _finish(log, InboundOutcome.IGNORED, parsed.loop_reason)
    if parsed.message_id.lower().endswith(own_domain):
        return _finish(log, InboundOutcome.IGNORED, "own_message")
    since = log.received_at - timedelta(hours=1)
    recent = InboundMessage.objects.filter(sender=parsed.sender, received_at__gte=since)
    if recent.exclude(pk=log.pk).count() >= settings.INBOUND_MAIL_MAX_PER_SENDER_HOUR:
        return _finish(log, InboundOutcome.REJECTED, "rate_limited")
    if len(parsed.files) > settings.INBOUND_MAIL_MAX_ATTACHMENTS:
        return _finish(log, InboundOutcome.REJECTED, "too_many_attachments")
    sender = sender_lookup(parsed.sender)
    log.organization, log.contact = sender.organization, sender.contact
    if sender.user is not None:
        return _deliver(log, parsed, actor=sender.user, strict=False)
    if sender.contact is not None and _accepts_contact(parsed, sender.contact):
        return _deliver(log, parsed, actor=None, strict=False)
    if sender.contact is not None:
        reason = "contact_without_login"
    elif sender.ambiguous:
        reason = "ambiguous_sender"
    else:
        reason = "unknown_sender"
        if settings.INBOUND_MAIL_UNKNOWN_SENDERS == "reject":
            return _finish(log, InboundOutcome.REJECTED, reason)
    log.raw = raw
    log.detail = {"preview": parsed.text[:PREVIEW_CHARS], "files": [f.name for f in parsed.files]}
    extra = ["raw", "organization", "contact", "detail"]
    return _finish(log, InboundOutcome.HELD, reason, extra=extra)


def _accepts_contact(parsed: ParsedMail, contact: Contact) -> bool:
    """A known contact without a portal login may open a ticket by mail
    (``INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN=accept``, the default). A mail answering one of
    the organization's open tickets is still held: without a login the contact cannot
    see the conversation, so an agent decides whether it becomes a public reply."""
    if settings.INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN != "accept":
        return False
    ticket = thread_ticket(parsed, contact.organization)
    return ticket is None or ticket.status in FINAL_STATUSES


def sender_lookup(address: str) -> Sender:
    """An active customer user of an active organization with this address (any case), else
    a contact of one; two organizations claiming the address is ambiguous."""
    users = list(
        User.objects.filter(
            email__iexact=address,
            is_active=True,
            role="customer",
            organization__is_active=True,
        ).select_related("organization", "contact")[:2]
    )
    if len(users) == 1:
        found = users[0]
        return Sender(
            user=found, contact=getattr(found, "contact", None), organization=found.organization
        )
    contacts = list(
        Contact.objects.filter(email__iexact=address, organization__is_active=True)
        .select_related("organization", "user")
        .order_by("pk")[:2]
    )
    if len(users) > 1 or len(contacts) > 1:
        return Sender(ambiguous=True)
    if contacts:
        contact = contacts[0]
        portal = contact.user if is_customer_user(contact.user) else None
        return Sender(user=portal, contact=contact, organization=contact.organization)
    return Sender()


def _deliver(
    log: InboundMessage,
    parsed: ParsedMail,
    *,
    actor: User | None,
    strict: bool,
    as_note: bool = False,
) -> None:
    """The ticket or reply, written as ``actor``; a refusal by the services is recorded
    (or, ``strict``, raised to the agent who accepted the mail). ``actor`` None: a new
    ticket of the log's contact, recorded by the system (``ticket_create_for_contact``)."""
    organization = log.organization
    assert organization is not None
    uploads, dropped = _uploads(parsed)
    body = parsed.text
    if dropped:
        names = ", ".join(item["name"] for item in dropped)
        body += "\n\n" + _("[Attachments not kept: %(names)s]") % {"names": names}
    ticket = thread_ticket(parsed, organization)
    detail: dict[str, Any] = {"dropped": dropped} if dropped else {}
    try:
        with transaction.atomic():
            if actor is None:
                assert log.contact is not None
                if ticket is not None:
                    detail["follow_up_of"] = ticket.number
                log.ticket = ticket_create_for_contact(
                    contact=log.contact,
                    title=_clean_subject(parsed.subject) or _("(no subject)"),
                    description=body,
                    attachments=uploads,
                )
                outcome = InboundOutcome.CREATED
            elif ticket is not None and ticket.status not in FINAL_STATUSES:
                body = strip_quoted(body)
                if as_note:
                    body = _("Mail from %(sender)s:") % {"sender": log.sender} + "\n\n" + body
                comment = comment_add(
                    ticket,
                    actor=actor,
                    body=body.strip() or _("(empty message)"),
                    is_internal=as_note,
                    attachments=uploads,
                )
                log.ticket, log.comment = ticket, comment
                outcome = InboundOutcome.REPLIED
            else:
                if ticket is not None:
                    detail["follow_up_of"] = ticket.number
                log.ticket = ticket_create(
                    actor=actor,
                    title=_clean_subject(parsed.subject) or _("(no subject)"),
                    kind=TicketKind.SERVICE_REQUEST,
                    channel=Channel.EMAIL,
                    organization=organization,
                    contact=log.contact,
                    description=body,
                    attachments=uploads,
                )
                outcome = InboundOutcome.CREATED
    except DomainError as err:
        if strict:
            raise
        log.detail = {**detail, "error": str(err.message)}
        return _finish(log, InboundOutcome.REJECTED, err.code, extra=["detail"])
    log.detail = detail
    _finish(log, outcome, "", extra=["detail", "ticket", "comment", "organization", "contact"])


def thread_ticket(parsed: ParsedMail, organization: Organization) -> Ticket | None:
    """The sender's organization's ticket this mail answers: a number in the subject, our
    ticket thread id or one of our notification Message-IDs in In-Reply-To/References."""
    domain = "@" + settings.EMAIL_MESSAGE_ID_DOMAIN.lower()
    numbers, outbox_ids = list(parsed.ticket_numbers), []
    for ref in parsed.references:
        local, _at, host = ref.rpartition("@")
        if "@" + host.lower() != domain:
            continue
        kind, _dot, rest = local.partition(".")
        if kind == "ticket":
            numbers.append(rest)
        elif kind == "outbox" and rest.partition(".")[0].isdigit():
            outbox_ids.append(int(rest.partition(".")[0]))
    if outbox_ids:
        ticket_ids = OutboxMessage.objects.filter(pk__in=outbox_ids[:20]).values_list(
            "payload__ticket_id", flat=True
        )
        ids = [value for value in ticket_ids if isinstance(value, int)]
    else:
        ids = []
    if not (numbers or ids):
        return None
    return (
        Ticket.objects.filter(organization=organization)
        .filter(Q(number__in=numbers[:20]) | Q(pk__in=ids))
        .order_by("-created_at", "-pk")
        .first()
    )


def _uploads(parsed: ParsedMail) -> tuple[list[SimpleUploadedFile], list[dict[str, str]]]:
    """The attached files that pass the upload rules; the others by name and reason."""
    kept, dropped = [], []
    for item in parsed.files:
        upload = SimpleUploadedFile(item.name, item.data, content_type=item.content_type)
        try:
            if item.content_type in BLOCKED_TYPES:
                raise ValidationFailed(_("File type not allowed."), code="attachment_type")
            validate_attachment(upload)
        except ValidationFailed as err:
            dropped.append({"name": item.name, "reason": err.code})
        else:
            kept.append(upload)
    return kept, dropped


def _clean_subject(subject: str) -> str:
    text = one_line(subject)
    while text[:3].lower() in ("re:", "fw:") or text[:4].lower() == "fwd:":
        text = text.partition(":")[2].strip()
    return text[:200]


def _finish(
    log: InboundMessage, outcome: str, reason: str, *, extra: list[str] | None = None
) -> None:
    log.outcome, log.reason = outcome, reason
    if outcome != InboundOutcome.HELD:
        log.raw = b""
    log.save(update_fields=["outcome", "reason", "raw", *(extra or [])])


def _held(message: InboundMessage, actor: User) -> InboundMessage:
    if not can_log_call(actor):
        raise NotAllowed(_("Only service agents and managers decide on held mail."))
    log = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if log.outcome != InboundOutcome.HELD:
        raise Conflict(_("This mail has been handled already."), code="inbound_decided")
    return log


@transaction.atomic
def inbound_mail_accept(
    message: InboundMessage,
    *,
    actor: User,
    organization: Organization,
    contact: Contact | None = None,
    new_contact_name: str = "",
) -> InboundMessage:
    """Accept a held mail for an organization (and a contact, chosen or created from the
    sender). With the contact's portal user it is processed as their mail; otherwise the
    agent records it: a new ticket for the contact, or an internal note on its ticket."""
    log = _held(message, actor)
    if contact is not None and contact.organization_id != organization.pk:
        raise ValidationFailed(
            _("This contact belongs to another organization."),
            fields={"contact": [_("Choose a contact of the organization.")]},
        )
    if contact is None and one_line(new_contact_name):
        contact = Contact.objects.create(
            organization=organization, name=one_line(new_contact_name)[:120], email=log.sender
        )
    try:
        parsed = parse_mail(bytes(log.raw))
    except Unparseable:  # held mails were parsed once; kept only for completeness
        raise ValidationFailed(
            _("The mail can no longer be read."), code="unparseable_mail"
        ) from None
    log.organization, log.contact = organization, contact
    log.decided_by, log.decided_at = actor, timezone.now()
    user = contact.user if contact is not None else None
    if user is not None and is_customer_user(user) and user.organization_id == organization.pk:
        _deliver(log, parsed, actor=user, strict=True)
    else:
        _deliver(log, parsed, actor=actor, strict=True, as_note=True)
    log.save(update_fields=["decided_by", "decided_at"])
    return log


@transaction.atomic
def inbound_mail_reject(message: InboundMessage, *, actor: User) -> InboundMessage:
    """Reject a held mail: nothing is created; the row keeps who rejected it and when."""
    log = _held(message, actor)
    log.decided_by, log.decided_at = actor, timezone.now()
    _finish(log, InboundOutcome.REJECTED, "rejected_by_staff", extra=["decided_by", "decided_at"])
    return log
