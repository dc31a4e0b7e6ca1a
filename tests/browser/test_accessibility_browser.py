"""The main pages under axe-core, and every portal page on a phone (390x844), in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from maintenance import services as wo
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import (
    assert_accessible,
    assert_fits,
    login,
    screenshot,
    use_language,
)
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk():
    org = f.OrganizationFactory(name="华东电网", code="east-grid")
    product = f.ProductFactory(name="营销管理系统", code="billing")
    f.ProductVersionFactory(product=product, version="3.2")
    f.ContractFactory(organization=org, products=[product])
    customer = f.CustomerFactory(
        username="zhangwei", organization=org, first_name="伟", last_name="张"
    )
    f.ContactFactory(organization=org, user=customer, name="张伟", email=customer.email)
    agent = f.UserFactory(username="agent", role=Role.AGENT)
    manager = f.UserFactory(username="manager", role=Role.MANAGER)
    tickets = [
        services.ticket_create(
            actor=customer,
            title=title,
            kind=TicketKind.FAULT,
            channel=Channel.PORTAL,
            product=product,
            description="月末发票批量打印在约 100 页后停止，报错 E42。",
            impact="财务无法发出发票。",
            proposed_severity=severity,
        )
        for title, severity in [
            ("月末发票打印失败，整个批次停止在第 100 页附近", "L3"),
            ("How do I add a cost centre to an existing contract?", "L1"),
        ]
    ]
    order = wo.work_order_draft(
        actor=agent, kind="corrective", title="发票打印失败", tickets=tickets[:1]
    )
    order = wo.work_order_submit(order, actor=agent)
    return {
        "customer": customer,
        "agent": agent,
        "manager": manager,
        "tickets": tickets,
        "order": order,
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_main_pages_have_no_serious_or_critical_violations(page, desk, language):
    use_language(page, language)
    page.goto(f"{page.base_url}/accounts/login/")
    assert_accessible(page)

    ticket = desk["tickets"][0]
    login(page, desk["customer"].username, f.PASSWORD)
    for path in ["/portal/", "/portal/new/", f"/portal/tickets/{ticket.number}/"]:
        page.goto(page.base_url + path)
        assert_accessible(page)

    page.context.clear_cookies()
    use_language(page, language)
    login(page, desk["manager"].username, f.PASSWORD)
    for path in [
        "/staff/",
        f"/staff/tickets/{ticket.pk}/",
        f"/maintenance/work-orders/{desk['order'].pk}/",
        "/maintenance/approvals/",
        "/reports/dashboard/",
    ]:
        page.goto(page.base_url + path)
        assert_accessible(page)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_portal_page_fits_a_phone(phone, desk, language):
    page = phone
    use_language(page, language)
    ticket = desk["tickets"][0]
    page.goto(f"{page.base_url}/accounts/login/")
    assert_fits(page)
    login(page, desk["customer"].username, f.PASSWORD)

    page.goto(f"{page.base_url}/portal/")
    assert_fits(page)
    # The header collapses behind a menu button; opened, Sign out is on screen and tappable.
    toggle = page.locator("button.nav-toggle")
    expect(toggle).to_be_visible()
    sign_out = page.locator("header form[action$='/logout/'] button")
    expect(sign_out).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sign_out).to_be_visible()
    box = sign_out.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 24
    assert_fits(page)
    toggle.click()
    expect(sign_out).to_be_hidden()

    # Cards, not a wide table: every column's value is on screen with its name beside it.
    card = page.locator(".portal-table tbody tr").first
    for name in (
        ("Status", "Severity", "Product", "Created")
        if language == "en"
        else ("状态", "故障级别", "产品", "创建时间")
    ):
        cell = card.locator(f"td[data-label='{name}']")
        expect(cell).to_be_visible()
        cell_box = cell.bounding_box()
        assert cell_box and cell_box["x"] + cell_box["width"] <= 390
    links = page.locator(".portal-table tbody a")
    assert links.count() >= 2
    for i in range(links.count()):
        link_box = links.nth(i).bounding_box()
        assert link_box and link_box["height"] >= 24, (i, link_box)
    screenshot(page, f"phone-portal-list-{language}")

    page.goto(f"{page.base_url}/portal/new/")
    assert_fits(page)
    screenshot(page, f"phone-portal-new-{language}")

    page.goto(f"{page.base_url}/portal/tickets/{ticket.number}/")
    assert_fits(page)
    reply = page.locator("textarea[name=body]")
    expect(reply).to_be_visible()
    reply_box = reply.bounding_box()
    assert reply_box and reply_box["x"] >= 0 and reply_box["x"] + reply_box["width"] <= 390
    screenshot(page, f"phone-portal-ticket-{language}")

    for path in [
        "/portal/downloads/",
        "/reports/",
        "/accounts/notifications/",
        "/accounts/tokens/",
    ]:
        page.goto(page.base_url + path)
        assert_fits(page)
