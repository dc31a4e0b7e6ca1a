"""Presence on the staff ticket page: who has it open, who is writing a reply.

Not audited: a heartbeat is not a change of the ticket. One row per (ticket, user),
refreshed in place; rows of a ticket older than an hour are removed on the way.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicedesk.models import User

from ..models import Ticket, TicketPresence

STALE_AFTER = timedelta(hours=1)


def presence_beat(ticket: Ticket, *, actor: User, state: str) -> None:
    """Record that ``actor`` has ``ticket`` open (``viewing``) or is writing (``replying``)."""
    if state not in (TicketPresence.VIEWING, TicketPresence.REPLYING):
        state = TicketPresence.VIEWING
    now = timezone.now()
    mine = TicketPresence.objects.filter(ticket=ticket, user=actor)
    if not mine.update(state=state, seen_at=now):  # the first beat of this user
        try:
            with transaction.atomic():
                TicketPresence.objects.create(ticket=ticket, user=actor, state=state, seen_at=now)
        except IntegrityError:  # a beat of another tab came first
            mine.update(state=state, seen_at=now)
    TicketPresence.objects.filter(ticket=ticket, seen_at__lt=now - STALE_AFTER).delete()
