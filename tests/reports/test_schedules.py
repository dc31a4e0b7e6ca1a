"""Scheduled reports: one run per schedule and closed period however often beat fires, mailed
through the outbox with the XLSX attached (a real SMTP server), to the recipients and, for a
customer's monthly report, to that customer's contacts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reports.models import ReportRun, ReportSchedule, RunState
from reports.services import report_schedules_run
from reports.services.closed_periods import closed_period, period_label
from servicedesk.models import OutboxMessage
from servicedesk.outbox import outbox_deliver_pending
from tests import factories as f
from tests.smtp_support import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        for name, value in server.email_settings().items():
            setattr(settings, name, value)
        settings.EMAIL_TIMEOUT = 2
        yield server


def test_closed_periods_and_their_labels():
    day = dt.date(2026, 12, 3)  # a Thursday
    assert closed_period("week", day) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert closed_period("month", day) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert closed_period("quarter", day) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert closed_period("quarter", dt.date(2026, 2, 1)) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    assert period_label(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == "2026-11"
    assert period_label(dt.date(2026, 7, 1), dt.date(2026, 9, 30)) == "2026-Q3"
    assert period_label(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == "2026-W48"


def test_beat_firing_twice_creates_one_run_per_schedule_and_period(manager, org):
    schedule = ReportSchedule.objects.create(
        kind="service", frequency="month", recipients=["boss@example.com"], created_by=manager
    )
    day = dt.date(2026, 12, 3)
    first = report_schedules_run(today=day)
    assert len(first) == 1
    assert report_schedules_run(today=day) == []
    assert report_schedules_run(today=dt.date(2026, 12, 28)) == []  # still November's
    assert len(report_schedules_run(today=dt.date(2027, 1, 2))) == 1  # December's
    runs = ReportRun.objects.filter(schedule=schedule).order_by("period_start")
    assert [r.period_label for r in runs] == ["2026-11", "2026-12"]


def test_the_run_is_mailed_with_its_xlsx_to_recipients_and_contacts(
    smtp, manager, org, customer, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_DELIVER_ON_COMMIT = False  # delivered below, by hand
    f.ContactFactory(organization=org, name="Wang Fang", email="wang@acme.example")
    f.TicketFactory(organization=org, created_at=dt.datetime(2026, 11, 5, 3, tzinfo=dt.UTC))
    ReportSchedule.objects.create(
        kind="service",
        frequency="month",
        organization=org,
        recipients=["boss@example.com"],
        to_contacts=True,
        language="en",
        created_by=manager,
    )
    with django_capture_on_commit_callbacks(execute=True):
        (run_id,) = report_schedules_run(today=dt.date(2026, 12, 3))
    run = ReportRun.objects.get(pk=run_id)
    assert run.state == RunState.DONE
    assert run.snapshot["summary"]["received"] == 1
    rows = OutboxMessage.objects.filter(topic="report.run")
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        ["boss@example.com", "wang@acme.example", customer.email]
    )
    result = outbox_deliver_pending()
    assert (result.sent, result.failed) == (3, 0)
    assert len(smtp.received) == 3
    message = smtp.received[0]
    assert "Customer service report 2026-11" in message["Subject"]
    parts = [p for p in message.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == [f"service-report-2026-11-01-{run.pk}.xlsx"]
    book = load_workbook(io.BytesIO(parts[0].get_payload(decode=True)))
    assert book.sheetnames[0] == "Summary"
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True)}
    assert summary["Tickets received"] == 1
