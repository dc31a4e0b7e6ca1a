"""Receivers of the ticket signals (connected in apps.py); they run in the ticket service's
transaction and call the surveys' services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tickets.models import Ticket

from . import services


def on_ticket_resolved(
    sender: Any, *, ticket: Ticket, at: datetime, **kwargs: Any
) -> dict[str, Any] | None:
    """The per-case invitation; its link is returned for the resolution notice to carry."""
    return services.resolution_link(services.invitation_for_resolved(ticket, at=at))


def on_ticket_closed(
    sender: Any, *, ticket: Ticket, at: datetime, rated: bool = False, **kwargs: Any
) -> None:
    services.invitation_for_closed(ticket, at=at, rated=rated)
