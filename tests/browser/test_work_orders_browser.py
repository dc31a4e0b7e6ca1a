"""A fault work order in a real browser: drafted from a ticket by a service agent, signed
off in the approval inbox by the manager, analysed and fixed by an engineer, passed by a
tester, delivered with a version; the ticket is resolved with the note to the customer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from maintenance import services as wo
from maintenance.choices import WorkOrderStatus
from maintenance.models import WorkOrder
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import screenshot
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page_for(browser, live_server, username):
    """A browser context of its own per person, signed in."""
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


@pytest.fixture
def desk(org, other_org, product, contract, other_contract, customer):
    agent = f.UserFactory(username="wang", role=Role.AGENT, first_name="Wang", last_name="Fang")
    manager = f.UserFactory(username="liu", role=Role.MANAGER, first_name="Liu", last_name="Yang")
    engineer = f.UserFactory(
        username="zhao", role=Role.ENGINEER, first_name="Zhao", last_name="Min"
    )
    tester = f.UserFactory(username="sun", role=Role.TESTER, first_name="Sun", last_name="Li")
    old = f.ProductVersionFactory(product=product, version="3.2")
    fixed = f.ProductVersionFactory(product=product, version="3.2.1")
    ticket = services.ticket_create(
        actor=customer,
        title="Month-end invoices print a blank second page",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        product_version=old,
        proposed_severity="L2",
        description="Since the update to 3.2, page 2 of every invoice is blank.",
        impact="Accounting cannot close the month.",
    )
    # Another order already waits for sign-off, its ticket past its SLA deadline.
    late = services.ticket_create(
        actor=agent,
        title="Nightly export to the ledger stops",
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=other_org,
        product=product,
        severity="L1",
        description="The export job ends with code 137.",
    )
    Ticket.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - dt.timedelta(hours=1))
    waiting = wo.work_order_draft(
        actor=agent, kind="corrective", title="Ledger export killed at night", tickets=[late]
    )
    wo.work_order_submit(waiting, actor=agent)
    wo.work_order_draft(actor=engineer, kind="perfective", title="Subtotals in the XLSX export")
    return {
        "agent": agent, "manager": manager, "engineer": engineer, "tester": tester,
        "ticket": ticket, "old": old, "fixed": fixed, "waiting": waiting,
    }  # fmt: skip


def test_fault_work_order_from_ticket_to_delivery(browser, live_server, desk):
    ticket = desk["ticket"]

    # The service agent drafts the fault work order from the ticket and submits it.
    page = _page_for(browser, live_server, "wang")
    page.goto(f"{live_server.url}/staff/tickets/{ticket.pk}/")
    card = page.locator("#work-orders")
    expect(card).to_contain_text("No work order covers this ticket yet.")
    card.get_by_role("button", name="Draft work order").click()
    expect(page.locator(".messages")).to_contain_text("drafted from the ticket")
    order = WorkOrder.objects.get(tickets=ticket)
    expect(page.locator("h1")).to_contain_text(ticket.title)
    expect(page.locator("#work-order-status")).to_have_text("Draft")
    expect(page.locator("#linked-tickets")).to_contain_text(ticket.number)
    page.locator("#submit").get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator("#work-order-status")).to_have_text("Awaiting sign-off")
    page.context.close()

    # The manager signs it off in the approval inbox (the nav shows how many wait).
    page = _page_for(browser, live_server, "liu")
    page.goto(f"{live_server.url}/maintenance/work-orders/")
    expect(page.locator("#nav-approvals .count-badge")).to_have_text("2")
    page.locator("#nav-approvals").click()
    cards = page.locator("section.approval")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("Ledger export killed at night")  # oldest first
    expect(cards.first).to_contain_text("overdue")
    screenshot(page, "maintenance-approvals")
    mine = page.locator(f"#approval-{order.pk}")
    mine.locator("textarea[name$=comment]").fill("Go ahead; L2 for a month-end customer.")
    mine.get_by_role("button", name="Sign off").click()
    expect(page.locator(".messages")).to_contain_text(f"{order.number} signed off.")
    expect(page.locator("section.approval")).to_have_count(1)
    page.context.close()

    # The engineer analyses (software must change) and records the fix.
    page = _page_for(browser, live_server, "zhao")
    page.goto(f"{live_server.url}/maintenance/work-orders/{order.pk}/")
    page.get_by_role("button", name="Start analysis").click()
    expect(page.locator("#work-order-status")).to_have_text("Analysis")
    form = page.locator("#analysis-form")
    form.get_by_label("Root cause").select_option("code_defect")
    form.locator("textarea[name=cause]").fill("The page break is computed before the footer.")
    form.get_by_label("Confirmed severity").select_option("L2")
    form.get_by_label(re.compile(r"\s3\.2\s*$")).check()
    form.get_by_label("Yes").check()
    form.get_by_label("Fault analysis report").fill(
        "<p>Reproduced with <strong>any invoice over 30 lines</strong>.</p>"
        "<ul><li>3.1: correct</li><li>3.2: blank page 2</li></ul><script>alert(1)</script>"
    )
    form.get_by_role("button", name="Record analysis").click()
    expect(page.locator("#work-order-status")).to_have_text("Fixing")
    expect(page.locator("#analysis-report strong")).to_have_text("any invoice over 30 lines")
    expect(page.locator("#analysis-report script")).to_have_count(0)
    form = page.locator("#fix-form")
    form.locator("textarea[name=change]").fill("Footer height reserved before the page break.")
    form.get_by_label("User manual updated").check()
    form.get_by_label("Manual section").fill("4.2 Printing invoices")
    form.get_by_role("button", name="Record fix").click()
    expect(page.locator("#work-order-status")).to_have_text("Testing")
    expect(page.locator("#test-form")).to_have_count(0)  # nobody tests their own fix
    page.context.close()

    # The tester passes it.
    page = _page_for(browser, live_server, "sun")
    page.goto(f"{live_server.url}/maintenance/work-orders/{order.pk}/")
    form = page.locator("#test-form")
    form.get_by_label("Passed").check()
    form.get_by_label("Test notes").fill("Invoices of 1, 31 and 120 lines print correctly.")
    form.get_by_role("button", name="Record test").click()
    expect(page.locator(".messages")).to_contain_text("Test passed")
    page.context.close()

    # The engineer delivers with the version; the ticket is resolved with the note.
    page = _page_for(browser, live_server, "zhao")
    page.goto(f"{live_server.url}/maintenance/work-orders/{order.pk}/")
    form = page.locator("#deliver-form")
    form.get_by_label("Version of the product").select_option(str(desk["fixed"].pk))
    form.get_by_label("Note to the customer").fill(
        "Please install patch 3.2.1 from the downloads; invoices print completely again."
    )
    form.get_by_role("button", name="Deliver to the customer").click()
    expect(page.locator("#work-order-status")).to_have_text("Delivered")
    timeline = page.locator("#timeline")
    for text in ("Drafted", "Submitted for sign-off", "Signed off", "Analysis started",
                 "Analysis recorded", "Fix recorded", "Test recorded", "Delivered"):  # fmt: skip
        expect(timeline).to_contain_text(text)
    expect(timeline).to_contain_text("Liu Yang")
    expect(timeline).to_contain_text("Sun Li")
    screenshot(page, "maintenance-work-order")

    page.locator("#linked-tickets").get_by_role("link", name=ticket.number).click()
    expect(page.locator("#ticket-status")).to_have_text("Resolved")
    expect(page.locator("#timeline")).to_contain_text("Please install patch 3.2.1")
    expect(page.locator("#timeline")).to_contain_text("Fixed in")
    expect(page.locator("#work-orders")).to_contain_text(order.number)

    page.goto(f"{live_server.url}/maintenance/work-orders/")
    expect(page.locator("table.work-orders tbody tr")).to_have_count(3)
    screenshot(page, "maintenance-work-orders")
    page.locator("a", has_text="Fault log").first.click()
    expect(page).to_have_url(re.compile(r"/maintenance/fault-log/$"))
    rows = page.locator("table.fault-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(order.number)
    expect(rows.first).to_contain_text("3.2.1")
    screenshot(page, "maintenance-fault-log")
    page.context.close()

    order.refresh_from_db()
    ticket.refresh_from_db()
    assert order.status == WorkOrderStatus.DELIVERED and order.delivered_version == desk["fixed"]
    assert ticket.status == TicketStatus.RESOLVED
