from __future__ import annotations

import re

import pytest

from servicedesk.models import OutboxMessage
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

LINK = re.compile(r"/s/([0-9a-f]{64})/")


def create_ticket(customer, product, severity="L3", title="Invoices fail to print"):
    return services.ticket_create(
        actor=customer,
        title=title,
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity=severity,
    )


def resolve(ticket, engineer):
    return services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Patched the driver."
    )


def last_token(recipient: str | None = None) -> str:
    """The token of the newest survey link mailed (to ``recipient``): a per-case link rides in
    the resolution notice (``survey_path``), the others in a survey invitation."""
    rows = OutboxMessage.objects.filter(
        topic__in=["survey.invitation", "ticket.resolved"]
    ).order_by("-id")
    if recipient:
        rows = rows.filter(recipient=recipient)
    for row in rows:
        match = LINK.search(row.payload.get("survey_path") or row.payload.get("path") or "")
        if match:
            return match.group(1)
    raise AssertionError("no survey link was mailed")


@pytest.fixture
def resolved(customer, product, engineer):
    return resolve(create_ticket(customer, product), engineer)
