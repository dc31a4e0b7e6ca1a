"""A manager opens the dashboard from the navigation, picks November 2026, reads the
figures and charts, follows a figure to its tickets; a customer reads their own report.
Uses the hand-computed desk of tests/reports/conftest.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tests.reports.conftest import desk  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_dashboard_and_follows_a_figure(page, desk):  # noqa: F811
    manager = f.UserFactory(username="boss", role=Role.MANAGER)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, manager.username, f.PASSWORD)
    page.locator("#nav-dashboard").click()
    page.wait_for_load_state("networkidle")
    form = page.locator("#report-filters")
    form.locator("select[name=period]").select_option("month")
    form.locator("input[name=date]").fill("2026-11")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    expect(page.locator("#period-label")).to_have_text("2026-11")
    expect(page.locator("#tile-received .tile-value")).to_have_text("5")
    expect(page.locator("#tile-resolved .tile-value")).to_have_text("3")
    expect(page.locator("#tile-fcr .tile-value")).to_have_text("50.0%")
    expect(page.locator("#tile-fcr")).to_have_class("tile below-target")
    assert page.locator("svg.chart polyline").count() >= 3
    assert page.locator("svg.chart rect").count() >= 30
    box = page.locator("svg.chart").first.bounding_box()
    assert box and box["width"] > 200  # the stylesheet applied: no inline style needed
    expect(page.locator("#percentiles")).to_contain_text("0.75")
    screenshot(page, "reports-dashboard")
    assert not [e for e in errors if "Content Security Policy" in e]

    page.locator("#tile-resolved").click()
    page.wait_for_load_state("networkidle")
    assert "/staff/" in page.url
    rows = page.locator("table.queue tbody")
    for number in ("T1", "T2", "T4"):
        expect(rows).to_contain_text(number)
    expect(rows).not_to_contain_text("T3")


def test_customer_reads_their_organizations_indicators_in_chinese(page, desk):  # noqa: F811
    customer = f.CustomerFactory(username="li", organization=desk.org_a)
    login(page, customer.username, f.PASSWORD)
    page.goto(f"{page.base_url}/reports/?period=month&date=2026-11")
    expect(page.locator("#indicator-fcr_hotline td.num").first).to_have_text("0.0%")
    page.locator("select[name=language]").select_option("zh-hans")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("服务质量指标")
    expect(page.locator("#indicator-fcr_hotline th")).to_have_text("首次解决率（热线）")
    response = page.goto(f"{page.base_url}/reports/dashboard/")
    assert response is not None and response.status == 404
