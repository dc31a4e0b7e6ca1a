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
    """The token of the newest survey invitation mail (to ``recipient``)."""
    rows = OutboxMessage.objects.filter(topic="survey.invitation").order_by("-id")
    if recipient:
        rows = rows.filter(recipient=recipient)
    match = LINK.search(rows.first().payload["path"])
    assert match
    return match.group(1)


@pytest.fixture
def resolved(customer, product, engineer):
    return resolve(create_ticket(customer, product), engineer)
