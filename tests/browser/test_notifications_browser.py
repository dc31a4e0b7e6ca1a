"""In Chromium, isolated from the internet: a customer sees the unread badge after staff
reply, opens the notification (it leads to the ticket and counts as read), marks the rest
read, and switches status-change mails off on the settings page, with no CSP violation."""

from __future__ import annotations

import pytest

from servicedesk.models import NotificationPreference
from servicedesk.notifications import unread_count
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tests.browser.test_security_browser import isolate
from tickets import services
from tickets.choices import TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_reads_notifications_and_chooses_channels(page):
    outside = isolate(page)
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    product = f.ProductFactory(name="Billing", code="billing")
    f.ContractFactory(organization=org, products=[product])
    customer = f.CustomerFactory(username="li.lei", organization=org)
    f.ContactFactory(organization=org, user=customer, name="Li Lei", email=customer.email)
    agent = f.UserFactory(username="agent", role="agent", first_name="Fang", last_name="Wang")
    ticket = services.ticket_create(
        actor=customer, title="Invoices do not print", kind="fault", channel="portal",
        product=product,
    )  # fmt: skip
    services.comment_add(ticket, actor=agent, body="Please send the printer log.")
    services.ticket_transition(ticket, actor=agent, to_status=TicketStatus.IN_PROGRESS)

    login(page, customer.username, f.PASSWORD)
    badge = page.locator("header .unread-count")
    assert badge.inner_text() == "3"  # received, reply, status change
    page.click("a[data-notifications]")
    page.wait_for_load_state("networkidle")
    entries = page.locator("li.notification")
    assert entries.count() == 3
    assert "New reply: Invoices do not print" in page.content()
    screenshot(page, "notifications")
    page.locator("li.notification button.link", has_text="New reply").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/portal/tickets/{ticket.number}/")
    assert page.locator("header .unread-count").inner_text() == "2"

    page.goto(f"{page.base_url}/accounts/notifications/")
    page.click("text=Mark all as read")
    page.wait_for_load_state("networkidle")
    assert page.locator("header .unread-count").count() == 0
    assert unread_count(customer) == 0

    page.click("text=Notification settings")
    page.wait_for_load_state("networkidle")
    assert page.locator("select[name='ticket.created']").is_disabled()
    page.select_option("select[name='ticket.status_changed']", "off")
    page.select_option("select[name='ticket.replied']", "in_app")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Your notification settings were saved." in page.content()
    saved = dict(
        NotificationPreference.objects.filter(user=customer).values_list("topic", "channel")
    )
    assert saved["ticket.status_changed"] == "off" and saved["ticket.replied"] == "in_app"
    screenshot(page, "notification-settings")
    assert outside == [] and page.violations == []
