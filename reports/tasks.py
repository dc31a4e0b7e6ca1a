"""Thin Celery tasks of the reports: the work is in ``reports.services``."""

from __future__ import annotations

from celery import shared_task

from .services import (
    report_run_advance,
    report_runs_recover,
    report_schedules_run,
    rollup_refresh,
)


@shared_task(ignore_result=True)
def report_run_step_task(run_id: int) -> bool:
    """Generate the run's next section; the next step is published when it is stored (a
    claim makes a duplicate message or a recovery republish harmless)."""
    return report_run_advance(run_id)


@shared_task(ignore_result=True)
def report_runs_recover_task() -> int:
    """Beat, every minute: runs whose worker died or whose step message was lost go on."""
    return report_runs_recover()


@shared_task(ignore_result=True)
def report_schedules_run_task() -> int:
    """Beat, hourly: the run of each schedule's last closed period (idempotent)."""
    return len(report_schedules_run())


@shared_task(ignore_result=True)
def rollup_refresh_task() -> int:
    """Beat, every five minutes: roll up the days that changed or became old enough."""
    return rollup_refresh()
