"""Reads of report runs and schedules, through ``run_visibility_q``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound

from .models import ReportRun, ReportSchedule
from .permissions import can_manage_schedules, run_visibility_q

RUN_RELATED = ("organization", "team", "product", "requested_by")


def report_runs(user: Any) -> QuerySet[ReportRun]:
    """The runs ``user`` may see, newest first, without their snapshots (lists never need
    them: a year's document is read only by the run's own page)."""
    return (
        ReportRun.objects.filter(run_visibility_q(user))
        .select_related(*RUN_RELATED)
        .defer("snapshot")
        .order_by("-created_at", "-id")
    )


def report_run_get(user: Any, pk: Any, *, with_snapshot: bool = True) -> ReportRun:
    qs = ReportRun.objects.filter(run_visibility_q(user)).select_related(*RUN_RELATED)
    if not with_snapshot:
        qs = qs.defer("snapshot")
    try:
        return qs.get(pk=int(pk))
    except (ReportRun.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Report run not found.")) from None


def report_schedules(user: Any) -> QuerySet[ReportSchedule]:
    if not can_manage_schedules(user):
        return ReportSchedule.objects.none()
    return ReportSchedule.objects.select_related("organization", "team", "product").order_by("id")


def report_schedule_get(user: Any, pk: Any) -> ReportSchedule:
    try:
        return report_schedules(user).get(pk=int(pk))
    except (ReportSchedule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Report schedule not found.")) from None
