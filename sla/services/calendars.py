"""Business calendars: validation, create/replace, delete when unused, and public
holidays merged in (``manage.py import_holidays``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_manager

from .. import calendar as bcal
from ..holidays import merge_into_spec
from ..models import (
    BusinessCalendar,
)
from ..selectors import (
    calendar_dependents,
)


def calendar_validate(spec: Any) -> dict[str, Any]:
    """The canonical spec, or a ValidationFailed naming the field."""
    if not isinstance(spec, dict):
        raise ValidationFailed(
            _("A calendar is a JSON object."), fields={"spec": [_("Not an object.")]}
        )
    try:
        calendar = bcal.BusinessCalendar.from_spec(spec)
        # what the first clock on it would do: a calendar without working time fails here,
        # at save, rather than at the next ticket's intake
        calendar.add_business_minutes(timezone.now(), 60)
        return calendar.to_spec()
    except bcal.CalendarSpecError as exc:
        raise ValidationFailed(
            _("The calendar has errors."),
            code="calendar_invalid",
            fields={f"spec.{exc.field}" if exc.field else "spec": [str(exc.message)]},
        ) from None


@transaction.atomic
def calendar_save(
    *, actor: User, name: str, spec: Any, description: str = "", calendar=None
) -> BusinessCalendar:
    """Create or replace a calendar. Running clocks keep the deadlines already computed."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may change business calendars."))
    canonical = calendar_validate(spec)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), fields={"name": [_("Required.")]})
    clash = BusinessCalendar.objects.filter(name=name)
    if calendar is not None:
        clash = clash.exclude(pk=calendar.pk)
    if clash.exists():
        raise ValidationFailed(
            _("A calendar with this name exists."), fields={"name": [_("Already used.")]}
        )
    if calendar is None:
        return BusinessCalendar.objects.create(name=name, spec=canonical, description=description)
    calendar.name, calendar.spec, calendar.description = name, canonical, description
    calendar.save()
    return calendar


@transaction.atomic
def calendar_delete(calendar: BusinessCalendar, *, actor: User) -> None:
    """Delete an unused calendar; one in use is a 409 naming what uses it."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may change business calendars."))
    policies, clocks = calendar_dependents(calendar)
    if policies or clocks:
        raise Conflict(
            _("This calendar is in use by %(policies)s and %(clocks)d clocks.")
            % {"policies": ", ".join(policies) or "-", "clocks": clocks},
            code="calendar_in_use",
            extra={"policies": policies, "clocks": clocks},
        )
    calendar.delete()


@transaction.atomic
def calendar_holidays_add(
    name: str,
    *,
    days_off: list[Any],
    workdays: list[Any],
    replace_year: int | None = None,
    dry_run: bool = False,
) -> BusinessCalendar:
    """Merge public holidays and make-up workdays into the calendar called ``name`` (the
    ``import_holidays`` command), under a row lock; ``replace_year`` drops that year's dates
    first. ``dry_run`` checks everything and saves nothing. A missing calendar is
    ``NotFound``; a stored spec that is invalid raises ``CalendarSpecError``. Like every
    calendar edit it changes deadlines computed from then on, never the stored ones."""
    calendar = BusinessCalendar.objects.select_for_update().filter(name=name).first()
    if calendar is None:
        raise NotFound(_("Business calendar not found."))
    spec = merge_into_spec(calendar.spec, days_off, workdays, replace_year=replace_year)
    if not dry_run:
        calendar.spec = spec
        calendar.save()
    return calendar
