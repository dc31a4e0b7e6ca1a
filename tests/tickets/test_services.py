from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.errors import InvalidTransition, NotAllowed, StaleVersion, ValidationFailed
from servicedesk.models import OutboxMessage
from tests import factories as f
from tickets import services
from tickets.choices import Channel, EventKind, TicketKind, TicketStatus, TriageDecision
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _create(customer, product, **kw):
    data = {
        "actor": customer,
        "title": "Login fails",
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "product": product,
        "proposed_severity": "L2",
    }
    data.update(kw)
    return services.ticket_create(**data)


def test_customer_create_sets_org_number_due_times_event_and_outbox(customer, product, org):
    ticket = _create(customer, product, organization=f.OrganizationFactory())
    assert ticket.organization == org
    assert ticket.number.startswith("SD-") and len(ticket.number) == 14
    assert ticket.severity == "L2" and not ticket.severity_confirmed
    assert ticket.proposed_severity == "L2"
    assert (ticket.resolution_due_at - ticket.created_at).total_seconds() == 4 * 3600
    assert ticket.contract is not None
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert OutboxMessage.objects.filter(topic="ticket.created", recipient=customer.email).exists()


def test_numbers_are_sequential(customer, product):
    a, b = _create(customer, product), _create(customer, product)
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1


def test_customer_cannot_file_for_uncovered_product(customer):
    with pytest.raises(ValidationFailed) as err:
        _create(customer, f.ProductFactory())
    assert "product" in err.value.fields
    assert not Ticket.objects.exists()


def test_bad_attachment_writes_nothing(customer, product):
    bad = SimpleUploadedFile("x.exe", b"MZ")
    with pytest.raises(ValidationFailed):
        _create(customer, product, attachments=[bad])
    assert not Ticket.objects.exists()


def test_full_lifecycle(customer, product, engineer, team):
    ticket = _create(customer, product)
    ticket = services.ticket_assign(ticket, actor=engineer, team=team, assignee=engineer)
    assert ticket.status == TicketStatus.ACCEPTED
    ticket = services.ticket_triage(
        ticket, actor=engineer, decision=TriageDecision.FAULT, severity="L3"
    )
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.severity_confirmed
    services.comment_add(ticket, actor=engineer, body="internal", is_internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    ticket = services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.WAITING_CUSTOMER, comment="Please send logs"
    )
    assert ticket.first_response_at is not None
    services.comment_add(
        ticket, actor=customer, body="here", attachments=[SimpleUploadedFile("a.log", b"x")]
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    ticket = services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Fixed"
    )
    ticket = services.ticket_confirm(ticket, actor=customer, accepted=False, comment="still bad")
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopen_count == 1
    ticket = services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Fixed again"
    )
    ticket = services.ticket_confirm(
        ticket, actor=customer, accepted=True, rating=5, comment="thanks"
    )
    assert ticket.status == TicketStatus.CLOSED and ticket.rating == 5
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds.count(EventKind.TRANSITION) >= 6 and EventKind.RATED in kinds


def test_illegal_transition_and_stale_version(customer, product, engineer):
    ticket = _create(customer, product)
    with pytest.raises(InvalidTransition):
        services.ticket_transition(ticket, actor=engineer, to_status=TicketStatus.CLOSED)
    with pytest.raises(NotAllowed):
        services.ticket_transition(ticket, actor=customer, to_status=TicketStatus.ACCEPTED)
    with pytest.raises(StaleVersion):
        services.ticket_update(
            ticket, actor=engineer, changes={"title": "x"}, expected_version=ticket.version + 1
        )


def test_hotline_call_is_idempotent_and_fcr(agent, org):
    contact = f.ContactFactory(organization=org, phone="13912345678")
    call, created = services.hotline_call_log(
        actor=agent,
        caller_phone="13912345678",
        notes="How to export?",
        external_call_id="cc-1",
        resolved_on_first_contact=True,
    )
    assert created and call.contact == contact and call.ticket.status == TicketStatus.RESOLVED
    again, created = services.hotline_call_log(
        actor=agent,
        caller_phone="13912345678",
        notes="How to export?",
        external_call_id="cc-1",
        resolved_on_first_contact=True,
    )
    assert not created and again.pk == call.pk and Ticket.objects.count() == 1


def test_services_recheck_visibility_of_the_ticket(customer, other_customer, product):
    from servicedesk.errors import NotFound

    ticket = _create(customer, product)
    with pytest.raises(NotFound):
        services.comment_add(ticket, actor=other_customer, body="not mine")
    with pytest.raises(NotFound):
        services.ticket_transition(
            ticket, actor=other_customer, to_status=TicketStatus.CANCELLED, comment="x"
        )
    assert ticket.comments.count() == 0


def test_long_file_names_are_shortened_keeping_the_extension(customer, product):
    ticket = _create(customer, product)
    comment = services.comment_add(
        ticket,
        actor=customer,
        body="log",
        attachments=[SimpleUploadedFile("x" * 300 + ".log", b"1")],
    )
    name = comment.attachments.get().original_name
    assert len(name) == 200 and name.endswith(".log")
