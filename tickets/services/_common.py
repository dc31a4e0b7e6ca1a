"""Helpers shared by the ticket services: locking, numbering, events, files, mail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, StaleVersion, ValidationFailed
from servicedesk.models import Contract, Organization, Product, User
from servicedesk.notifications import (
    Recipient,
    notify,
    recipient_for_contact,
    recipient_for_user,
)
from servicedesk.webhooks import webhooks_enqueue
from sla.services import Deadlines, clocks_update

from ..choices import EventKind, TicketStatus
from ..models import Attachment, Comment, Ticket, TicketEvent, TicketNumberSequence
from ..permissions import (
    party_of,
    ticket_visibility_q,
)
from ..workflow import ALLOWED_TRANSITIONS, REOPENING

NUMBER_LOCK = 7_301  # pg_advisory_xact_lock class of the ticket number sequences


def _event(
    ticket: Ticket, actor: User | None, kind: str, internal: bool = False, **data: Any
) -> TicketEvent:
    return TicketEvent(ticket=ticket, actor=actor, kind=kind, data=data, is_internal=internal)


def _next_number(now: datetime) -> str:
    """``SD-<year>-<6 digits>``, never repeated.

    On PostgreSQL from a sequence per year (``nextval`` takes no lock, so concurrent
    creates do not queue behind each other's commit; a create that rolls back after taking
    its number leaves a gap). Elsewhere from the year's row of ``TicketNumberSequence``,
    locked until commit."""
    year = timezone.localtime(now).year
    last: int | None
    if connection.vendor == "postgresql":
        last = _sequence_next(year)
    else:
        last = _increment_number(year)
        if last is None:
            try:
                with transaction.atomic():
                    TicketNumberSequence.objects.create(year=year, last=1)
                    last = 1
            except IntegrityError:  # another transaction created the year's row first
                last = _increment_number(year)
    assert last is not None
    return f"SD-{year}-{last:06d}"


def _sequence_name(year: int) -> str:
    return f"tickets_number_{int(year)}"


def _sequence_next(year: int) -> int:
    """The year's next number: ``nextval`` in one round trip; the year's first number
    creates the sequence, starting after the year's ``TicketNumberSequence.last`` (numbers
    given before sequences were used, or by a bulk load that records its last number)."""
    name = _sequence_name(year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(to_regclass(%s))", [name])  # NULL if there is none
        (value,) = cursor.fetchone()
        if value is not None:
            return int(value)
        # One creator at a time (other creates of the year wait here, until it commits).
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NUMBER_LOCK, year])
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            floor = (
                TicketNumberSequence.objects.filter(year=year)
                .values_list("last", flat=True)
                .first()
            )
            cursor.execute(f"CREATE SEQUENCE {name} START {int(floor or 0) + 1}")
        cursor.execute("SELECT nextval(%s::regclass)", [name])
        return int(cursor.fetchone()[0])


def _increment_number(year: int) -> int | None:
    """``UPDATE ... SET last = last + 1 RETURNING last``: the new number in one round trip
    (None when the year has no row yet)."""
    table, last, year_ = map(
        connection.ops.quote_name, (TicketNumberSequence._meta.db_table, "last", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_} = %s RETURNING {last}",  # noqa: S608
            [year],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


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
    actor: User | None,
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


def _notify_requester(
    ticket: Ticket,
    topic: str,
    *,
    actor: User | None = None,
    personal: dict[str, dict[str, Any]] | None = None,
    **payload: Any,
) -> None:
    """Tell the ticket's requester (its portal user, else its contact) about an event, unless
    they caused it themselves. The link leads to the ticket in the portal. ``personal``
    (by lower-cased address) adds what only that person's mail may carry, such as a survey
    link: never published to webhooks."""
    ticket_publish(ticket, topic, payload)
    recipient: Recipient | None = None
    if ticket.requester_id and ticket.requester and ticket.requester.email:
        recipient = recipient_for_user(ticket.requester)
    elif ticket.contact_id and ticket.contact and ticket.contact.email:
        recipient = recipient_for_contact(ticket.contact)
    if recipient is None or (actor is not None and recipient.user == actor):
        return
    extra = (personal or {}).get(recipient.email.lower(), {})
    notify(recipient, topic, ticket_payload(ticket, recipient, **payload, **extra))


def notify_staff(ticket: Ticket, user: User, topic: str, **payload: Any) -> None:
    """Tell a member of staff about an event on a ticket; the link leads to the console."""
    ticket_publish(ticket, topic, payload)
    if not user.is_active:
        return
    recipient = recipient_for_user(user)
    notify(recipient, topic, ticket_payload(ticket, recipient, **payload))


def ticket_publish(ticket: Ticket, topic: str, payload: dict[str, Any]) -> None:
    """Send the event to the webhook endpoints subscribed to it (one row per endpoint)."""
    webhooks_enqueue(
        topic,
        {
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "title": ticket.title,
                "status": ticket.status,
                "severity": ticket.severity,
                "organization": ticket.organization_id,
            },
            **payload,
        },
    )


def ticket_payload(ticket: Ticket, recipient: Recipient, **payload: Any) -> dict[str, Any]:
    """What every ticket notification carries: enough to write a mail a person can read
    without opening the ticket (tickets/emails.py), and the link to open it."""
    if recipient.is_customer:
        path = reverse("portal:ticket", args=[ticket.number])
    else:
        path = reverse("staff:ticket", args=[ticket.pk])
    return {
        "ticket": ticket.number,
        "ticket_id": ticket.pk,
        "title": ticket.title,
        "path": path,
        **payload,
    }


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


def _set_deadlines(ticket: Ticket, deadlines: Deadlines, fields: list[str]) -> None:
    """Copy what the SLA clocks say onto the ticket (lists sort and filter on the copy)."""
    ticket.response_due_at = deadlines.response_due_at
    ticket.resolution_due_at = deadlines.resolution_due_at
    ticket.sla_due_at = deadlines.next_due_at
    fields += ["response_due_at", "resolution_due_at", "sla_due_at"]


def _sync_clocks(
    ticket: Ticket,
    actor: User | None,
    *,
    old_status: str,
    responded: bool,
    at: datetime,
    fields: list[str],
) -> None:
    """Tell the SLA clocks what a change did: the first public staff reply stops the response
    clock; waiting for the customer pauses both; leaving it resumes them; resolving stops
    both; reopening resumes the resolution clock; cancelling stops everything."""
    new = ticket.status
    stop: tuple[str, ...] = ()
    if responded:
        stop = ("response",)
    if new in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and old_status != new:
        stop = ("response", "resolution")
    resume = old_status == TicketStatus.WAITING_CUSTOMER and new != old_status
    reopen: tuple[str, ...] = ("resolution",) if (old_status, new) in REOPENING else ()
    pause: tuple[str, ...] = ()
    if new == TicketStatus.WAITING_CUSTOMER and old_status != new:
        pause = ("response", "resolution")
    cancel = new == TicketStatus.CANCELLED and old_status != new
    if not (resume or reopen or pause or stop or cancel):
        return
    deadlines = clocks_update(
        ticket.pk,
        at=at,
        actor=actor,
        resume=resume,
        reopen=reopen,
        pause=pause,
        stop=stop,
        cancel=cancel,
        reason="waiting_customer",
    )
    _set_deadlines(ticket, deadlines, fields)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _auto_transition(
    ticket: Ticket,
    actor: User | None,
    new_status: str,
    reason: str,
    events: list[TicketEvent],
    fields: list[str],
) -> None:
    """A status change that follows from another action (assigning a new ticket accepts it;
    a customer's reply resumes a waiting one). Checked against the declared table like any
    transition; the caller saves ``fields`` and writes ``events`` in its transaction."""
    if new_status not in ALLOWED_TRANSITIONS.get(ticket.status, {}):
        raise AssertionError(f"no transition {ticket.status} -> {new_status} in the table")
    events.append(
        _event(
            ticket, actor, EventKind.TRANSITION, old=ticket.status, new=new_status, reason=reason
        )
    )
    ticket.status = new_status
    fields.append("status")
