"""From the resolution's survey mail to a rated, closed ticket, without signing in; the link
then says it was answered. A manager reads the campaign results page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servicedesk.choices import Role
from servicedesk.models import OutboxMessage
from servicedesk.outbox import render
from tests import factories as f
from tickets import services
from tickets.choices import TicketKind, TicketStatus
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_rates_from_the_mail_link(page, settings):
    settings.SITE_URL = page.base_url
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    product = f.ProductFactory(name="Billing", code="billing")
    f.ContractFactory(organization=org, products=[product])
    customer = f.CustomerFactory(username="li.lei", organization=org)
    f.ContactFactory(organization=org, user=customer, name="Li Lei", email=customer.email)
    engineer = f.UserFactory(username="wang.fang", role=Role.ENGINEER)
    ticket = services.ticket_create(
        actor=customer, title="Invoices fail to print", kind="fault", channel="portal",
        product=product, proposed_severity="L3",
    )  # fmt: skip
    services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Printer driver updated."
    )
    row = OutboxMessage.objects.get(topic="ticket.resolved", recipient=customer.email)
    mail = render(row)
    link = re.search(rf"{re.escape(page.base_url)}/s/[0-9a-f]{{64}}/", mail.text).group(0)

    page.goto(link)
    expect(page.locator("#survey")).to_contain_text("Invoices fail to print")
    expect(page.locator("#survey")).to_contain_text("Printer driver updated.")
    page.click("button[name=answer]")  # no score chosen: refused, nothing written
    expect(page.locator("#q-overall")).to_contain_text("required")
    page.check("input[name=overall][value='4']")
    page.fill("textarea[name=comment]", "Fixed before month-end, thank you")
    page.click("button[name=answer]")
    expect(page.locator("#survey-thanks")).to_be_visible()

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == TicketStatus.CLOSED and ticket.rating == 4
    assert ticket.rating_comment == "Fixed before month-end, thank you"
    page.goto(link)
    expect(page.locator("#survey-closed")).to_contain_text("already answered")
    assert not Ticket.objects.filter(kind=TicketKind.COMPLAINT).exists()
