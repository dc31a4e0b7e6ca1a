"""受理: recording a request, and editing its fields afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import Contact, Organization, Product, ProductVersion, User
from servicedesk.text import one_line
from sla.services import clocks_plan, clocks_retarget, clocks_save

from ..choices import Channel, EventKind, Severity, TicketKind, TicketStatus
from ..models import Ticket, TicketEvent
from ._common import (
    _contract_for,
    _event,
    _lock,
    _next_number,
    _notify_requester,
    _plain,
    _require_party,
    _save,
    _set_deadlines,
    _store_attachments,
    validate_attachment,
)

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


def _intake_errors(
    *,
    organization: Organization | None,
    contact: Contact | None,
    title: str,
    kind: str,
    channel: str,
    severities: dict[str, str | None],
    product: Product | None,
    product_version: ProductVersion | None,
) -> dict[str, list[str]]:
    """Every field error of a new request at once; nothing is written while there are any."""
    errors: dict[str, list[str]] = {}
    if organization is None:
        errors["organization"] = [_("An organization is required.")]
    if not (title or "").strip():
        errors["title"] = [_("A title is required.")]
    if kind not in TicketKind.values:
        errors["kind"] = [_("Unknown kind.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    for field, value in severities.items():
        if value and value not in Severity.values:
            errors[field] = [_("Unknown severity.")]
    if contact and organization and contact.organization_id != organization.pk:
        errors["contact"] = [_("This contact belongs to another organization.")]
    if product_version and product and product_version.product_id != product.pk:
        errors["product_version"] = [_("This version belongs to another product.")]
    return errors


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
    if party == "customer":
        organization = actor.organization
        contact = getattr(actor, "contact", None)
    return _record_request(
        actor=actor,
        party=party,
        title=title,
        kind=kind,
        channel=channel,
        organization=organization,
        contact=contact,
        product=product,
        product_version=product_version,
        description=description,
        occurred_at=occurred_at,
        impact=impact,
        area=area,
        proposed_severity=proposed_severity,
        severity=severity,
        attachments=attachments,
        first_contact_resolution=first_contact_resolution,
    )


@transaction.atomic
def ticket_create_for_contact(
    *,
    contact: Contact,
    title: str,
    description: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """A request mailed by a known contact who has no portal login (inbound mail): recorded
    by the system (no actor) for the contact's organization, with the contact on the ticket
    as the requester's contact; the contact is mailed the number like any requester. What
    a customer may not set (severity, organization) is not taken from the mail."""
    return _record_request(
        actor=None,
        party="contact",
        title=title,
        kind=TicketKind.SERVICE_REQUEST,
        channel=Channel.EMAIL,
        organization=contact.organization,
        contact=contact,
        description=description,
        attachments=attachments,
    )


def _record_request(
    *,
    actor: User | None,
    party: str,
    title: str,
    kind: str,
    channel: str,
    organization: Organization | None,
    contact: Contact | None,
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
    """The one body of a new ticket. ``party``: "staff", "customer" (a portal user) or
    "contact" (the system on behalf of a contact without a login; ``actor`` None)."""
    if party in ("customer", "contact"):
        severity = None
        if channel not in (Channel.PORTAL, Channel.API, Channel.EMAIL):
            channel = Channel.PORTAL
    if product_version is not None and product is None:
        product = product_version.product
    errors = _intake_errors(
        organization=organization,
        contact=contact,
        title=title,
        kind=kind,
        channel=channel,
        severities={"proposed_severity": proposed_severity, "severity": severity},
        product=product,
        product_version=product_version,
    )
    now = timezone.now()
    contract = _contract_for(organization, product, now) if organization else None
    if party != "staff" and product is not None and contract is None:
        errors["product"] = [_("Your organization has no service contract for this product.")]
    if errors:
        raise ValidationFailed(_("The request has errors."), fields=errors)
    assert organization is not None  # an error above otherwise
    for upload in attachments:
        validate_attachment(upload)

    effective = severity or proposed_severity or Severity.L4
    clocks, due = clocks_plan(
        contract_id=contract.pk if contract else None, severity=effective, at=now
    )
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
        title=one_line(title),
        description=description,
        occurred_at=occurred_at,
        impact=impact,
        area=area,
        proposed_severity=proposed_severity or "",
        severity=effective,
        severity_confirmed=bool(severity),
        created_by=actor,
        created_at=now,
        response_due_at=due.response_due_at,
        resolution_due_at=due.resolution_due_at,
        sla_due_at=due.next_due_at,
        first_contact_resolution=first_contact_resolution,
    )
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.CREATED,
        created_at=now,
        data={
            "number": ticket.number,
            "kind": kind,
            "channel": channel,
            "severity": effective,
            **(
                {"contact": contact.pk, "via": "inbound_mail"}
                if contact and party == "contact"
                else {}
            ),
        },
    )
    clocks_save(ticket.pk, clocks, actor=actor)
    ticket.sla_clocks = clocks  # type: ignore[attr-defined]  # the response needs no re-read
    if attachments:
        _store_attachments(ticket, actor, attachments, None, internal=False)
    _notify_requester(
        ticket,
        "ticket.created",
        created_at=now.isoformat(),
        severity=effective,
        response_due_at=due.response_due_at.isoformat() if due.response_due_at else None,
        resolution_due_at=due.resolution_due_at.isoformat() if due.resolution_due_at else None,
    )
    return ticket


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
    if "title" in changes:
        changes = {**changes, "title": one_line(changes["title"] or "")}
    if "title" in changes and not changes["title"]:
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
        deadlines = clocks_retarget(
            ticket.pk, severity=ticket.severity, at=timezone.now(), actor=actor
        )
        _set_deadlines(ticket, deadlines, fields)
    if fields:
        _save(ticket, fields)
        TicketEvent.objects.bulk_create(events)
    return ticket
