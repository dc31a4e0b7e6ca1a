"""Inbound mail from a known contact without a portal login: a new request becomes a ticket
for the contact's organization (INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN=accept, the default);
unknown senders, contacts of inactive organizations and replies to open tickets are still
held; the contact's organization only ever sees its own ticket."""

from __future__ import annotations

import pytest

from servicedesk.models import OutboxMessage
from tests import factories as f
from tickets.choices import Channel, EventKind, TicketKind, TicketStatus
from tickets.models import Attachment, InboundOutcome, Ticket, TicketEvent
from tickets.services import inbound_mail_receive

from .inbound_support import raw_mail

pytestmark = pytest.mark.django_db

PDF = ("report.pdf", "application/pdf", b"%PDF-1.4 test")


@pytest.fixture
def contact(org):
    return f.ContactFactory(organization=org, name="Wang Wu", email="wang@customer.example")


def test_a_contact_without_a_login_gets_a_ticket_for_their_organization(org, contact):
    raw = raw_mail(sender="Wang@Customer.example", files=[PDF])
    log = inbound_mail_receive(raw, source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.CREATED, "")
    ticket = Ticket.objects.get()
    assert log.ticket == ticket and (log.organization, log.contact) == (org, contact)
    assert (ticket.organization, ticket.contact, ticket.requester) == (org, contact, None)
    assert (ticket.channel, ticket.kind) == (Channel.EMAIL, TicketKind.SERVICE_REQUEST)
    assert ticket.created_by is None and not ticket.severity_confirmed
    assert ticket.title == "Printer module hangs" and ticket.response_due_at is not None
    created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
    assert created.actor is None
    assert created.data["contact"] == contact.pk and created.data["via"] == "inbound_mail"
    assert [a.original_name for a in Attachment.objects.filter(ticket=ticket)] == ["report.pdf"]
    # the contact is told the number, in their organization's language
    mail = OutboxMessage.objects.get(topic="ticket.created")
    assert mail.recipient == "wang@customer.example" and mail.payload["ticket"] == ticket.number
    assert bytes(log.raw) == b""


def test_the_setting_hold_keeps_the_old_behaviour(org, contact, settings):
    settings.INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN = "hold"
    log = inbound_mail_receive(raw_mail(sender=contact.email), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "contact_without_login")
    assert not Ticket.objects.exists()


def test_unknown_senders_are_still_held(org, contact):
    log = inbound_mail_receive(raw_mail(sender="who@elsewhere.example"), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "unknown_sender")
    assert not Ticket.objects.exists() and not OutboxMessage.objects.exists()


def test_a_contact_of_an_inactive_organization_is_held(org, contact):
    org.is_active = False
    org.save()
    log = inbound_mail_receive(raw_mail(sender=contact.email), source="imap").message
    assert log.outcome == InboundOutcome.HELD and log.reason == "unknown_sender"
    assert not Ticket.objects.exists()


def test_an_address_two_organizations_share_is_still_ambiguous(org, other_org, contact):
    f.ContactFactory(organization=other_org, email=contact.email)
    log = inbound_mail_receive(raw_mail(sender=contact.email), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "ambiguous_sender")


def test_a_reply_to_an_open_ticket_is_held_but_to_a_closed_one_opens_a_new(org, contact, engineer):
    first = inbound_mail_receive(raw_mail(sender=contact.email), source="imap").message.ticket
    reply = raw_mail(
        sender=contact.email, subject=f"Re: [{first.number}] hang", message_id="<r1@c.example>"
    )
    log = inbound_mail_receive(reply, source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "contact_without_login")
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.CLOSED)
    again = raw_mail(
        sender=contact.email, subject=f"Re: [{first.number}] hang", message_id="<r2@c.example>"
    )
    log = inbound_mail_receive(again, source="imap").message
    assert log.outcome == InboundOutcome.CREATED and log.ticket != first
    assert log.detail["follow_up_of"] == first.number


def test_the_same_mail_twice_makes_one_ticket(org, contact):
    raw = raw_mail(sender=contact.email, message_id="<same@c.example>")
    inbound_mail_receive(raw, source="imap")
    assert inbound_mail_receive(raw, source="gateway").duplicate
    assert Ticket.objects.count() == 1


def test_another_organizations_customer_never_sees_it(org, contact, other_customer, client):
    ticket = inbound_mail_receive(raw_mail(sender=contact.email), source="imap").message.ticket
    assert not Ticket.objects.visible_to(other_customer).filter(pk=ticket.pk).exists()
    client.force_login(other_customer)
    assert client.get(f"/portal/tickets/{ticket.number}/").status_code == 404
