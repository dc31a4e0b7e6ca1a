"""Staff lists on a phone (390x844): the queue, the work orders and the follow-ups become one
card per row with each value's column name beside it (data-label), with no sideways
scrolling, tap targets of at least 24 px, and nothing serious or critical for axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from maintenance import services as wo
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import assert_accessible, assert_fits, login, screenshot, use_language
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 390


@pytest.fixture
def desk():
    org = f.OrganizationFactory(name="华东电网", code="east-grid")
    product = f.ProductFactory(name="营销管理系统", code="billing")
    f.ContractFactory(organization=org, products=[product])
    customer = f.CustomerFactory(username="zhangwei", organization=org)
    f.ContactFactory(organization=org, user=customer, name="张伟", email=customer.email)
    manager = f.UserFactory(username="manager", role=Role.MANAGER)
    agent = f.UserFactory(username="agent", role=Role.AGENT)
    tickets = [
        services.ticket_create(
            actor=customer, title=title, kind=TicketKind.FAULT, channel=Channel.PORTAL,
            product=product, proposed_severity=severity,
        )
        for title, severity in [
            ("月末发票打印失败，整个批次停止在第 100 页附近，财务无法发出发票", "L2"),
            ("How do I add a cost centre to an existing contract with a very long name?", "L4"),
        ]
    ]  # fmt: skip
    order = wo.work_order_draft(
        actor=agent, kind="corrective", title="发票打印失败", tickets=tickets[:1]
    )
    wo.work_order_submit(order, actor=agent)
    services.ticket_assign(tickets[0], actor=manager, team=None, assignee=manager)
    services.ticket_transition(tickets[0], actor=manager, to_status=TicketStatus.IN_PROGRESS)
    services.ticket_transition(
        tickets[0], actor=manager, to_status=TicketStatus.RESOLVED, comment="驱动已更新。"
    )  # an L2 fault resolved: its follow-up is due
    return {"manager": manager, "tickets": tickets}


def _cards_fit(page, rows: str, names: tuple[str, ...]) -> None:
    card = page.locator(rows).first
    expect(card).to_be_visible()
    for name in names:
        cell = card.locator(f"td[data-label='{name}']")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (name, box)


def _tap_targets(page, selector: str) -> int:
    targets = page.locator(selector)
    for i in range(targets.count()):
        if not targets.nth(i).is_visible():
            continue
        box = targets.nth(i).bounding_box()
        assert box and box["height"] >= 24 and box["width"] >= 24, (selector, i, box)
    return targets.count()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_queue_is_cards_on_a_phone(phone, desk, language):
    page = phone
    use_language(page, language)
    login(page, desk["manager"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/staff/?view=all")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    assert_fits(page)
    names = (
        ("Ticket number", "Title", "Severity", "Status", "Next deadline")
        if language == "en"
        else ("工单编号", "标题", "故障级别", "状态")
    )
    _cards_fit(page, "table.queue tbody tr", names)
    # every row is a card: its cells stack, none sits beside another
    first = page.locator("table.queue tbody tr").first
    boxes = [first.locator("td").nth(i).bounding_box() for i in range(first.locator("td").count())]
    visible = [b for b in boxes if b and b["height"] > 0]
    assert all(b["x"] + b["width"] <= WIDTH for b in visible)
    assert _tap_targets(page, "table.queue tbody a") >= 4
    _tap_targets(page, "table.queue tbody input[type=checkbox]")
    assert_accessible(page)
    screenshot(page, f"phone-staff-queue-{language}")


def test_work_orders_and_follow_ups_are_cards_on_a_phone(phone, desk):
    page = phone
    login(page, desk["manager"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/maintenance/work-orders/")
    assert_fits(page)
    _cards_fit(page, "table.work-orders tbody tr", ("Work order number", "Status", "Created"))
    _tap_targets(page, "table.work-orders tbody a")
    assert_accessible(page)

    page.goto(f"{page.base_url}/maintenance/follow-ups/?all=1")
    assert_fits(page)
    _cards_fit(page, "#follow-up-list tbody tr", ("Due", "Ticket", "Outcome"))
    _tap_targets(page, "#follow-up-list tbody a")
    assert_accessible(page)


def test_the_queue_stays_a_table_on_a_desktop(page, desk):
    login(page, desk["manager"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/staff/?view=all")
    assert page.locator("table.queue thead").first.is_visible()
    display = page.locator("table.queue tbody tr").first.evaluate(
        "el => getComputedStyle(el).display"
    )
    assert display == "table-row"
