"""Screenshots of the demo's pages for docs/screenshots/, in English and Chinese.

Seeds a throwaway SQLite database with ``seed_demo``, runs the development server on
127.0.0.1, signs in as the demo manager with headless Chromium (Playwright, Debian's
``/usr/bin/chromium``) and saves one PNG per page and language (at most 1,800 pixels of a
long page, under 300 KB each). Pages that are not there yet (a 404) are skipped. Then the
customer's portal (demo user ``zhangwei``) at desktop size and at a phone's 390x844 (files
``demo-phone-*``). Chinese needs a CJK font where Chromium runs (Debian: fonts-noto-cjk).

    .venv/bin/python bench/screenshots.py            # all pages
    .venv/bin/python bench/screenshots.py --keep     # keep the database and print its path
    .venv/bin/python bench/screenshots.py --language zh-hans   # one language only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented demo password
MAX_BYTES = 300 * 1024
MAX_HEIGHT = 1800  # pixels of a long page (the top of the dashboard is what a manager reads)
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}


REPORT_RUN = """
import datetime as dt
from reports.models import ReportRun
from reports.services import report_run_request
from servicedesk.models import User
from django.db import transaction
from django.utils import timezone
today = timezone.localdate()
last = today.replace(day=1) - dt.timedelta(days=1)
with transaction.atomic():
    run = report_run_request(user=User.objects.get(username="manager"), kind="service",
                             period_start=last.replace(day=1), period_end=last)
run.refresh_from_db()
print(run.pk, run.state)
"""


def pages(today: dt.date, run_id: int | None = None) -> list[tuple[str, str]]:
    """(file name, path) of the pages to show: the dashboard and indicators of the last whole
    month, the service hours of the whole history."""
    since = (today - dt.timedelta(days=183)).isoformat()
    span = f"date_from={since}&date_to={today.isoformat()}"
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return [
        ("dashboard", f"/reports/dashboard/?period=month&date={last_month}"),
        ("reports", f"/reports/?period=month&date={last_month}"),
        ("staff-queue", "/staff/"),
        ("service-hours", f"/maintenance/service-hours/?group_by=engineer&{span}"),
        ("maintenance-calendar", "/maintenance/calendar/"),
        ("maintenance-plans", "/maintenance/plans/"),
        ("work-orders", "/maintenance/work-orders/"),
        ("approvals", "/maintenance/approvals/"),
        # detail pages: the first link of a list page (name, list path, link selector)
        ("staff-ticket", "/staff/ -> table.queue tbody a"),
        ("work-order", "/maintenance/work-orders/ -> table tbody td a[href*='/work-orders/']"),
        *([("report-run", f"/reports/runs/{run_id}/")] if run_id else []),
    ]


CUSTOMER = "zhangwei"
PHONE = {"width": 390, "height": 844}


def portal_pages() -> list[tuple[str, str]]:
    return [
        ("portal-list", "/portal/"),
        ("portal-new", "/portal/new/"),
        ("portal-ticket", "/portal/ -> .portal-table tbody a"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--language", choices=sorted(LANGUAGES), help="only this language")
    parser.add_argument(
        "--only", action="append", help="only this page (repeatable), e.g. report-run"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sd-screens-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
            "VAR_DIR": str(work),
            "DEBUG": "1",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
    started = time.monotonic()
    subprocess.run([*manage, "seed_demo", "--verbosity", "0"], env=env, check=True)
    print(f"seeded in {time.monotonic() - started:.1f} s: {work}")
    made = subprocess.run(
        [*manage, "shell", "-c", REPORT_RUN], env=env, check=True, capture_output=True, text=True
    )
    run_id, state = made.stdout.split()[-2:]
    print(f"report run {run_id}: {state}")
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(f"{base}/healthz")
        _shoot(base, [args.language] if args.language else list(LANGUAGES), int(run_id), args.only)
    finally:
        server.terminate()
        server.wait(timeout=20)
    if args.keep:
        print(f"database kept: {work / 'demo.sqlite3'}")
    return 0


def _shoot(base: str, languages: list[str], run_id: int, only: list[str] | None) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    today = dt.datetime.now(tz=ZoneInfo("Asia/Shanghai")).date()
    with sync_playwright() as pw:
        for language in languages:
            locale = LANGUAGES[language]
            # --lang: date and file inputs speak the browser's own language, not the page's
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", f"--lang={locale}"],
            )
            shots = [
                ("manager", {"width": 1366, "height": 900}, "demo", pages(today, run_id)),
                (CUSTOMER, {"width": 1366, "height": 900}, "demo", portal_pages()),
                (CUSTOMER, PHONE, "demo-phone", portal_pages()),
            ]
            for user, viewport, prefix, paths in shots:
                context = browser.new_context(
                    locale=locale, viewport=viewport, device_scale_factor=1
                )
                context.set_extra_http_headers({"Accept-Language": locale})
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                for name, path in paths:
                    if only and name not in only:
                        continue
                    _save(page, base, path, OUT / f"{prefix}-{name}-{language}.png", viewport)
                context.close()
            browser.close()


def _save(page, base: str, path: str, target: Path, viewport: dict[str, int]) -> None:
    if " -> " in path:  # a detail page: follow the first matching link of a list page
        path, selector = path.split(" -> ")
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")  # the queue's rows may come by htmx
        link = page.locator(selector).first
        if not link.count():
            print(f"skipped {target.name}: no link {selector} on {path}")
            return
        path = link.get_attribute("href") or path
    response = page.goto(f"{base}{path}")
    if response is None or response.status != 200:
        print(f"skipped {path}: {response.status if response else 'no answer'}")
        return
    page.wait_for_load_state("networkidle")
    width = viewport["width"]
    height = min(page.evaluate("document.body.scrollHeight"), MAX_HEIGHT)
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=str(target), full_page=True, clip=clip)
    if target.stat().st_size >= MAX_BYTES:  # the visible window only
        page.screenshot(path=str(target), full_page=False)
    size = target.stat().st_size
    note = "" if size < MAX_BYTES else "  (over 300 KB)"
    print(f"{target.relative_to(ROOT)}: {size // 1024} KB{note}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
