"""The hotline duty log (热线值班记录): calls, and the tickets they open."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import Contact, Organization, Product, User
from servicedesk.permissions import can_log_call

from ..choices import Channel, TicketKind, TicketStatus
from ..models import HotlineCall
from .intake import ticket_create
from .lifecycle import ticket_transition


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
