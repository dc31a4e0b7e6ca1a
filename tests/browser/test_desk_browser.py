"""The agent's desk tools in Chromium: a canned reply that resolves, driven by the keyboard;
a merge; the collision warning between two signed-in sessions. Every page runs under the
Content-Security-Policy with nothing loaded from outside the test server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tests.browser.test_security_browser import isolate
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Comment, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ticket(actor, title, **kw):
    return services.ticket_create(
        actor=actor,
        title=title,
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        description=f"{title}: details.",
        **kw,
    )


def test_agent_resolves_with_a_canned_reply_by_keyboard(page, customer, agent):
    older = _ticket(customer, "Reports are slow")
    ticket = _ticket(customer, "Invoices print blank")
    services.canned_reply_create(
        actor=agent,
        name="Fixed by patch",
        language="en",
        body="Dear {{customer_name}}, {{ticket_number}} is fixed by patch 3.2.1.",
        set_status=TicketStatus.RESOLVED,
    )
    outside = isolate(page)
    login(page, "agent", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/tickets/{ticket.pk}/")
    expect(page.locator("#canned-select")).to_be_attached()

    # "?" shows the help overlay, Escape closes it.
    page.keyboard.press("?")
    help_overlay = page.locator("#keyboard-help")
    expect(help_overlay).to_be_visible()
    expect(help_overlay).to_contain_text("Assign to me")
    screenshot(page, "keyboard-help")
    page.keyboard.press("Escape")
    expect(help_overlay).to_be_hidden()

    # "a" assigns the ticket to me.
    page.keyboard.press("a")
    expect(page.locator(".messages")).to_contain_text("Assigned to")
    expect(page.locator("#ticket-status")).to_have_text("Accepted")
    expect(page.locator("#canned-select")).to_be_attached()

    # "c" focuses the picker; the arrow key chooses the reply, which fills the reply box.
    page.keyboard.press("c")
    expect(page.locator("#canned-select")).to_be_focused()
    page.keyboard.press("ArrowDown")
    box = page.locator("#comment-form textarea[name=body]")
    expect(box).to_have_value(f"Dear Li Lei, {ticket.number} is fixed by patch 3.2.1.")
    # Typing in a text box never fires a shortcut; Escape leaves it, "r" returns to it.
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" Thanks, jk?")
    expect(page.locator("#keyboard-help")).to_be_hidden()
    assert page.url.endswith(f"/staff/tickets/{ticket.pk}/")

    # Ctrl+Enter sends it; the canned reply's status applies through the workflow.
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("Canned reply “Fixed by patch” applied.")
    expect(page.locator("#ticket-status")).to_have_text("Resolved")
    expect(page.locator("#timeline")).to_contain_text("is fixed by patch 3.2.1. Thanks, jk?")
    screenshot(page, "canned-reply-resolved")

    # "j" goes on to the next open ticket of the queue (once the reloaded page's script runs).
    page.wait_for_load_state("load")
    page.keyboard.press("j")
    expect(page.locator("h1")).to_contain_text("Reports are slow")
    assert page.url.endswith(f"/staff/tickets/{older.pk}/")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.assignee == agent
    assert outside == [] and page.violations == []


def test_agent_merges_a_duplicate_and_the_customer_is_told(page, browser, customer, agent):
    original = _ticket(customer, "Invoices print blank")
    duplicate = _ticket(customer, "Blank invoices again")
    services.comment_add(duplicate, actor=customer, body="Second page is empty too.")
    outside = isolate(page)
    login(page, "agent", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/tickets/{duplicate.pk}/")
    links = page.locator("#links")
    expect(links.locator("#merge-form")).to_be_visible()

    # A self-merge is refused with a message; nothing changes.
    links.locator("#merge_into").fill(duplicate.number)
    page.once("dialog", lambda dialog: dialog.accept())
    links.get_by_role("button", name="Merge").click()
    expect(page.locator(".messages")).to_contain_text("cannot be linked to or merged into itself")

    links = page.locator("#links")
    links.locator("#merge_into").fill(original.number)
    page.once("dialog", lambda dialog: dialog.accept())
    links.get_by_role("button", name="Merge").click()
    expect(page.locator("h1")).to_contain_text("Invoices print blank")
    expect(page.locator(".messages")).to_contain_text(f"{duplicate.number} was merged")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Second page is empty too.")
    expect(timeline).to_contain_text(f"{duplicate.number} merged into this ticket")
    expect(page.locator("#links")).to_contain_text(duplicate.number)
    screenshot(page, "merged-ticket")
    assert outside == [] and page.violations == []

    # The customer's portal: the duplicate says where the request went.
    context = browser.new_context(locale="en-US")
    portal = context.new_page()
    portal.set_default_timeout(15_000)
    portal.base_url = page.base_url
    login(portal, "cust", f.PASSWORD)
    portal.goto(f"{page.base_url}/portal/tickets/{duplicate.number}/")
    expect(portal.locator("body")).to_contain_text(
        f"This request was merged into {original.number}; we continue there."
    )
    context.close()
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.CLOSED and duplicate.merged_into == original


def test_two_sessions_see_each_other_before_answering_twice(page, browser, customer, agent):
    f.UserFactory(username="zhao", role=Role.ENGINEER, first_name="Zhao", last_name="Min")
    ticket = _ticket(customer, "Invoices print blank")
    url = f"{page.base_url}/staff/tickets/{ticket.pk}/"
    outside = isolate(page)
    login(page, "agent", f.PASSWORD)
    page.goto(url)
    expect(page.locator("#presence-status")).to_contain_text("Nobody else has this ticket open.")

    context = browser.new_context(locale="en-US")
    other = context.new_page()
    other.set_default_timeout(15_000)
    other.base_url = page.base_url
    login(other, "zhao", f.PASSWORD)
    other.goto(url)
    expect(other.locator("#presence-status")).to_contain_text("agent is viewing")

    # Zhao starts writing: the agent's page says so within a heartbeat.
    other.locator("#comment-form textarea[name=body]").fill("We are looking into it.")
    other.locator("#comment-form textarea[name=body]").press("End")
    other.keyboard.type(" Today.")
    expect(page.locator("#presence-status")).to_contain_text("Zhao Min is replying", timeout=15_000)
    screenshot(page, "collision-warning")

    # Zhao sends; the agent is warned a message arrived since the page was opened.
    other.get_by_role("button", name="Send reply to customer").click()
    expect(other.locator(".messages")).to_contain_text("Reply sent to the customer.")
    expect(page.locator("#presence-status")).to_contain_text(
        "1 new message since you opened this page.", timeout=15_000
    )
    context.close()
    assert Comment.objects.filter(ticket=ticket).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is not None
    assert outside == [] and page.violations == []
