"""What a scheduled report's mail says, and its XLSX attachment (registered with the
outbox in ``ReportsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from servicedesk.exports import XLSX
from servicedesk.outbox import Attachment, attacher, renderer

from .exports import run_file_name, run_xlsx, scope_text, summary_rows
from .models import ReportRun, RunState
from .services.delivery import TOPIC


def finished_run(payload: dict[str, Any]) -> ReportRun:
    return ReportRun.objects.select_related("organization", "team", "product").get(
        pk=payload["run"], state=RunState.DONE
    )


@renderer(TOPIC)
def report_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    run = finished_run(payload)
    subject = _("%(report)s %(period)s") % {
        "report": run.get_kind_display(),
        "period": run.period_label,
    }
    lines = [
        f"{run.get_kind_display()} — {run.period_label} ({run.period_start} – {run.period_end})",
        f"{_('Scope')}: {scope_text(run)}",
        "",
        *[f"{name}: {value}" for name, value in summary_rows(run.snapshot)],
        "",
        _("The full report is attached (XLSX)."),
        "",
        f"— {settings.SERVICE_DESK_NAME}",
    ]
    return subject, "\n".join(lines)


@attacher(TOPIC)
def report_attachment(payload: dict[str, Any]) -> list[Attachment]:
    run = finished_run(payload)
    return [(run_file_name(run, "xlsx"), run_xlsx(run), XLSX)]
