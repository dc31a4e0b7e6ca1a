"""Email to ticket: the inbound service (tickets/services/inbound.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from servicedesk.errors import Conflict, NotAllowed, ValidationFailed
from servicedesk.models import Contact, OutboxMessage
from tests import factories as f
from tickets.choices import Channel, EventKind, TicketStatus
from tickets.models import Attachment, Comment, InboundMessage, InboundOutcome, Ticket, TicketEvent
from tickets.services import inbound_mail_accept, inbound_mail_receive, inbound_mail_reject

from .inbound_support import raw_mail

pytestmark = pytest.mark.django_db

PDF = ("report.pdf", "application/pdf", b"%PDF-1.4 test")


def test_a_customers_mail_becomes_an_email_ticket_with_clocks_and_files(customer):
    receipt = inbound_mail_receive(raw_mail(files=[PDF]), source="gateway")
    log = receipt.message
    assert not receipt.duplicate and log.outcome == InboundOutcome.CREATED
    ticket = Ticket.objects.get()
    assert log.ticket == ticket and ticket.channel == Channel.EMAIL
    assert ticket.organization == customer.organization and ticket.requester == customer
    assert ticket.title == "Printer module hangs"
    assert "The export hangs at 90%." in ticket.description
    assert ticket.response_due_at is not None  # SLA clocks as from the portal
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).exists()
    assert [a.original_name for a in Attachment.objects.filter(ticket=ticket)] == ["report.pdf"]
    assert OutboxMessage.objects.filter(topic="ticket.created").count() == 1
    assert bytes(log.raw) == b""  # only held mails keep their bytes


def test_the_address_matches_in_any_case(customer):
    inbound_mail_receive(raw_mail(sender="CUST@Example.COM"), source="gateway")
    assert Ticket.objects.get().requester == customer


def test_the_same_mail_twice_makes_one_ticket(customer):
    raw = raw_mail(message_id="<same@customer.example>")
    first = inbound_mail_receive(raw, source="imap")
    again = inbound_mail_receive(raw, source="gateway")
    assert again.duplicate and again.message.pk == first.message.pk
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_reply_twice_makes_one_comment(customer):
    ticket = inbound_mail_receive(raw_mail(), source="gateway").message.ticket
    reply = raw_mail(subject=f"Re: [{ticket.number}] hang", message_id="<r1@customer.example>")
    inbound_mail_receive(reply, source="imap")
    inbound_mail_receive(reply, source="imap")
    assert Comment.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_mail_make_one_ticket(customer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    raw = raw_mail(message_id="<race@customer.example>")
    barrier, outcomes = threading.Barrier(2), []

    def post():
        try:
            barrier.wait()
            outcomes.append(inbound_mail_receive(raw, source="gateway").duplicate)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    assert Ticket.objects.count() == 1


def test_reply_by_subject_number_adds_a_customer_reply(customer, agent):
    ticket = inbound_mail_receive(raw_mail(), source="gateway").message.ticket
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    log = inbound_mail_receive(
        raw_mail(subject=f"Re: [{ticket.number}] New reply", text="Still hangs."),
        source="gateway",
    ).message
    assert log.outcome == InboundOutcome.REPLIED and log.ticket == ticket
    comment = Comment.objects.get(ticket=ticket)
    assert comment.author == customer and not comment.is_internal
    assert comment.body == "Still hangs."
    assert OutboxMessage.objects.filter(topic="ticket.customer_replied").count() == 1


def test_reply_by_thread_headers_finds_the_ticket(customer, settings):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "desk.example"
    ticket = inbound_mail_receive(raw_mail(), source="gateway").message.ticket
    by_thread = raw_mail(
        subject="Re: your request",
        headers={"In-Reply-To": f"<ticket.{ticket.number}@desk.example>"},
    )
    assert inbound_mail_receive(by_thread, source="imap").message.ticket == ticket
    outbox = OutboxMessage.objects.filter(payload__ticket_id=ticket.pk).first()
    by_notification = raw_mail(
        subject="Re: something", headers={"References": f"<x@y> {outbox.message_id}"}
    )
    log = inbound_mail_receive(by_notification, source="imap").message
    assert log.outcome == InboundOutcome.REPLIED and log.ticket == ticket
    assert Ticket.objects.count() == 1 and Comment.objects.filter(ticket=ticket).count() == 2


def test_another_organizations_ticket_number_is_never_replied_to(customer, other_customer):
    theirs = f.TicketFactory(organization=other_customer.organization)
    log = inbound_mail_receive(
        raw_mail(subject=f"Re: [{theirs.number}] steal"), source="gateway"
    ).message
    assert log.outcome == InboundOutcome.CREATED and log.ticket != theirs
    assert log.ticket.organization == customer.organization
    assert not Comment.objects.filter(ticket=theirs).exists()


def test_a_reply_to_a_closed_ticket_opens_a_new_one(customer):
    ticket = inbound_mail_receive(raw_mail(), source="gateway").message.ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.CLOSED)
    log = inbound_mail_receive(raw_mail(subject=f"Re: [{ticket.number}]"), source="gateway")
    assert log.message.outcome == InboundOutcome.CREATED
    assert log.message.detail["follow_up_of"] == ticket.number


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "cust@example.com", "auto_submitted"),
        ({"Precedence": "bulk"}, "cust@example.com", "precedence"),
        ({"Precedence": "list"}, "cust@example.com", "precedence"),
        ({"X-Autoreply": "yes"}, "cust@example.com", "autoreply"),
        ({"X-Autorespond": "1"}, "cust@example.com", "autoreply"),
        ({}, "MAILER-DAEMON@example.com", "mailer_daemon"),
    ],
)
def test_auto_replies_and_bounces_are_ignored(customer, headers, sender, reason):
    log = inbound_mail_receive(raw_mail(sender=sender, headers=headers), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.IGNORED, reason)
    assert not Ticket.objects.exists()


def test_auto_submitted_no_is_a_person(customer):
    raw = raw_mail(headers={"Auto-Submitted": "no"})
    assert inbound_mail_receive(raw, source="imap").message.outcome == InboundOutcome.CREATED


def test_our_own_message_ids_are_ignored(customer, settings):
    settings.EMAIL_MESSAGE_ID_DOMAIN = "desk.example"
    raw = raw_mail(message_id="<outbox.5.1700000000@desk.example>")
    log = inbound_mail_receive(raw, source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.IGNORED, "own_message")
    assert not Ticket.objects.exists()


def test_unknown_senders_are_held_with_their_mail(db):
    raw = raw_mail(sender="stranger@elsewhere.example")
    log = inbound_mail_receive(raw, source="gateway").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "unknown_sender")
    assert bytes(log.raw) == raw and not Ticket.objects.exists()


def test_unknown_senders_are_rejected_when_configured(db, settings):
    settings.INBOUND_MAIL_UNKNOWN_SENDERS = "reject"
    log = inbound_mail_receive(raw_mail(sender="x@elsewhere.example"), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.REJECTED, "unknown_sender")
    assert bytes(log.raw) == b""


def test_inactive_users_and_organizations_are_not_known(customer):
    customer.organization.is_active = False
    customer.organization.save()
    log = inbound_mail_receive(raw_mail(), source="imap").message
    assert log.outcome == InboundOutcome.HELD and not Ticket.objects.exists()


def test_a_contact_without_portal_login_is_held_when_configured(org, settings):
    settings.INBOUND_MAIL_CONTACTS_WITHOUT_LOGIN = "hold"
    contact = f.ContactFactory(organization=org, email="wang@customer.example")
    log = inbound_mail_receive(raw_mail(sender="Wang@customer.example"), source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.HELD, "contact_without_login")
    assert log.organization == org and log.contact == contact


def test_an_address_of_two_organizations_is_held_as_ambiguous(org, other_org):
    f.ContactFactory(organization=org, email="shared@example.net")
    f.ContactFactory(organization=other_org, email="shared@example.net")
    log = inbound_mail_receive(raw_mail(sender="shared@example.net"), source="imap").message
    assert (log.outcome, log.reason, log.organization) == (
        InboundOutcome.HELD,
        "ambiguous_sender",
        None,
    )


def test_a_mail_over_the_size_limit_is_rejected_unread(customer, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 2_000
    raw = raw_mail(text="x" * 5_000, message_id="<big@customer.example>")
    log = inbound_mail_receive(raw, source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.REJECTED, "too_large")
    assert log.message_id == "big@customer.example" and log.sender == "cust@example.com"
    assert inbound_mail_receive(raw, source="imap").duplicate
    assert not Ticket.objects.exists()


def test_a_mail_bomb_from_one_sender_is_cut_off_after_the_hourly_limit(customer, settings):
    settings.INBOUND_MAIL_MAX_PER_SENDER_HOUR = 3
    logs = [inbound_mail_receive(raw_mail(), source="imap").message for _ in range(5)]
    assert [log.outcome for log in logs] == [InboundOutcome.CREATED] * 3 + [
        InboundOutcome.REJECTED
    ] * 2
    assert {log.reason for log in logs[3:]} == {"rate_limited"}
    assert Ticket.objects.count() == 3
    other = f.CustomerFactory(organization=customer.organization, email="other@example.com")
    assert inbound_mail_receive(raw_mail(sender=other.email), source="imap").message.ticket


def test_too_many_attachments_are_refused(customer, settings):
    settings.INBOUND_MAIL_MAX_ATTACHMENTS = 2
    raw = raw_mail(files=[PDF, PDF, PDF])
    log = inbound_mail_receive(raw, source="imap").message
    assert (log.outcome, log.reason) == (InboundOutcome.REJECTED, "too_many_attachments")
    assert not Ticket.objects.exists()


def test_an_attachment_over_the_upload_limit_is_dropped_and_named(customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    big = ("dump.log", "text/plain", b"y" * 500)
    log = inbound_mail_receive(raw_mail(files=[big, PDF]), source="imap").message
    assert log.outcome == InboundOutcome.CREATED
    assert [a.original_name for a in Attachment.objects.all()] == ["report.pdf"]
    assert log.detail["dropped"] == [{"name": "dump.log", "reason": "attachment_too_large"}]
    assert "dump.log" in log.ticket.description


@pytest.mark.parametrize(
    "attachment",
    [
        ("diagram.svg", "image/svg+xml", b"<svg onload='alert(1)'></svg>"),
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        ("innocent.png", "image/svg+xml", b"<svg onload='alert(1)'></svg>"),
        ("notes.txt", "text/html", b"<script>alert(1)</script>"),
    ],
)
def test_svg_and_html_attachments_are_never_kept(customer, attachment):
    log = inbound_mail_receive(raw_mail(files=[attachment, PDF]), source="imap").message
    assert log.outcome == InboundOutcome.CREATED
    assert [a.original_name for a in Attachment.objects.all()] == ["report.pdf"]
    assert log.detail["dropped"][0]["name"] == attachment[0]


def test_html_only_mail_is_sanitized_to_text(customer):
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Export <b>hangs</b> &amp; fails</p><img src=x onerror=alert(1)>"
        "<div>Second line</div><a href='javascript:alert(1)'>click</a></body></html>"
    )
    ticket = inbound_mail_receive(raw_mail(text=None, html=html), source="imap").message.ticket
    text = ticket.description
    assert "Export hangs & fails" in text and "Second line" in text and "click" in text
    for bad in ("<", "alert", "script", "onerror", "javascript", "color:red"):
        assert bad not in text


def test_the_text_part_is_preferred_to_html(customer):
    raw = raw_mail(text="Plain words.", html="<p>Rich <script>x()</script>words.</p>")
    assert inbound_mail_receive(raw, source="imap").message.ticket.description == "Plain words."


def test_bytes_without_a_sender_are_unparseable(db):
    with pytest.raises(ValidationFailed) as caught:
        inbound_mail_receive(b"this is not a mail at all", source="gateway")
    assert caught.value.code == "unparseable_mail"
    assert not InboundMessage.objects.exists()


def held(sender: str = "stranger@elsewhere.example", **kwargs) -> InboundMessage:
    return inbound_mail_receive(raw_mail(sender=sender, **kwargs), source="imap").message


def test_accepting_with_a_new_contact_creates_the_ticket_for_it(agent, org, contract):
    log = inbound_mail_accept(
        held(files=[PDF]), actor=agent, organization=org, new_contact_name="Stranger Wu"
    )
    assert log.outcome == InboundOutcome.CREATED and log.decided_by == agent
    ticket = log.ticket
    assert ticket.channel == Channel.EMAIL and ticket.organization == org
    assert ticket.contact == Contact.objects.get(email="stranger@elsewhere.example")
    assert ticket.contact.name == "Stranger Wu" and ticket.created_by == agent
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert bytes(InboundMessage.objects.get(pk=log.pk).raw) == b""


def test_accepting_for_a_contact_with_portal_login_acts_as_them(agent, customer, org):
    log = inbound_mail_accept(held(), actor=agent, organization=org, contact=customer.contact)
    assert log.ticket.requester == customer and log.ticket.created_by == customer


def test_an_accepted_reply_without_portal_login_is_an_internal_note(agent, org, customer):
    ticket = inbound_mail_receive(raw_mail(), source="imap").message.ticket
    contact = f.ContactFactory(organization=org, email="wang@customer.example")
    log = inbound_mail_receive(
        raw_mail(sender=contact.email, subject=f"Re: [{ticket.number}]", text="More details"),
        source="imap",
    ).message
    assert log.outcome == InboundOutcome.HELD
    log = inbound_mail_accept(log, actor=agent, organization=org, contact=contact)
    comment = Comment.objects.get(ticket=ticket)
    assert log.outcome == InboundOutcome.REPLIED and comment.is_internal
    assert "wang@customer.example" in comment.body and "More details" in comment.body


def test_a_contact_of_another_organization_cannot_be_chosen(agent, org, other_org):
    contact = f.ContactFactory(organization=other_org)
    with pytest.raises(ValidationFailed):
        inbound_mail_accept(held(), actor=agent, organization=org, contact=contact)
    assert not Ticket.objects.exists()


def test_a_held_mail_is_decided_once(agent, org):
    log = held()
    inbound_mail_reject(log, actor=agent)
    log.refresh_from_db()
    assert (log.outcome, log.reason, log.decided_by) == (
        InboundOutcome.REJECTED,
        "rejected_by_staff",
        agent,
    )
    with pytest.raises(Conflict):
        inbound_mail_accept(log, actor=agent, organization=org)
    with pytest.raises(Conflict):
        inbound_mail_reject(log, actor=agent)
    assert not Ticket.objects.exists()


def test_only_intake_staff_decide_on_held_mail(customer, tester, org):
    log = held()
    for user in (customer, tester):
        with pytest.raises(NotAllowed):
            inbound_mail_accept(log, actor=user, organization=org)
        with pytest.raises(NotAllowed):
            inbound_mail_reject(log, actor=user)
    log.refresh_from_db()
    assert log.outcome == InboundOutcome.HELD


def test_a_long_body_is_cut(customer):
    from tickets.mailparse import BODY_MAX_CHARS

    raw = raw_mail(text="z" * (BODY_MAX_CHARS + 5_000))
    ticket = inbound_mail_receive(raw, source="imap").message.ticket
    assert len(ticket.description) == BODY_MAX_CHARS


def test_a_reply_by_mail_keeps_only_the_new_text(customer):
    ticket = inbound_mail_receive(raw_mail(), source="imap").message.ticket
    text = "It works now, thanks.\n\nOn Thu, Service desk wrote:\n> We released a patch."
    inbound_mail_receive(raw_mail(subject=f"Re: [{ticket.number}]", text=text), source="imap")
    assert Comment.objects.get(ticket=ticket).body == "It works now, thanks."
