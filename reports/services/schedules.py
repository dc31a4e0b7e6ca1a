"""Report schedules (managers only) and the beat job that turns them into runs.

``report_schedules_run`` creates, for every active schedule, the run of the last closed
period unless it exists: the unique constraint (schedule, period_start) makes a second
firing of beat, or two beats at once, create nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed

from ..models import Frequency, Language, ReportKind, ReportRun, ReportSchedule
from ..permissions import can_manage_schedules
from .closed_periods import closed_period
from .runs import event, report_run_request

EDITABLE = ("kind", "frequency", "organization", "team", "product", "language", "recipients",
            "to_contacts", "is_active")  # fmt: skip
MAX_RECIPIENTS = 50


def check_schedule(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if values.get("kind") not in ReportKind.values:
        errors["kind"] = [_("Unknown report.")]
    if values.get("frequency") not in Frequency.values:
        errors["frequency"] = [_("Choose weekly, monthly or quarterly.")]
    if values.get("language") not in Language.values:
        errors["language"] = [_("Unknown language.")]
    recipients = values.get("recipients") or []
    if len(recipients) > MAX_RECIPIENTS:
        errors["recipients"] = [_("At most %(n)d recipients.") % {"n": MAX_RECIPIENTS}]
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            errors.setdefault("recipients", []).append(
                _("“%(address)s” is not an email address.") % {"address": address}
            )
    if values.get("to_contacts") and values.get("organization") is None:
        errors["to_contacts"] = [_("Only a schedule for one customer can mail its contacts.")]
    if not recipients and not values.get("to_contacts"):
        errors["recipients"] = [_("Give at least one recipient.")]
    if errors:
        raise ValidationFailed(_("The schedule is not valid."), fields=errors)


@transaction.atomic
def report_schedule_save(
    *, user: Any, schedule: ReportSchedule | None = None, **values: Any
) -> ReportSchedule:
    """Create a schedule, or change ``schedule``; managers only."""
    if not can_manage_schedules(user):
        raise NotAllowed(_("Only managers may subscribe to scheduled reports."))
    if schedule is not None:
        locked = ReportSchedule.objects.select_for_update().filter(pk=schedule.pk).first()
        if locked is None:
            raise NotFound(_("Report schedule not found."))
        current = {name: getattr(locked, name) for name in EDITABLE}
        merged = {**current, **{k: v for k, v in values.items() if k in EDITABLE}}
    else:
        locked = None
        merged = {"language": Language.ZH_HANS, "to_contacts": False, "is_active": True}
        merged.update({k: v for k, v in values.items() if k in EDITABLE})
    merged["recipients"] = sorted({a.strip() for a in merged.get("recipients") or [] if a.strip()})
    check_schedule(merged)
    if locked is None:
        return ReportSchedule.objects.create(created_by=user, **merged)
    for name, value in merged.items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def report_schedule_delete(*, user: Any, schedule: ReportSchedule) -> None:
    if not can_manage_schedules(user):
        raise NotAllowed(_("Only managers may subscribe to scheduled reports."))
    ReportSchedule.objects.filter(pk=schedule.pk).delete()


def report_schedules_run(*, today: dt.date | None = None) -> list[int]:
    """Create the run of each active schedule's last closed period that has none yet.
    Returns the ids of the runs created (none on a second firing)."""
    today = today or timezone.localdate()
    created = []
    for schedule in ReportSchedule.objects.filter(is_active=True).select_related(
        "created_by", "organization", "team", "product"
    ):
        start, end = closed_period(schedule.frequency, today)
        if ReportRun.objects.filter(schedule=schedule, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                run = report_run_request(
                    user=schedule.created_by,
                    kind=schedule.kind,
                    period_start=start,
                    period_end=end,
                    organization=schedule.organization,
                    team=schedule.team,
                    product=schedule.product,
                    language=schedule.language,
                    schedule=schedule,
                )
        except IntegrityError:  # another beat created it between the check and here
            continue
        event(run, "scheduled", None, schedule=schedule.pk)
        created.append(run.pk)
    return created
