"""A report run in real headless Chromium: a manager requests a customer service report, sees
the progress bar move as the steps complete (htmx polling), the finished document with its
charts, and downloads the XLSX; no CSP violation on the way."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports.models import ReportRun
from reports.services import report_run_advance
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_requests_a_report_watches_it_and_downloads_the_xlsx(page, monkeypatch):
    # No worker in this test: the steps are run below, one at a time, while the page polls.
    monkeypatch.setattr("reports.services.runs.publish_step", lambda run_id: None)
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    team = f.TeamFactory(name="Remote support")
    now = timezone.now()
    for days in (1, 2, 3):
        f.TicketFactory(organization=org, team=team, created_at=now - timedelta(days=days))
    f.UserFactory(username="chen.manager", role=Role.MANAGER)
    violations = []
    page.on("console", lambda m: "Content-Security-Policy" in m.text and violations.append(m.text))

    login(page, "chen.manager", PASSWORD)
    page.goto(f"{page.base_url}/reports/runs/")
    page.click("#new-run")
    page.wait_for_url("**/reports/runs/new/")
    page.wait_for_load_state("networkidle")  # the form's page settled before it is filled
    # the form's own fields: the header's language switch is a select named language too
    page.select_option("#run-form select[name=kind]", "service")
    page.select_option("#run-form select[name=period]", "this_month")
    page.select_option("#run-form select[name=language]", "en")
    expect(page.locator("#run-form select[name=period]")).to_have_value("this_month")
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#run-progress")
    assert page.inner_text("#run-state") == "Queued"
    run = ReportRun.objects.get()

    report_run_advance(run.pk)
    report_run_advance(run.pk)
    expect(page.locator("#run-percent")).to_have_text("25%")
    assert "indicators" in page.inner_text("#run-step")
    assert page.get_attribute("#run-progress progress", "value") == "25"

    while report_run_advance(run.pk):
        pass
    page.wait_for_selector("#report-document")  # the finished run reloads the page
    page.wait_for_load_state("load")  # the document arrives before its charts are parsed
    assert page.inner_text("#run-state") == "Done"
    expect(page.locator("#report-document svg").first).to_be_attached()
    assert "Service centre" in page.inner_text("#groups")
    screenshot(page, "report-run")

    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[0] == "Summary"
    assert "Service groups" in book.sheetnames
    assert violations == []
