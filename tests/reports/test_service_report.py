"""客户服务报告单: the per-case service report of a closed ticket — its content, who may
open it (customers only their organization's: 404), and the closing mail carrying it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from maintenance.choices import WorkMode
from maintenance.models import TimeEntry
from servicedesk.models import OutboxMessage
from servicedesk.outbox import attachments
from tests import factories as f
from tickets.choices import TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org, customer, engineer, product, version):
    contact = customer.contact
    ticket = f.TicketFactory(
        organization=org,
        contact=contact,
        requester=customer,
        product=product,
        product_version=version,
        title="Invoices print blank",
        description="Every invoice prints as an empty page.",
        resolution="Printer driver template restored.",
        assignee=engineer,
        status=TicketStatus.CLOSED,
        closed_at=timezone.now(),
        rating=5,
        rating_comment="Quick and friendly",
    )
    TimeEntry.objects.create(
        user=engineer, ticket=ticket, worked_on=timezone.localdate(), minutes=90,
        mode=WorkMode.ON_SITE,
    )  # fmt: skip
    return ticket


def test_the_report_has_the_forms_fields(client, manager, closed):
    client.force_login(manager)
    page = client.get(f"/reports/tickets/{closed.pk}/service-report/").content.decode()
    for text in ("Acme Power", "Li Lei", "Billing", "3.2", "Invoices print blank",
                 "Printer driver template restored.", "On-site (1.5 h)", "engineer", "5/5",
                 "Quick and friendly", "print-now"):  # fmt: skip
        assert text in page, text
    ticket_page = client.get(f"/staff/tickets/{closed.pk}/").content.decode()
    assert f"/reports/tickets/{closed.pk}/service-report/" in ticket_page


def test_customers_open_their_own_only_and_open_tickets_have_none(
    client, customer, other_customer, closed, org
):
    client.force_login(customer)
    assert client.get(f"/reports/tickets/{closed.pk}/service-report/").status_code == 200
    still_open = f.TicketFactory(organization=org, status=TicketStatus.IN_PROGRESS)
    assert client.get(f"/reports/tickets/{still_open.pk}/service-report/").status_code == 404
    client.force_login(other_customer)
    assert client.get(f"/reports/tickets/{closed.pk}/service-report/").status_code == 404


def test_the_closing_mail_carries_the_report(closed):
    message = OutboxMessage.objects.create(
        topic="ticket.status_changed",
        recipient="li@example.com",
        payload={"ticket": closed.number, "new": "closed", "old": "resolved", "language": "en"},
    )
    [(name, content, mimetype)] = attachments(message)
    assert name == f"service-report-{closed.number}.html" and mimetype == "text/html"
    assert b"Printer driver template restored." in content
    message.payload["new"] = "in_progress"
    assert attachments(message) == []
