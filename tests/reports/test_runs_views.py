"""The report pages: request, progress (htmx partial), document, cancel, XLSX, print view,
schedules; customers only their organization's runs (404 otherwise); query counts."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from reports.models import ReportKind, ReportRun, ReportSchedule, RunState
from reports.services import report_run_advance, report_run_request
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, other_org, team):
    now = timezone.now()
    f.TicketFactory(
        organization=org,
        team=team,
        title="=HYPERLINK(evil)",
        created_at=now - timedelta(days=3),
        resolution_due_at=now - timedelta(days=2),
    )
    f.TicketFactory(organization=org, created_at=now - timedelta(days=2))
    f.TicketFactory(organization=other_org, created_at=now - timedelta(days=1))


def make_run(user, finished=True, **changes):
    today = timezone.localdate()
    values = {
        "user": user,
        "kind": ReportKind.SERVICE,
        "period_start": today - timedelta(days=30),
        "period_end": today,
    }
    values.update(changes)
    run = report_run_request(**values)
    while finished and report_run_advance(run.pk):
        pass
    return ReportRun.objects.get(pk=run.pk)


def test_a_manager_requests_a_report_from_the_form(client, manager, data):
    client.force_login(manager)
    assert client.get("/reports/runs/new/").status_code == 200
    response = client.post(
        "/reports/runs/new/", {"kind": "service", "period": "this_month", "language": "en"}
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/runs/{run.pk}/"
    assert run.period_start == timezone.localdate().replace(day=1)
    page = client.get(response.url).content.decode()
    assert 'id="run-progress"' in page and "hx-trigger" in page


def test_bad_form_input_is_shown_on_the_form(client, manager):
    client.force_login(manager)
    response = client.post(
        "/reports/runs/new/",
        {"kind": "service", "period": "custom", "period_start": "2026-05-01", "language": "en"},
    )
    assert response.status_code == 200
    assert "Give both days of the period." in response.content.decode()
    response = client.post(
        "/reports/runs/new/",
        {"kind": "service", "period": "last_month", "organization": "nope", "language": "en"},
    )
    assert "No customer has this code." in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_progress_partial_polls_while_running_and_reloads_when_done(client, manager, data):
    client.force_login(manager)
    run = make_run(manager, finished=False)
    report_run_advance(run.pk)
    partial = client.get(f"/reports/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert 'value="12"' in body and "12%" in body and "metrics" in body
    assert "HX-Refresh" not in partial
    while report_run_advance(run.pk):
        pass
    partial = client.get(f"/reports/runs/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert partial["HX-Refresh"] == "true"
    assert "hx-trigger" not in partial.content.decode()


def test_the_finished_document_its_xlsx_and_print_view(client, manager, data):
    client.force_login(manager)
    run = make_run(manager, language="en")
    page = client.get(f"/reports/runs/{run.pk}/").content.decode()
    for text in ("Summary", "Service quality indicators", "<svg", "Breaches", "Open risks",
                 "Service centre", "Download XLSX"):  # fmt: skip
        assert text in page
    response = client.get(f"/reports/runs/{run.pk}/report.xlsx")
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Summary"
    assert {"Breaches", "Open risks", "Service groups", "Volume"} <= set(book.sheetnames)
    breaches = list(book["Breaches"].iter_rows(values_only=True))
    assert breaches[1][1] == "'=HYPERLINK(evil)"  # a formula is quoted, never run
    printable = client.get(f"/reports/runs/{run.pk}/print/").content.decode()
    assert "reports.css" in printable and "print-now" in printable and "<svg" in printable
    assert "topbar" not in printable


def test_cancel_from_the_page(client, manager, data):
    client.force_login(manager)
    run = make_run(manager, finished=False)
    response = client.post(f"/reports/runs/{run.pk}/cancel/")
    assert response.status_code == 302
    assert ReportRun.objects.get(pk=run.pk).state == RunState.CANCELLED
    # An unfinished run has no XLSX or print view.
    assert client.get(f"/reports/runs/{run.pk}/report.xlsx").status_code == 404


def test_customers_see_their_organizations_runs_and_nothing_else(
    client, manager, customer, org, other_org, data
):
    own = make_run(manager, organization=org)
    hidden = [
        make_run(manager, organization=other_org),
        make_run(manager),
        make_run(manager, organization=org, kind=ReportKind.MAINTENANCE),
    ]
    client.force_login(customer)
    listing = client.get("/reports/runs/").content.decode()
    assert f"/reports/runs/{own.pk}/" in listing
    assert client.get(f"/reports/runs/{own.pk}/report.xlsx").status_code == 200
    for run in hidden:
        assert f"/reports/runs/{run.pk}/" not in listing
        for suffix in ("", "progress/", "report.xlsx", "print/"):
            assert client.get(f"/reports/runs/{run.pk}/{suffix}").status_code == 404
        assert client.post(f"/reports/runs/{run.pk}/cancel/").status_code == 404
    form = client.get("/reports/runs/new/").content.decode()
    assert 'name="organization"' not in form and 'value="maintenance"' not in form
    assert client.get("/reports/schedules/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, manager):
    run = make_run(manager, finished=False)
    for url in ("/reports/runs/", "/reports/runs/new/", f"/reports/runs/{run.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_list_and_document_query_counts_do_not_grow(client, manager, org, team, data):
    client.force_login(manager)
    run = make_run(manager, organization=org, team=team)
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/runs/")
    for _ in range(8):
        make_run(manager, finished=False, organization=org, team=team)
    with CaptureQueriesContext(connection) as many:
        client.get("/reports/runs/")
    assert len(many) == len(few) <= 6
    with CaptureQueriesContext(connection) as document:
        assert client.get(f"/reports/runs/{run.pk}/").status_code == 200
    assert len(document) <= 5


def test_a_manager_edits_schedules_in_the_pages(client, manager, agent, org):
    client.force_login(manager)
    response = client.post(
        "/reports/schedules/new/",
        {
            "kind": "service",
            "frequency": "month",
            "organization": org.code,
            "language": "zh-hans",
            "recipients": "a@example.com, b@example.com",
            "to_contacts": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.recipients == ["a@example.com", "b@example.com"] and schedule.to_contacts
    response = client.post(
        f"/reports/schedules/{schedule.pk}/",
        {"kind": "maintenance", "frequency": "quarter", "language": "en", "recipients": "x"},
    )
    assert response.status_code == 200 and "is not an email address" in response.content.decode()
    assert "a@example.com" in client.get("/reports/schedules/").content.decode()
    client.force_login(agent)
    assert client.get("/reports/schedules/").status_code == 403
