"""回访 and 上门服务: follow-ups after a resolve, and on-site visits of an engineer.

Follow-ups are created by the resolve itself: tickets send ``tickets.signals.ticket_resolved``
inside the resolving transaction and ``follow_up_schedule`` answers it (maintenance is
above tickets, so tickets imports nothing of this module); a follow-up found "recurred"
reopens the ticket through ``tickets.services.ticket_transition``.

Deadlines come from sla's calendars: a follow-up is due at the close of the N-th working
day (``FOLLOW_UP_WORKING_DAYS``) on the standard business calendar, because the L1/L2
tickets it follows run on 24x7; a visit is due 24 business hours after the request on the
calendar of the ticket's resolution clock (24x7 for L1/L2: a real day).

Lock order: a visit row, then (reopen) its ticket; a follow-up row, then its ticket. No
transaction locks a ticket before one of these rows.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, StaleVersion, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_customer_user, is_staff_user
from sla import calendar as bcal
from sla.models import BusinessCalendar, ClockKind, SlaClock
from sla.selectors import calendar_of
from sla.services.policies import CALENDAR_STANDARD
from tickets.choices import TicketKind, TicketStatus
from tickets.models import Ticket

from ..choices import FollowUpOutcome, VisitStatus, WorkMode
from ..models import FollowUp, OnSiteVisit, TimeEntry, VisitEvent
from ..visit_emails import (
    VISIT_APPOINTMENT,
    VISIT_REPORT,
    notify_visit_customer,
    notify_visit_engineer,
)
from ..workflow import VISIT_TRANSITIONS, assert_can_move

VISIT_HOURS = 24
FOLLOW_UP_SEVERITIES = frozenset({"L1", "L2"})
TEXT_LIMIT = 4000


# ---------------------------------------------------------------------------- calendars


def standard_calendar() -> bcal.BusinessCalendar:
    """The standard business calendar (with its imported holidays), else its default spec."""
    row = BusinessCalendar.objects.filter(name=CALENDAR_STANDARD).first()
    return calendar_of(row) if row else bcal.BusinessCalendar.from_spec(bcal.STANDARD_SPEC)


def ticket_calendar(ticket: Ticket) -> bcal.BusinessCalendar:
    """The calendar of the ticket's resolution clock; the standard one without a clock."""
    clock = (
        SlaClock.objects.filter(ticket=ticket, kind=ClockKind.RESOLUTION)
        .select_related("calendar")
        .first()
    )
    return calendar_of(clock.calendar) if clock else standard_calendar()


def follow_up_due(resolved_at: dt.datetime, days: int | None = None) -> dt.datetime:
    working_days = settings.FOLLOW_UP_WORKING_DAYS if days is None else days
    return standard_calendar().working_day_end(resolved_at, max(int(working_days), 0))


def visit_due(ticket: Ticket, requested_at: dt.datetime) -> dt.datetime:
    return ticket_calendar(ticket).add_business_minutes(requested_at, VISIT_HOURS * 60)


# ---------------------------------------------------------------------------- follow-ups


def needs_follow_up(ticket: Ticket) -> bool:
    """回访 after an L1/L2 fault or any complaint."""
    if ticket.kind == TicketKind.COMPLAINT:
        return True
    return ticket.kind == TicketKind.FAULT and ticket.severity in FOLLOW_UP_SEVERITIES


def follow_up_schedule(ticket: Ticket, *, actor: User | None, at: dt.datetime) -> FollowUp | None:
    """Create the follow-up of a resolve, in the resolve's transaction (the receiver of
    ``ticket_resolved``). Nothing when the ticket needs none or one is still open. The
    assignee is the staff member who resolved it, else the ticket's assignee."""
    if not needs_follow_up(ticket):
        return None
    if FollowUp.objects.filter(ticket=ticket, done_at__isnull=True).exists():
        return None
    assignee = actor if actor is not None and is_staff_user(actor) else ticket.assignee
    follow_up = FollowUp.objects.create(
        ticket=ticket, due_at=follow_up_due(at), assignee=assignee, created_at=at
    )
    _event(actor, "follow_up_created", follow_up=follow_up, due_at=follow_up.due_at.isoformat())
    return follow_up


def _follow_up_lock(follow_up: FollowUp, actor: User) -> FollowUp:
    if not is_staff_user(actor):
        raise NotFound(_("Follow-up not found."))
    try:
        return (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(ticket__in=Ticket.objects.visible_to(actor))
            .get(pk=follow_up.pk)
        )
    except FollowUp.DoesNotExist:
        raise NotFound(_("Follow-up not found.")) from None


@transaction.atomic
def follow_up_record(follow_up: FollowUp, *, actor: User, outcome: str, note: str = "") -> FollowUp:
    """Record what the follow-up found; "recurred" reopens the ticket (a resolved or closed
    one) with the note told to the customer. Recorded once."""
    from tickets.services import ticket_transition

    follow_up = _follow_up_lock(follow_up, actor)
    if follow_up.done_at is not None:
        raise StaleVersion(_("This follow-up is already recorded."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in FollowUpOutcome.values:
        errors["outcome"] = [_("Choose “did not recur” or “recurred”.")]
    if outcome == FollowUpOutcome.RECURRED and not note:
        errors["note"] = [_("Say what recurred: the ticket is reopened with this note.")]
    if len(note) > TEXT_LIMIT:
        errors["note"] = [_("At most 4000 characters.")]
    if errors:
        raise ValidationFailed(_("The follow-up has errors."), fields=errors)
    now = timezone.now()
    follow_up.outcome, follow_up.note = outcome, note
    follow_up.done_by, follow_up.done_at = actor, now
    follow_up.save(update_fields=["outcome", "note", "done_by", "done_at"])
    reopened = False
    ticket = follow_up.ticket
    if outcome == FollowUpOutcome.RECURRED and ticket.status in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    ):
        comment = _("Follow-up visit: the problem recurred. %(note)s") % {"note": note}
        ticket_transition(ticket, actor=actor, to_status=TicketStatus.IN_PROGRESS, comment=comment)
        reopened = True
    _event(actor, "follow_up_recorded", follow_up=follow_up, outcome=outcome, reopened=reopened)
    return follow_up


# ---------------------------------------------------------------------------- visits


def _require_staff(actor: User) -> None:
    if not is_staff_user(actor):
        raise NotFound(_("Visit not found."))


def _visit_lock(visit: OnSiteVisit, actor: User, expected_version: int | None) -> OnSiteVisit:
    try:
        locked = (
            OnSiteVisit.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(ticket__in=Ticket.objects.visible_to(actor))
            .get(pk=visit.pk)
        )
    except OnSiteVisit.DoesNotExist:
        raise NotFound(_("Visit not found.")) from None
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersion(
            _("This visit was changed by someone else. Reload it and try again."),
            extra={"current_version": locked.version},
        )
    return locked


def _save(visit: OnSiteVisit, fields: list[str]) -> None:
    visit.version += 1
    visit.save(update_fields=[*set(fields), "version"])


def _event(actor: User | None, kind: str, **data: Any) -> VisitEvent:
    visit = data.pop("visit", None)
    follow_up = data.pop("follow_up", None)
    return VisitEvent.objects.create(
        visit=visit, follow_up=follow_up, actor=actor, kind=kind, data=data
    )


def _engineer_errors(engineer: User | None, errors: dict[str, list[str]]) -> None:
    if engineer is not None and not (engineer.is_active and is_staff_user(engineer)):
        errors["engineer"] = [_("Choose an active member of staff.")]


def _text(value: str, field: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    return value


@transaction.atomic
def visit_request(
    ticket: Ticket,
    *,
    actor: User,
    address: str,
    contact_name: str = "",
    contact_phone: str = "",
    engineer: User | None = None,
    appointment_at: dt.datetime | None = None,
) -> OnSiteVisit:
    """The hotline cannot solve it: ask for an engineer on site within 24 business hours.
    With an engineer and an appointment it is scheduled at once."""
    _require_staff(actor)
    if not Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotFound(_("Ticket not found."))
    errors: dict[str, list[str]] = {}
    address = _text(address, "address", 300, errors)
    if not address and "address" not in errors:
        errors["address"] = [_("Where should the engineer go?")]
    contact_name = _text(contact_name, "contact_name", 120, errors)
    contact_phone = _text(contact_phone, "contact_phone", 40, errors)
    _engineer_errors(engineer, errors)
    if (engineer is None) != (appointment_at is None):
        errors["appointment_at"] = [_("Give both the engineer and the appointment, or neither.")]
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        errors["ticket"] = [_("The ticket is closed.")]
    if errors:
        raise ValidationFailed(_("The visit has errors."), fields=errors)
    if not contact_name and ticket.contact_id:
        contact_name = str(ticket.contact)[:120]
    now = timezone.now()
    visit = OnSiteVisit.objects.create(
        ticket=ticket,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
        requested_by=actor,
        requested_at=now,
        due_at=visit_due(ticket, now),
    )
    _event(actor, "visit_requested", visit=visit, due_at=visit.due_at.isoformat())
    if engineer is not None and appointment_at is not None:
        visit = visit_schedule(visit, actor=actor, engineer=engineer, appointment_at=appointment_at)
    return visit


@transaction.atomic
def visit_schedule(
    visit: OnSiteVisit,
    *,
    actor: User,
    engineer: User,
    appointment_at: dt.datetime,
    expected_version: int | None = None,
) -> OnSiteVisit:
    """The appointment agreed with the contact, and the engineer who goes (again to move it)."""
    _require_staff(actor)
    visit = _visit_lock(visit, actor, expected_version)
    assert_can_move(VISIT_TRANSITIONS, visit.status, VisitStatus.SCHEDULED)
    errors: dict[str, list[str]] = {}
    _engineer_errors(engineer, errors)
    if appointment_at is None or timezone.is_naive(appointment_at):
        errors["appointment_at"] = [_("Give the date and time agreed with the contact.")]
    elif appointment_at < visit.requested_at:
        errors["appointment_at"] = [_("The appointment cannot be before the request.")]
    if errors:
        raise ValidationFailed(_("The visit has errors."), fields=errors)
    old = visit.status
    old_engineer, old_appointment = visit.engineer, visit.appointment_at
    visit.status, visit.engineer, visit.appointment_at = (
        VisitStatus.SCHEDULED,
        engineer,
        appointment_at,
    )
    _save(visit, ["status", "engineer", "appointment_at"])
    _tell_scheduled(visit, actor, old, old_engineer, old_appointment)
    _event(
        actor,
        "visit_scheduled",
        visit=visit,
        old=old,
        engineer=engineer.pk,
        appointment_at=appointment_at.isoformat(),
        late=appointment_at > visit.due_at,
    )
    return visit


def _engineer_facts(visit: OnSiteVisit) -> dict[str, Any]:
    contact = " ".join(part for part in (visit.contact_name, visit.contact_phone) if part)
    return {"organization": visit.ticket.organization.name, "contact": contact}


def _tell_scheduled(
    visit: OnSiteVisit,
    actor: User,
    old_status: str,
    old_engineer: User | None,
    old_appointment: dt.datetime | None,
) -> None:
    """The customer hears of a new or moved appointment; the engineer of a visit given to
    them or moved, the engineer it was taken from of that. Nothing when nothing changed."""
    first = old_status != VisitStatus.SCHEDULED
    moved = not first and old_appointment != visit.appointment_at
    reassigned = not first and old_engineer is not None and old_engineer != visit.engineer
    if not (first or moved or reassigned):
        return
    previous = (
        {"old_appointment_at": old_appointment.isoformat()} if moved and old_appointment else {}
    )
    notify_visit_customer(
        visit, VISIT_APPOINTMENT.code, change="scheduled" if first else "moved", **previous
    )
    facts = _engineer_facts(visit)
    new_to_them = first or reassigned
    notify_visit_engineer(
        visit,
        visit.engineer,
        actor,
        change="scheduled" if new_to_them else "moved",
        **facts,
        **({} if new_to_them else previous),
    )
    if reassigned:
        notify_visit_engineer(visit, old_engineer, actor, change="unassigned", **facts)


def _moment(value: dt.datetime | None, field: str) -> dt.datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ValidationFailed(_("The visit has errors."), fields={field: [_("Give a time.")]})
    if value > now + dt.timedelta(minutes=5):
        raise ValidationFailed(
            _("The visit has errors."), fields={field: [_("This time has not come yet.")]}
        )
    return value


@transaction.atomic
def visit_arrive(
    visit: OnSiteVisit,
    *,
    actor: User,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> OnSiteVisit:
    """The engineer arrived on site (now, or the time they give)."""
    _require_staff(actor)
    visit = _visit_lock(visit, actor, expected_version)
    assert_can_move(VISIT_TRANSITIONS, visit.status, VisitStatus.ON_SITE)
    arrived = _moment(at, "arrived_at")
    if arrived < visit.requested_at:
        raise ValidationFailed(
            _("The visit has errors."),
            fields={"arrived_at": [_("The arrival cannot be before the request.")]},
        )
    visit.status, visit.arrived_at = VisitStatus.ON_SITE, arrived
    _save(visit, ["status", "arrived_at"])
    _event(
        actor,
        "visit_arrived",
        visit=visit,
        arrived_at=arrived.isoformat(),
        on_time=bool(visit.on_time),
    )
    return visit


@transaction.atomic
def visit_depart(
    visit: OnSiteVisit,
    *,
    actor: User,
    report: str,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> OnSiteVisit:
    """The engineer left: the visit report, and the on-site service hours from arrival to
    departure recorded for the engineer (once: the step happens once per visit)."""
    _require_staff(actor)
    visit = _visit_lock(visit, actor, expected_version)
    assert_can_move(VISIT_TRANSITIONS, visit.status, VisitStatus.DONE)
    errors: dict[str, list[str]] = {}
    report = _text(report, "report", TEXT_LIMIT, errors)
    if not report and "report" not in errors:
        errors["report"] = [_("Write what was done on site.")]
    departed = _moment(at, "departed_at")
    arrived = visit.arrived_at
    assert arrived is not None  # on site means arrived
    minutes = math.ceil((departed - arrived).total_seconds() / 60)
    if departed < arrived:
        errors["departed_at"] = [_("The departure cannot be before the arrival.")]
    elif minutes > 24 * 60:
        errors["departed_at"] = [_("A visit cannot last more than 24 hours.")]
    if errors:
        raise ValidationFailed(_("The visit has errors."), fields=errors)
    visit.status, visit.departed_at, visit.report = VisitStatus.DONE, departed, report
    fields = ["status", "departed_at", "report"]
    if visit.time_entry_id is None:
        visit.time_entry = TimeEntry.objects.create(
            user=visit.engineer or actor,
            ticket=visit.ticket,
            worked_on=timezone.localdate(arrived),
            minutes=max(minutes, 1),
            mode=WorkMode.ON_SITE,
            note=(_("On-site visit") + f" #{visit.pk}")[:300],
        )
        fields.append("time_entry")
    _save(visit, fields)
    notify_visit_customer(
        visit,
        VISIT_REPORT.code,
        report=report,
        arrived_at=arrived.isoformat(),
        departed_at=departed.isoformat(),
    )
    _event(
        actor,
        "visit_departed",
        visit=visit,
        departed_at=departed.isoformat(),
        minutes=visit.time_entry.minutes if visit.time_entry else None,
    )
    return visit


@transaction.atomic
def visit_confirm(
    visit: OnSiteVisit,
    *,
    actor: User,
    accepted: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> OnSiteVisit:
    """The customer confirms the visit report, or refuses it with a reason (the customer of
    the ticket's organization only: staff cannot confirm for them)."""
    if not is_customer_user(actor):
        if is_staff_user(actor):
            raise NotAllowed(_("Only the customer confirms a visit."))
        raise NotFound(_("Visit not found."))
    visit = _visit_lock(visit, actor, expected_version)
    target = VisitStatus.CONFIRMED if accepted else VisitStatus.REFUSED
    assert_can_move(VISIT_TRANSITIONS, visit.status, target)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", TEXT_LIMIT, errors)
    if not accepted and not reason and "reason" not in errors:
        errors["reason"] = [_("Tell us what is wrong with the visit.")]
    if errors:
        raise ValidationFailed(_("The confirmation has errors."), fields=errors)
    visit.status = target
    visit.confirmed_by, visit.confirmed_at = actor, timezone.now()
    visit.refusal_reason = "" if accepted else reason
    _save(visit, ["status", "confirmed_by", "confirmed_at", "refusal_reason"])
    _event(actor, "visit_confirmed" if accepted else "visit_refused", visit=visit, reason=reason)
    return visit


@transaction.atomic
def visit_cancel(
    visit: OnSiteVisit, *, actor: User, reason: str, expected_version: int | None = None
) -> OnSiteVisit:
    """No visit after all (solved remotely, the customer called it off) before arrival."""
    _require_staff(actor)
    visit = _visit_lock(visit, actor, expected_version)
    assert_can_move(VISIT_TRANSITIONS, visit.status, VisitStatus.CANCELLED)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, "reason", TEXT_LIMIT, errors)
    if not reason and "reason" not in errors:
        errors["reason"] = [_("Say why the visit is cancelled.")]
    if errors:
        raise ValidationFailed(_("The visit has errors."), fields=errors)
    old = visit.status
    visit.status, visit.cancel_reason = VisitStatus.CANCELLED, reason
    _save(visit, ["status", "cancel_reason"])
    if old == VisitStatus.SCHEDULED:  # an appointment the customer and engineer were told of
        notify_visit_customer(visit, VISIT_APPOINTMENT.code, change="cancelled", reason=reason)
        notify_visit_engineer(
            visit,
            visit.engineer,
            actor,
            change="cancelled",
            reason=reason,
            **_engineer_facts(visit),
        )
    _event(actor, "visit_cancelled", visit=visit, old=old, reason=reason)
    return visit
