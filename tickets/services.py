"""Every state change of a ticket. The only write path: pages, API, commands and tasks call
these functions. Each one locks the ticket row, checks the rules, writes, records audit
events and outbox rows, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import NotAllowed, NotFound, StaleVersion, ValidationFailed
from servicedesk.models import Contact, Contract, Organization, Product, ProductVersion, Team, User
from servicedesk.services import outbox_enqueue
from sla.defaults import default_due_times

from .choices import Channel, EventKind, Severity, TicketKind, TicketStatus, TriageDecision
from .models import Attachment, Comment, HotlineCall, Ticket, TicketEvent, TicketNumberSequence
from .permissions import (
    can_assign,
    can_log_call,
    can_triage,
    is_customer_user,
    is_staff_user,
    party_of,
    ticket_visibility_q,
)
from .workflow import REOPENING, assert_can_transition, comment_required

STAFF_EDITABLE = frozenset(
    {
        "title",
        "description",
        "impact",
        "occurred_at",
        "kind",
        "product",
        "product_version",
        "area",
        "severity",
    }
)
CUSTOMER_EDITABLE = frozenset({"title", "description", "impact", "occurred_at"})
CUSTOMER_EDITABLE_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.ACCEPTED})


# --------------------------------------------------------------------------- helpers


def _event(
    ticket: Ticket, actor: User | None, kind: str, internal: bool = False, **data: Any
) -> TicketEvent:
    return TicketEvent(ticket=ticket, actor=actor, kind=kind, data=data, is_internal=internal)


def _next_number(now: datetime) -> str:
    """``SD-<year>-<6 digits>``; the year row is locked until commit, so numbers never repeat."""
    year = timezone.localtime(now).year
    if not TicketNumberSequence.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                TicketNumberSequence.objects.create(year=year, last=1)
        except IntegrityError:  # another transaction created the year's row first
            TicketNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = TicketNumberSequence.objects.values_list("last", flat=True).get(year=year)
    return f"SD-{year}-{last:06d}"


def _lock(ticket: Ticket, expected_version: int | None, actor: User | None = None) -> Ticket:
    """Re-read the ticket under a row lock; a second line of defence re-checks visibility."""
    qs = Ticket.objects.select_for_update()
    if actor is not None:
        qs = qs.filter(ticket_visibility_q(actor))
    try:
        locked = qs.get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersion(
            _(
                "This ticket was changed by someone else (version %(current)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {"current": locked.version, "sent": expected_version},
            extra={"current_version": locked.version},
        )
    return locked


def _save(ticket: Ticket, fields: Iterable[str]) -> None:
    ticket.version += 1
    ticket.save(update_fields=[*set(fields), "version", "updated_at"])


def _require_party(actor: User) -> str:
    party = party_of(actor)
    if party is None:
        raise NotAllowed(_("You may not change tickets."))
    return party


def validate_attachment(upload: UploadedFile) -> None:
    name = upload.name or ""
    ext = PurePath(name).suffix.lower().lstrip(".")
    if ext not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        raise ValidationFailed(
            _("Files of type “.%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": ext or "?", "allowed": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS)},
            code="attachment_type",
            fields={"file": [_("File type not allowed.")]},
        )
    if upload.size is None or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            _("“%(name)s” is larger than %(limit)d MB.")
            % {"name": name, "limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="attachment_too_large",
            fields={"file": [_("File too large.")]},
        )


def _store_attachments(
    ticket: Ticket,
    actor: User,
    uploads: Sequence[UploadedFile],
    comment: Comment | None,
    internal: bool,
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            ticket=ticket,
            comment=comment,
            original_name=_short_name(PurePath(upload.name or "file").name),
            content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
            size=upload.size or 0,
            uploaded_by=actor,
            is_internal=internal,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _short_name(name: str, limit: int = 200) -> str:
    """A file name that fits the column, keeping its extension."""
    if len(name) <= limit:
        return name
    suffix = PurePath(name).suffix[:20]
    return name[: limit - len(suffix)] + suffix


def _notify_requester(ticket: Ticket, topic: str, **payload: Any) -> None:
    email = ticket.requester.email if ticket.requester_id and ticket.requester else ""
    if not email and ticket.contact_id and ticket.contact:
        email = ticket.contact.email
    outbox_enqueue(
        topic=topic,
        recipient=email,
        payload={"ticket": ticket.number, "title": ticket.title, **payload},
    )


def _contract_for(
    organization: Organization, product: Product | None, when: datetime
) -> Contract | None:
    if product is None:
        return None
    day = timezone.localdate(when)
    return (
        Contract.objects.filter(
            organization=organization, products=product, starts_on__lte=day, ends_on__gte=day
        )
        .order_by("-starts_on")
        .first()
    )


# --------------------------------------------------------------------------- create


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    title: str,
    kind: str,
    channel: str,
    organization: Organization | None = None,
    contact: Contact | None = None,
    product: Product | None = None,
    product_version: ProductVersion | None = None,
    description: str = "",
    occurred_at: datetime | None = None,
    impact: str = "",
    area: str = "",
    proposed_severity: str = "",
    severity: str | None = None,
    attachments: Sequence[UploadedFile] = (),
    first_contact_resolution: bool = False,
) -> Ticket:
    """Record a request (受理). The customer gets the number and expected handling time."""
    party = _require_party(actor)
    errors: dict[str, list[str]] = {}
    if party == "customer":
        organization = actor.organization
        contact = getattr(actor, "contact", None)
        severity = None
        if channel not in (Channel.PORTAL, Channel.API):
            channel = Channel.PORTAL
    if organization is None:
        errors["organization"] = [_("An organization is required.")]
    if not (title or "").strip():
        errors["title"] = [_("A title is required.")]
    if kind not in TicketKind.values:
        errors["kind"] = [_("Unknown kind.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    for field, value in (("proposed_severity", proposed_severity), ("severity", severity)):
        if value and value not in Severity.values:
            errors[field] = [_("Unknown severity.")]
    if (
        contact is not None
        and organization is not None
        and contact.organization_id != organization.pk
    ):
        errors["contact"] = [_("This contact belongs to another organization.")]
    if product_version is not None:
        if product is None:
            product = product_version.product
        elif product_version.product_id != product.pk:
            errors["product_version"] = [_("This version belongs to another product.")]
    now = timezone.now()
    contract = _contract_for(organization, product, now) if organization else None
    if party == "customer" and product is not None and contract is None:
        errors["product"] = [_("Your organization has no service contract for this product.")]
    if errors:
        raise ValidationFailed(_("The request has errors."), fields=errors)
    assert organization is not None  # an error above otherwise
    for upload in attachments:
        validate_attachment(upload)

    effective = severity or proposed_severity or Severity.L4
    response_due, resolution_due = default_due_times(effective, now)
    ticket = Ticket.objects.create(
        number=_next_number(now),
        organization=organization,
        contact=contact,
        requester=actor if party == "customer" else (contact.user if contact else None),
        contract=contract,
        product=product,
        product_version=product_version,
        kind=kind,
        channel=channel,
        title=title.strip(),
        description=description,
        occurred_at=occurred_at,
        impact=impact,
        area=area,
        proposed_severity=proposed_severity or "",
        severity=effective,
        severity_confirmed=bool(severity),
        created_by=actor,
        created_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        first_contact_resolution=first_contact_resolution,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.CREATED,
        created_at=now,
        data={"number": ticket.number, "kind": kind, "channel": channel, "severity": effective},
    )
    if attachments:
        _store_attachments(ticket, actor, attachments, None, internal=False)
    _notify_requester(ticket, "ticket.created", resolution_due_at=resolution_due.isoformat())
    return ticket


# --------------------------------------------------------------------------- update


@transaction.atomic
def ticket_update(
    ticket: Ticket, *, actor: User, changes: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Edit the allowed fields; every changed field is an audit event."""
    party = _require_party(actor)
    ticket = _lock(ticket, expected_version, actor)
    allowed = STAFF_EDITABLE if party == "staff" else CUSTOMER_EDITABLE
    forbidden = sorted(set(changes) - allowed)
    if forbidden:
        raise NotAllowed(
            _("You may not change: %(fields)s.") % {"fields": ", ".join(forbidden)},
            fields={f: [_("Not editable.")] for f in forbidden},
        )
    if party == "customer" and ticket.status not in CUSTOMER_EDITABLE_STATUSES:
        raise NotAllowed(_("The request can no longer be edited; add a reply instead."))
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValidationFailed(_("A title is required."), fields={"title": [_("Required.")]})
    product = changes.get("product", ticket.product)
    version = changes.get("product_version", ticket.product_version)
    if version is not None and product is not None and version.product_id != product.pk:
        raise ValidationFailed(
            _("This version belongs to another product."),
            fields={"product_version": [_("Does not match the product.")]},
        )
    events, fields = [], []
    for field, new in changes.items():
        old = getattr(ticket, field)
        if field == "severity":
            if new not in Severity.values:
                raise ValidationFailed(_("Unknown severity."), fields={field: [_("Unknown.")]})
            if not ticket.severity_confirmed:
                ticket.severity_confirmed = True
                fields.append("severity_confirmed")
        if old == new:
            continue
        setattr(ticket, field, new)
        fields.append(field)
        events.append(
            _event(
                ticket,
                actor,
                EventKind.FIELD_CHANGED,
                field=field,
                old=_plain(old),
                new=_plain(new),
            )
        )
    if "severity" in fields:
        ticket.response_due_at, ticket.resolution_due_at = default_due_times(
            ticket.severity, ticket.created_at
        )
        fields += ["response_due_at", "resolution_due_at"]
    if fields:
        _save(ticket, fields)
        TicketEvent.objects.bulk_create(events)
    return ticket


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- conversation


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
    if party == "staff" and not is_internal and ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    if party == "customer" and ticket.status == TicketStatus.WAITING_CUSTOMER:
        events.append(
            _event(
                ticket,
                actor,
                EventKind.TRANSITION,
                old=ticket.status,
                new=TicketStatus.IN_PROGRESS,
                reason="customer_reply",
            )
        )
        ticket.status = TicketStatus.IN_PROGRESS
        fields.append("status")
    _save(ticket, fields)
    TicketEvent.objects.bulk_create(events)
    if party == "staff" and not is_internal:
        _notify_requester(ticket, "ticket.replied", comment=comment.pk)
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


# --------------------------------------------------------------------------- workflow


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
    comment_row = None
    if comment:
        comment_row = Comment.objects.create(
            ticket=ticket, author=actor, body=comment, created_at=now
        )
        if party == "staff" and ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
    _save(ticket, fields)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.TRANSITION,
        created_at=now,
        data={"old": current, "new": to_status, "comment": comment_row.pk if comment_row else None},
    )
    _notify_requester(ticket, "ticket.status_changed", old=current, new=to_status)
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


# --------------------------------------------------------------------------- triage, assignment


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
        events.append(
            _event(
                ticket,
                actor,
                EventKind.TRANSITION,
                old=ticket.status,
                new=TicketStatus.ACCEPTED,
                reason="assigned",
            )
        )
        ticket.status = TicketStatus.ACCEPTED
        fields.append("status")
    _save(ticket, fields)
    TicketEvent.objects.bulk_create(events)
    if assignee is not None and assignee.email:
        outbox_enqueue(
            topic="ticket.assigned",
            recipient=assignee.email,
            payload={"ticket": ticket.number, "title": ticket.title},
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


# --------------------------------------------------------------------------- hotline


@transaction.atomic
def hotline_call_log(
    *,
    actor: User,
    caller_phone: str,
    notes: str,
    external_call_id: str | None = None,
    caller_name: str = "",
    organization: Organization | None = None,
    contact: Contact | None = None,
    resolved_on_first_contact: bool = False,
    title: str = "",
    kind: str = TicketKind.CONSULTATION,
    product: Product | None = None,
    severity: str | None = None,
    started_at: datetime | None = None,
) -> tuple[HotlineCall, bool]:
    """Log a call (热线值班记录) and open its ticket; idempotent on ``external_call_id``.

    Returns (call, created). A call resolved on first contact opens a ticket that is
    resolved at once, so first-contact resolution is measurable.
    """
    if not can_log_call(actor):
        raise NotAllowed(_("You may not log hotline calls."))
    if external_call_id:
        existing = HotlineCall.objects.filter(external_call_id=external_call_id).first()
        if existing:
            return existing, False
    if not (caller_phone or "").strip() or not (notes or "").strip():
        raise ValidationFailed(
            _("The caller's phone and the call notes are required."),
            fields={
                **({"caller_phone": [_("Required.")]} if not (caller_phone or "").strip() else {}),
                **({"notes": [_("Required.")]} if not (notes or "").strip() else {}),
            },
        )
    if contact is None and organization is None:
        contact = (
            Contact.objects.select_related("organization")
            .filter(phone=caller_phone.strip())
            .first()
        )
    if contact is not None:
        if organization is not None and contact.organization_id != organization.pk:
            raise ValidationFailed(
                _("This contact belongs to another organization."),
                fields={"contact": [_("Wrong organization.")]},
            )
        organization = contact.organization
    ticket = None
    if organization is not None:
        ticket = ticket_create(
            actor=actor,
            title=title or notes.strip().splitlines()[0][:200],
            kind=kind,
            channel=Channel.HOTLINE,
            organization=organization,
            contact=contact,
            product=product,
            description=notes,
            severity=severity,
            first_contact_resolution=resolved_on_first_contact,
        )
        if resolved_on_first_contact:
            ticket = ticket_transition(
                ticket, actor=actor, to_status=TicketStatus.RESOLVED, comment=notes
            )
    try:
        with transaction.atomic():
            call = HotlineCall.objects.create(
                external_call_id=external_call_id or None,
                caller_phone=caller_phone.strip(),
                caller_name=caller_name,
                organization=organization,
                contact=contact,
                notes=notes,
                resolved_on_first_contact=resolved_on_first_contact,
                ticket=ticket,
                agent=actor,
                started_at=started_at or timezone.now(),
            )
    except IntegrityError:
        # A concurrent retry with the same call id won; roll our ticket back with us.
        winner = HotlineCall.objects.get(external_call_id=external_call_id)
        transaction.set_rollback(True)
        return winner, False
    return call, True
