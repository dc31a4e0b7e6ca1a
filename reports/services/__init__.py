"""Report services, one module per concern; import them from here."""

from .delivery import report_run_deliver
from .rollup import rollup_days, rollup_refresh
from .runs import (
    report_run_advance,
    report_run_cancel,
    report_run_claim,
    report_run_request,
    report_runs_recover,
)
from .schedules import report_schedule_delete, report_schedule_save, report_schedules_run

__all__ = [
    "report_run_advance",
    "report_run_cancel",
    "report_run_claim",
    "report_run_deliver",
    "report_run_request",
    "report_runs_recover",
    "report_schedule_delete",
    "report_schedule_save",
    "report_schedules_run",
    "rollup_days",
    "rollup_refresh",
]
