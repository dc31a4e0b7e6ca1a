"""The staff console in a real browser: triage to resolution, and a hotline call."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from servicedesk.choices import Role, SkillArea
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import HotlineCall, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(org, other_org, product, contract, other_contract, customer, agent, team):
    """A small, realistic queue: tickets of two organizations in several states."""
    engineer = f.UserFactory(
        username="zhao", role=Role.ENGINEER, first_name="Zhao", last_name="Min"
    )
    f.SkillFactory(user=engineer, product=product, area=SkillArea.APPLICATION)
    other = f.UserFactory(username="qian", role=Role.ENGINEER, first_name="Qian", last_name="Li")
    f.SkillFactory(user=other, product=None, area=SkillArea.DATABASE)
    target = services.ticket_create(
        actor=customer,
        title="Month-end invoices do not print",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L3",
        description="Printing stops with error E42 since this morning.",
        impact="Accounting cannot close the month.",
    )
    Ticket.objects.filter(pk=target.pk).update(area=SkillArea.APPLICATION)
    for title, organization, severity, kind in (
        ("Database backup job fails", other_org, "L2", TicketKind.FAULT),
        ("How to add a new cost center?", org, "L4", TicketKind.CONSULTATION),
        ("Export to XLSX with subtotals", other_org, "L4", TicketKind.CUSTOMIZATION),
        ("Login page very slow", org, "L3", TicketKind.FAULT),
    ):
        ticket = services.ticket_create(
            actor=agent,
            title=title,
            kind=kind,
            channel=Channel.HOTLINE,
            organization=organization,
            product=product,
            severity=severity,
            description=title,
        )
        if severity == "L2":
            services.ticket_assign(ticket, actor=agent, team=team, assignee=other)
    return {"engineer": engineer, "ticket": target}


def test_engineer_triages_assigns_replies_and_resolves(page, desk):
    engineer, ticket = desk["engineer"], desk["ticket"]
    login(page, "zhao", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/")
    # An engineer lands on their own open tickets: none yet. "All tickets" is one click away.
    expect(page.locator("#queue-views a.current")).to_contain_text("My open tickets")
    page.locator("#queue-views").get_by_role("link", name="All tickets").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(5)
    screenshot(page, "staff-queue")

    page.fill("#id_q", "invoices")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    page.wait_for_load_state("networkidle")
    rows.get_by_role("link", name=ticket.number).click()
    expect(page.locator("h1")).to_contain_text("Month-end invoices do not print")

    # Triage: a fault, severity confirmed as L2.
    triage = page.locator("#triage")
    triage.locator("summary").click()
    triage.get_by_label("Fault").check()
    triage.get_by_label("Confirm severity").select_option("L2")
    triage.get_by_role("button", name="Record triage").click()
    expect(page.locator(".messages")).to_contain_text("Triage recorded: Fault.")
    expect(page.locator("#ticket-status")).to_have_text("In progress")
    expect(page.locator("#ticket-severity")).to_contain_text("L2")

    # Assign to myself from the ranked suggestions (best skill match first).
    page.locator("#assign summary").click()  # the panel loads when opened
    suggestions = page.locator("#assign table.suggestions tbody tr")
    expect(suggestions.first).to_contain_text("Zhao Min")
    suggestions.first.get_by_role("button", name="Assign to Zhao Min").click()
    expect(page.locator(".messages")).to_contain_text("Assigned to Zhao Min.")
    expect(page.locator("#ticket-assignee")).to_have_text("Zhao Min")

    # A public reply.
    page.fill("#comment-form textarea[name=body]", "We reproduced E42; a patch is on its way.")
    page.get_by_role("button", name="Send reply to customer").click()
    expect(page.locator(".messages")).to_contain_text("Reply sent to the customer.")

    # Resolve: without a comment the box opens for one; with one it goes through.
    page.locator("#transition").get_by_role("button", name=re.compile("^Resolve")).click()
    expect(page.locator("#transition textarea[name=comment]")).to_be_focused()
    page.locator("#transition textarea[name=comment]").fill("Patch 3.2.1 installed remotely.")
    page.locator("#transition").get_by_role("button", name=re.compile("^Resolve")).click()
    expect(page.locator("#ticket-status")).to_have_text("Resolved")

    timeline = page.locator("#timeline .timeline")
    for text in (
        "Triage decision: — → Fault.",
        "Severity: L3 – partial impact → L2 – severe degradation.",
        "Status: New → In progress.",
        "assignee — → Zhao Min.",
        "We reproduced E42; a patch is on its way.",
        "Status: In progress → Resolved.",
        "Patch 3.2.1 installed remotely.",
    ):
        expect(timeline).to_contain_text(text)
    screenshot(page, "staff-ticket")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.assignee == engineer


def test_agent_logs_a_call_resolved_on_first_contact(page, org, product, contract, agent):
    caller = f.ContactFactory(
        organization=org, name="Zhang Wei", phone="+86 139-1234 5678", position="Accountant"
    )
    f.ContactFactory(organization=org, name="Front desk", phone="010-8888 0000")
    services.hotline_call_log(
        actor=agent,
        caller_phone="010-8888 0000",
        caller_name="Front desk",
        notes="Asked for the new release date.",
        resolved_on_first_contact=True,
    )
    services.hotline_call_log(
        actor=agent, caller_phone="021 5555 0000", notes="Wrong number, a sales enquiry."
    )
    login(page, "agent", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/hotline/")

    page.locator("input[name=caller_phone]").press_sequentially("13912345678", delay=20)
    matches = page.locator("#caller-matches")
    expect(matches).to_contain_text("Zhang Wei")
    matches.get_by_role("button", name="Choose").click()
    expect(matches.locator("input[name=contact]")).to_have_value(str(caller.pk))
    expect(page.locator("#id_organization")).to_have_value(str(org.pk))
    expect(page.locator("#id_caller_name")).to_have_value("Zhang Wei")

    page.select_option("#id_product", str(product.pk))
    page.fill("#id_notes", "How do I reprint last month's invoice?\nShowed the Reprint menu.")
    page.check("#id_resolved_on_first_contact")
    screenshot(page, "hotline-intake")
    page.get_by_role("button", name="Log the call").click()

    call = HotlineCall.objects.get(contact=caller)
    expect(page).to_have_url(re.compile(rf"/staff/tickets/{call.ticket_id}/$"))
    expect(page.locator(".messages")).to_contain_text(
        f"Call logged as ticket {call.ticket.number}, resolved on first contact."
    )
    expect(page.locator("#ticket-status")).to_have_text("Resolved")
    expect(page.locator("h1")).to_contain_text("How do I reprint last month's invoice?")


def test_agent_works_from_my_open_tickets(page, org, product, contract, customer, agent, team):
    """The agent's views with counts, chips that refresh the list in place, the SLA countdown,
    and the ticket page's action bar; the count follows the work."""
    mine = []
    for title in ("Scanner driver missing", "Report totals wrong"):
        ticket = services.ticket_create(
            actor=customer, title=title, kind=TicketKind.FAULT, channel=Channel.PORTAL,
            product=product, proposed_severity="L2",
        )  # fmt: skip
        services.ticket_assign(ticket, actor=agent, team=team, assignee=agent)
        mine.append(ticket)
    services.ticket_create(
        actor=customer, title="Nobody has this yet", kind=TicketKind.CONSULTATION,
        channel=Channel.PORTAL, product=product,
    )  # fmt: skip
    login(page, "agent", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/")
    views = page.locator("#queue-views")
    expect(views.locator("a.current")).to_contain_text("Unassigned")  # an agent's landing view
    my_view = views.get_by_role("link", name=re.compile("My open tickets"))
    expect(my_view.locator(".view-count")).to_have_text("2")  # counts arrive by htmx
    my_view.click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".countdown")).to_contain_text(re.compile(r"^in \d+ h"))

    # A chip narrows the list in place (no page load: the marker survives).
    page.evaluate("window.__stay = 1")
    page.locator("label.chip", has_text="L1 – system down").click()
    expect(page.locator("table.queue tbody td.empty")).to_be_visible()
    assert page.evaluate("window.__stay") == 1
    page.locator("label.chip", has_text="L1 – system down").click()
    expect(rows).to_have_count(2)
    screenshot(page, "staff-queue-views")

    # The ticket page: the step is one click in the action bar at the top.
    rows.get_by_role("link", name=mine[1].number).click()
    bar = page.locator("#actions")
    expect(bar).to_be_visible()
    bar.get_by_role("button", name="Wait for customer").click()  # needs a comment: box opens
    comment = bar.locator("textarea[name=comment]")
    expect(comment).to_be_focused()
    comment.fill("Please send the scanner model.")
    bar.get_by_role("button", name="Wait for customer").click()
    expect(page.locator("#ticket-status")).to_have_text("Waiting for customer")
    screenshot(page, "staff-ticket-action-bar")

    page.goto(f"{page.base_url}/staff/?view=mine")
    expect(rows).to_have_count(2)  # waiting for the customer is still the agent's
    waiting = page.locator("#queue-views").get_by_role("link", name=re.compile("Waiting for"))
    expect(waiting.locator(".view-count")).to_have_text("1")
