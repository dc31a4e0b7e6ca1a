"""服务机时: recording the time staff spent on a ticket or a work order."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_staff_user
from tickets.models import Ticket

from ..choices import WorkMode
from ..models import TimeEntry, WorkOrder
from ..permissions import work_order_visibility_q
from ._common import require

MAX_MINUTES = 24 * 60
NOTE_LENGTH = 300


@transaction.atomic
def time_entry_add(
    *,
    actor: User,
    worked_on: dt.date,
    minutes: int,
    mode: str,
    note: str = "",
    ticket: Ticket | None = None,
    work_order: WorkOrder | None = None,
) -> TimeEntry:
    """Record ``minutes`` the actor worked on ``worked_on`` (today or earlier), on exactly one
    subject they may see: a ticket or a work order. Any staff member records their own time
    (agents on hotline cases, engineers, testers, managers)."""
    require(actor, is_staff_user(actor), _("Only staff record service hours."))
    errors: dict[str, list[str]] = {}
    if (ticket is None) == (work_order is None):
        message = _("Give either a ticket or a work order, not both.")
        errors["ticket"] = errors["work_order"] = [message]
    if ticket is not None and not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        errors["ticket"] = [_("Unknown ticket.")]
    if (
        work_order is not None
        and not WorkOrder.objects.filter(work_order_visibility_q(actor), pk=work_order.pk).exists()
    ):
        errors["work_order"] = [_("Unknown work order.")]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = [_("Between 1 and 1440 minutes (one day).")]
    if mode not in WorkMode.values:
        errors["mode"] = [_("On-site or remote.")]
    if not isinstance(worked_on, dt.date) or isinstance(worked_on, dt.datetime):
        errors["worked_on"] = [_("A date is required.")]
    elif worked_on > timezone.localdate():
        errors["worked_on"] = [_("Time cannot be recorded for a day that has not come yet.")]
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        errors["note"] = [_("At most 300 characters.")]
    if errors:
        raise ValidationFailed(_("The service hours have errors."), fields=errors)
    return TimeEntry.objects.create(
        user=actor,
        ticket=ticket,
        work_order=work_order,
        worked_on=worked_on,
        minutes=minutes,
        mode=mode,
        note=note,
    )
