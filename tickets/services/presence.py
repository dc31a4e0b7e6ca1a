"""Presence on the staff ticket page: who has it open, who is writing a reply.

Not audited: a heartbeat is not a change of the ticket. One row per (ticket, user),
refreshed in place; rows of a ticket older than an hour are removed on the way.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servicedesk.models import User

from ..models import Ticket, TicketPresence

STALE_AFTER = timedelta(hours=1)


def presence_beat(ticket: Ticket, *, actor: User, state: str) -> None:
    """Record that ``actor`` has ``ticket`` open (``viewing``) or is writing (``replying``)."""
    if state not in (TicketPresence.VIEWING, TicketPresence.REPLYING):
        state = TicketPresence.VIEWING
    now = timezone.now()
    TicketPresence.objects.update_or_create(
        ticket=ticket, user=actor, defaults={"state": state, "seen_at": now}
    )
    TicketPresence.objects.filter(ticket=ticket, seen_at__lt=now - STALE_AFTER).delete()
