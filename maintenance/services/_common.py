"""Helpers of the maintenance services: numbering, locking, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, StaleVersion
from servicedesk.models import User
from servicedesk.permissions import is_staff_user

from ..models import WorkOrder, WorkOrderEvent, WorkOrderSequence
from ..permissions import work_order_visibility_q


def next_number(now: datetime) -> str:
    """``WO-<year>-<6 digits>``; the year row is locked until commit, so numbers never repeat."""
    year = timezone.localtime(now).year
    if not WorkOrderSequence.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                WorkOrderSequence.objects.create(year=year, last=1)
        except IntegrityError:  # another transaction created the year's row first
            WorkOrderSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = WorkOrderSequence.objects.values_list("last", flat=True).get(year=year)
    return f"WO-{year}-{last:06d}"


def lock(order: WorkOrder, actor: User, expected_version: int | None = None) -> WorkOrder:
    """Re-read the order under a row lock, as the actor may see it (customers: never)."""
    try:
        locked = (
            WorkOrder.objects.select_for_update()
            .filter(work_order_visibility_q(actor))
            .get(pk=order.pk)
        )
    except WorkOrder.DoesNotExist:
        raise NotFound(_("Work order not found.")) from None
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersion(
            _(
                "This work order was changed by someone else (version %(current)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {"current": locked.version, "sent": expected_version},
            extra={"current_version": locked.version},
        )
    return locked


def save(order: WorkOrder, fields: list[str]) -> None:
    order.version += 1
    order.save(update_fields=[*set(fields), "version", "updated_at"])


def event(order: WorkOrder, actor: User | None, kind: str, **data: Any) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(work_order=order, actor=actor, kind=kind, data=data)


def require(actor: User, allowed: bool, message: str) -> None:
    """403 for staff without the role; 404 for everyone else (customers never learn that a
    work order exists)."""
    if allowed:
        return
    if not is_staff_user(actor):
        raise NotFound(_("Work order not found."))
    raise NotAllowed(message)
