"""In Chromium, with every request outside the test server refused (an isolated network):
the API docs show the operations, the pages run under their Content-Security-Policy
without a violation, and a locked-out sign-in explains itself in Chinese."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def isolate(page) -> list[str]:
    """Refuse anything not served by the live server; collect CSP violations."""
    outside: list[str] = []

    def route(route):
        if route.request.url.startswith(page.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.violations = []
    page.on(
        "console",
        lambda m: page.violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return outside


def test_the_api_docs_work_offline_and_list_the_operations(page):
    outside = isolate(page)
    page.goto(f"{page.base_url}/api/docs/")
    # the page renders the operations near the viewport only: scroll down to the tickets'
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    tickets = page.locator(".opblock-summary-path:has-text('/api/v1/tickets/')")
    seen: set[str] = set()
    for _step in range(200):
        seen.update(page.locator(".opblock-summary-path").all_inner_texts())
        if tickets.count():
            break
        page.mouse.wheel(0, 1200)
        page.wait_for_timeout(100)
    paths = seen | set(page.locator(".opblock-summary-path").all_inner_texts())
    assert any("/api/v1/tickets/" in p for p in paths)
    assert any("/api/v1/announcements/" in p for p in paths)
    assert outside == []
    assert page.violations == []
    screenshot(page, "api-docs")


def test_staff_pages_and_the_language_switch_run_under_the_policy(page):
    outside = isolate(page)
    f.UserFactory(username="agent", role="agent")
    login(page, "agent", f.PASSWORD)
    page.goto(f"{page.base_url}/staff/")
    page.select_option("select[name=language]", "zh-hans")  # submits without inline script
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert outside == [] and page.violations == []


def test_a_locked_out_sign_in_says_why_and_how_to_reset(page, settings):
    f.UserFactory(username="liu.yang")
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": page.base_url}]
    )
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(page, "liu.yang", "wrong-password")
    assert "登录暂时锁定" in page.content()
    page.click("a:has-text('重置密码')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/accounts/password/reset/")
    screenshot(page, "password-reset")
