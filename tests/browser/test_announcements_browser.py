"""A manager publishes an announcement (公告) for one organization: its customer sees the
banner on the portal home and reads it; a customer of another organization does not."""

from __future__ import annotations

import pytest

from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    billing = f.ProductFactory(name="Billing", code="billing")
    acme = f.OrganizationFactory(name="Acme Power", code="acme")
    bank = f.OrganizationFactory(name="Other Bank", code="bank")
    f.ContractFactory(organization=acme, products=[billing])
    f.ContractFactory(organization=bank, products=[billing])
    return {
        "manager": f.UserFactory(username="zhou.manager", role=Role.MANAGER),
        "acme": acme,
        "acme_customer": f.CustomerFactory(username="li.lei", organization=acme),
        "bank_customer": f.CustomerFactory(username="zhao.min", organization=bank),
    }


def test_manager_announces_to_one_organization(page, browser, live_server, setup):
    login(page, setup["manager"].username, f.PASSWORD)
    page.click("nav.mainnav >> text=Announcements")
    page.wait_for_url("**/staff/announcements/")
    page.click("text=New announcement")
    page.fill("input[name=title]", "Billing upgrade on Saturday night")
    page.select_option("select[name=kind]", "maintenance")
    page.fill("textarea[name=body]", "We upgrade **Billing** to 3.3.")
    page.fill("input[name=window_starts_at]", "2030-12-05T22:00")
    page.fill("input[name=window_ends_at]", "2030-12-06T02:00")
    page.select_option("select[name=audience]", "organizations")
    page.check(f"input[name=organizations][value='{setup['acme'].pk}']")
    page.click("form.announcement-form button[type=submit]")
    page.wait_for_selector("#publish")
    page.click("#publish")
    page.wait_for_url("**/staff/announcements/")
    assert "published" in page.inner_text("table.announcements")
    screenshot(page, "staff-announcements")

    acme = browser.new_context(locale="en-US")
    customer_page = acme.new_page()
    customer_page.base_url = live_server.url
    login(customer_page, setup["acme_customer"].username, f.PASSWORD)
    customer_page.goto(f"{live_server.url}/portal/")
    banner = customer_page.locator("aside.announcement-banner")
    assert "Billing upgrade on Saturday night" in banner.inner_text()
    screenshot(customer_page, "portal-announcement-banner")
    customer_page.click("aside.announcement-banner >> text=Billing upgrade on Saturday night")
    assert customer_page.locator("div.announcement-body strong").inner_text() == "Billing"
    acme.close()

    bank = browser.new_context(locale="en-US")
    other_page = bank.new_page()
    other_page.base_url = live_server.url
    login(other_page, setup["bank_customer"].username, f.PASSWORD)
    other_page.goto(f"{live_server.url}/portal/")
    assert other_page.locator("aside.announcement-banner").count() == 0
    other_page.goto(f"{live_server.url}/portal/announcements/")
    assert "Billing upgrade" not in other_page.inner_text("main")
    bank.close()
