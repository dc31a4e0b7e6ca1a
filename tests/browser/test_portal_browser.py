"""A customer submits a fault with a file, staff resolve it, the customer confirms and rates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    product = f.ProductFactory(name="Billing", code="billing")
    version = f.ProductVersionFactory(product=product, version="3.2")
    f.ContractFactory(organization=org, products=[product])
    customer = f.CustomerFactory(
        username="li.lei", organization=org, first_name="Lei", last_name="Li"
    )
    f.ContactFactory(organization=org, user=customer, name="Li Lei", email=customer.email)
    engineer = f.UserFactory(
        username="wang.fang", role=Role.ENGINEER, first_name="Fang", last_name="Wang"
    )
    agent = f.UserFactory(username="agent", role=Role.AGENT)
    # a little history so the list page is not empty
    for i, title in enumerate(["Report export is slow", "How do I add a cost centre?"]):
        ticket = services.ticket_create(
            actor=customer,
            title=title,
            kind="consultation" if i else "fault",
            channel="portal",
            product=product,
            proposed_severity="L4" if i else "L3",
        )
        if i:
            services.ticket_transition(
                ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Answered."
            )
    return {"customer": customer, "engineer": engineer, "agent": agent, "version": version}


def test_customer_submits_fault_then_confirms_fix(page, setup, tmp_path):
    customer, engineer, agent = setup["customer"], setup["engineer"], setup["agent"]
    login(page, customer.username, f.PASSWORD)
    page.goto(f"{page.base_url}/portal/new/")

    page.select_option("select[name=kind]", "fault")
    page.select_option("select[name=product]", label="Billing")
    page.select_option("select[name=product_version]", label="3.2")
    page.fill("input[name=title]", "Month-end invoices fail to print")
    page.fill(
        "textarea[name=description]",
        "Printing the month-end invoice batch stops with error E42 after about 100 pages.",
    )
    happened = timezone.localtime() - dt.timedelta(hours=3)
    page.fill("input[name=occurred_at]", happened.strftime("%Y-%m-%dT%H:%M"))
    page.fill("textarea[name=impact]", "Accounting cannot send invoices; month-end is blocked.")
    page.check("input[name=proposed_severity][value=L2]")
    log = tmp_path / "printer.log"
    log.write_text("2026-01-05 09:30 E42 spooler aborted\n")
    page.set_input_files("input[name=attachments]", str(log))
    screenshot(page, "portal-new-request")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")

    ticket = Ticket.objects.get(title="Month-end invoices fail to print")
    message = page.locator(".msg").first.inner_text()
    assert ticket.number in message
    resolution_due = timezone.localtime(ticket.resolution_due_at).strftime("%Y-%m-%d %H:%M")
    assert resolution_due in message
    assert page.locator("text=printer.log").count() >= 1
    assert ticket.attachments.get().original_name == "printer.log"

    # staff take it on and resolve it (through the services, as the console would)
    services.ticket_assign(ticket, actor=agent, team=None, assignee=engineer)
    services.comment_add(ticket, actor=engineer, body="We can reproduce it; a patch follows.")
    services.comment_add(ticket, actor=engineer, body="Spooler bug in 3.2", is_internal=True)
    services.ticket_transition(
        ticket,
        actor=engineer,
        to_status=TicketStatus.RESOLVED,
        comment="Patch 3.2.1 fixes the spooler; it was installed on your server.",
    )

    page.goto(f"{page.base_url}/portal/tickets/{ticket.number}/")
    assert page.locator("#ticket-status").inner_text() == "Resolved"
    assert page.locator("text=Spooler bug in 3.2").count() == 0
    assert page.locator(".confirm-block").get_by_text("Patch 3.2.1 fixes the spooler").count()
    page.check("input[name=rating][value='4']")
    page.fill("form.confirm-yes textarea[name=comment]", "Fixed quickly, thank you.")
    screenshot(page, "portal-ticket")
    page.click("button[name=confirm]")
    page.wait_for_load_state("networkidle")

    assert page.locator("#ticket-status").inner_text() == "Closed"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.rating == 4

    page.goto(f"{page.base_url}/portal/")
    row = page.locator("tr", has_text=ticket.number)
    assert row.locator(".badge.st-closed").inner_text() == "Closed"
    screenshot(page, "portal-list")


def test_version_list_follows_the_chosen_product(page, setup):
    """Only the chosen product's versions are offered; a version of another product that
    was picked first is cleared when the product changes."""
    hr = f.ProductFactory(name="HR suite", code="hr")
    f.ProductVersionFactory(product=hr, version="7.1")
    setup["customer"].organization.contracts.first().products.add(hr)
    login(page, setup["customer"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/portal/new/")
    versions = page.locator("select[name=product_version]")
    page.select_option("select[name=product_version]", label="7.1")
    page.select_option("select[name=product]", label="Billing")
    expect(versions).to_have_value("")
    expect(versions.locator("optgroup[label='HR suite']")).to_be_disabled()
    expect(versions.locator("optgroup[label='Billing']")).to_be_enabled()
    page.select_option("select[name=product]", label="HR suite")
    expect(versions.locator("optgroup[label='Billing']")).to_be_disabled()
    page.select_option("select[name=product_version]", label="7.1")
    expect(versions).not_to_have_value("")
