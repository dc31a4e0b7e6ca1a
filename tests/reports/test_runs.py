"""Report runs: generation step by step with progress, cancel, the frozen snapshot, a killed
worker's run taken over (or failed, never left running), customers' scope."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import ReportKind, ReportRun, RunState
from reports.services import (
    report_run_advance,
    report_run_cancel,
    report_run_claim,
    report_run_request,
    report_runs_recover,
)
from servicedesk.errors import Conflict, NotFound, ValidationFailed
from tests import factories as f
from tickets.choices import Severity, TicketStatus

pytestmark = pytest.mark.django_db


def last_month() -> tuple[dt.date, dt.date]:
    first = timezone.localdate().replace(day=1)
    end = first - timedelta(days=1)
    return end.replace(day=1), end


def ticket(org, *, days_ago: int, **fields):
    created = timezone.now() - timedelta(days=days_ago)
    return f.TicketFactory(organization=org, created_at=created, **fields)


@pytest.fixture
def period():
    today = timezone.localdate()
    return today - timedelta(days=20), today


@pytest.fixture
def tickets(org, other_org, team):
    now = timezone.now()
    rows = [
        ticket(
            org,
            days_ago=5,
            team=team,
            severity=Severity.L1,
            status=TicketStatus.CLOSED,
            resolved_at=now - timedelta(days=4),
            resolution_due_at=now - timedelta(days=5),  # resolved late: a breach
            rating=5,
        ),
        ticket(org, days_ago=3, team=team, severity=Severity.L3, status=TicketStatus.IN_PROGRESS),
        ticket(other_org, days_ago=2, severity=Severity.L2, status=TicketStatus.NEW),
    ]
    return rows


def run_all(run_id: int) -> ReportRun:
    while report_run_advance(run_id):
        pass
    return ReportRun.objects.get(pk=run_id)


def test_a_run_fills_its_snapshot_step_by_step_with_progress(manager, tickets, period):
    run = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    assert (run.state, run.progress, run.step) == (RunState.QUEUED, 0, "summary")
    assert report_run_advance(run.pk) is True
    run.refresh_from_db()
    assert run.state == RunState.RUNNING
    assert run.step == "metrics"
    assert 0 < run.progress < 100
    assert run.snapshot["summary"]["received"] == 3
    run = run_all(run.pk)
    assert (run.state, run.progress, run.step) == (RunState.DONE, 100, "")
    assert run.snapshot["summary"]["breached"] == 1
    assert run.snapshot["breaches"]["rows"][0]["number"] == tickets[0].number
    assert run.snapshot["groups"]["centre"]["received"] == 3
    assert [e.kind for e in run.events.all()] == ["requested", "done"]


def test_the_snapshot_keeps_its_numbers_after_the_data_changes(manager, tickets, period, org):
    run = run_all(
        report_run_request(
            user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
        ).pk
    )
    before = run.snapshot
    ticket(org, days_ago=1, severity=Severity.L1)
    f.TicketFactory.create_batch(3, organization=org)
    run.refresh_from_db()
    assert run.snapshot == before
    assert run.snapshot["summary"]["received"] == 3


def test_cancel_stops_a_queued_run_at_once_and_a_running_one_at_the_next_step(
    manager, tickets, period
):
    queued = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    assert report_run_cancel(user=manager, run_id=queued.pk).state == RunState.CANCELLED
    assert report_run_advance(queued.pk) is False

    running = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    report_run_advance(running.pk)
    assert report_run_cancel(user=manager, run_id=running.pk).state == RunState.RUNNING
    assert report_run_advance(running.pk) is False
    running.refresh_from_db()
    assert running.state == RunState.CANCELLED
    assert set(running.snapshot) == {"summary"}  # nothing after the cancel was stored
    with pytest.raises(Conflict):
        report_run_cancel(user=manager, run_id=running.pk)


def test_a_killed_workers_run_is_taken_over_when_its_lease_runs_out(
    manager, tickets, period, django_capture_on_commit_callbacks
):
    run = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    assert report_run_claim(run.pk) is not None  # a worker took the step, then was killed
    assert report_run_claim(run.pk) is None  # nobody else while the lease holds
    assert report_runs_recover() == 0
    # The lease runs out (as if its five minutes had passed).
    ReportRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert report_runs_recover() == 1  # eager: the chain runs to the end
    run.refresh_from_db()
    assert run.state == RunState.DONE


def test_a_step_that_keeps_killing_its_worker_fails_the_run(manager, tickets, period, settings):
    run = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    now = timezone.now()
    for attempt in range(settings.REPORT_RUN_MAX_ATTEMPTS):
        assert report_run_claim(run.pk, now=now + timedelta(minutes=10 * attempt)) is not None
    assert report_run_advance(run.pk, now=now + timedelta(hours=1)) is False
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert "summary" in run.error
    assert report_runs_recover(now=now + timedelta(hours=2)) == 0  # not active any more


def test_a_run_whose_next_step_was_never_published_is_found(
    manager, period, settings, django_capture_on_commit_callbacks
):
    run = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    assert report_runs_recover() == 0  # just requested: its task is on the way
    later = timezone.now() + timedelta(seconds=settings.REPORT_RUN_STALL_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert report_runs_recover(now=later) == 1
    assert ReportRun.objects.get(pk=run.pk).state == RunState.DONE  # eager tasks ran


def test_a_customers_report_covers_their_own_organization_only(customer, tickets, period):
    run = report_run_request(
        user=customer, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    assert run.organization_id == customer.organization_id
    run = run_all(run.pk)
    assert run.snapshot["summary"]["received"] == 2
    assert "Other Bank" not in str(run.snapshot)


def test_customers_may_not_request_the_maintenance_report_nor_another_organization(
    customer, other_org, period
):
    with pytest.raises(ValidationFailed) as error:
        report_run_request(
            user=customer,
            kind=ReportKind.MAINTENANCE,
            period_start=period[0],
            period_end=period[1],
        )
    assert "kind" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        report_run_request(
            user=customer,
            kind=ReportKind.SERVICE,
            period_start=period[0],
            period_end=period[1],
            organization=other_org,
        )
    assert "organization" in error.value.fields


def test_a_customer_cannot_cancel_another_organizations_run(manager, other_customer, period):
    run = report_run_request(
        user=manager, kind=ReportKind.SERVICE, period_start=period[0], period_end=period[1]
    )
    with pytest.raises(NotFound):
        report_run_cancel(user=other_customer, run_id=run.pk)


def test_bad_periods_are_refused_with_the_field(manager):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as error:
        report_run_request(
            user=manager,
            kind=ReportKind.SERVICE,
            period_start=today,
            period_end=today - timedelta(1),
        )
    assert "period_end" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        report_run_request(
            user=manager,
            kind=ReportKind.SERVICE,
            period_start=today - timedelta(days=800),
            period_end=today,
        )
    assert "period_end" in error.value.fields
    assert not ReportRun.objects.exists()


def test_the_maintenance_report_has_its_own_section(manager, tickets):
    start, end = last_month()
    run = run_all(
        report_run_request(
            user=manager, kind=ReportKind.MAINTENANCE, period_start=start, period_end=end
        ).pk
    )
    assert run.state == RunState.DONE
    assert "maintenance" in run.snapshot and "top_issues" not in run.snapshot
    assert run.period_label == f"{start:%Y-%m}"
