"""Real headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Playwright's sync API runs an event loop; Django must allow ORM calls from the test body.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions: on a loaded 2-core machine a page's deferred
    # script or an htmx panel can take more than expect's default 5 s to arrive.
    expect.set_options(timeout=15_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def login(page, username: str, password: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page, name: str) -> None:
    """Save a screenshot for the docs (only when asked, so CI does not dirty the tree)."""
    if os.environ.get("SAVE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# ---------------------------------------------------------------- accessibility and phones

PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


@pytest.fixture
def phone(browser, live_server):
    """A page the size of a phone (390x844, touch), in the language a test sets by cookie."""
    context = browser.new_context(
        locale="en-US", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


def use_language(page, code: str) -> None:
    """Set Django's language cookie for the page's context (the switcher posts the same)."""
    host = page.base_url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": "django_language", "value": code, "domain": host, "path": "/"}]
    )


_BROKEN_REFERENCES = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby], label[for]')) {
    const refs = (el.getAttribute('aria-describedby') || '') + ' ' +
                 (el.getAttribute('aria-labelledby') || '') + ' ' + (el.getAttribute('for') || '');
    for (const id of refs.split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) out.push(`${el.tagName.toLowerCase()}#${el.id} -> ${id}`);
    }
  }
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  for (const [id, n] of Object.entries(seen)) if (n > 1) out.push(`duplicate id ${id} x${n}`);
  return out;
}"""


def assert_accessible(page) -> None:
    """axe-core (bundled by axe-playwright-python, injected locally) finds nothing serious or
    critical, and every id an ARIA attribute or label points at exists exactly once."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in bad
    )
    assert not bad, f"{page.url}\n{report}"
    broken = page.evaluate(_BROKEN_REFERENCES)
    assert not broken, f"{page.url}: {broken}"


_OVERFLOW = """() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest('[hidden], .sr-only'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className);
  return {scroll: root.scrollWidth, inner: window.innerWidth, wide};
}"""


def assert_fits(page) -> None:
    """No horizontal scrolling: the page is no wider than the viewport."""
    sizes = page.evaluate(_OVERFLOW)
    assert sizes["scroll"] <= sizes["inner"], f"{page.url}: {sizes}"
