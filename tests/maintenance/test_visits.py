"""回访 and 上门服务 services: the follow-up a resolve schedules (working days on the business
calendar, with a moved clock and a holiday), "recurred" reopening the ticket, the visit's
state machine, its 24-business-hour deadline and the service hours recorded once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from maintenance.choices import FollowUpOutcome, VisitStatus, WorkMode
from maintenance.models import FollowUp, OnSiteVisit, TimeEntry, VisitEvent
from maintenance.services import visits as services
from servicedesk.errors import (
    InvalidTransition,
    NotAllowed,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from sla.models import BusinessCalendar
from sla.services.policies import CALENDAR_STANDARD, policy_ensure_default
from tests import factories as f
from tests.maintenance.conftest import fault_ticket
from tickets import services as ticket_services
from tickets.choices import TicketKind, TicketStatus
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _friday() -> dt.date:
    """A Friday a week or two ahead: inside the fixtures' contract period."""
    day = timezone.localdate() + dt.timedelta(days=7)
    return day + dt.timedelta(days=(4 - day.weekday()) % 7)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


FRIDAY = _friday()
MONDAY = FRIDAY + dt.timedelta(days=3)


def _resolve(ticket, actor, comment="Restarted the print service."):
    return ticket_services.ticket_transition(
        ticket, actor=actor, to_status=TicketStatus.RESOLVED, comment=comment
    )


@pytest.fixture
def moved_clock(monkeypatch):
    """``timezone.now`` answers the instant set with ``moved_clock(at)``."""

    def move(at: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: at)

    return move


# --------------------------------------------------------------------------- follow-ups


def test_resolving_an_l2_fault_schedules_a_follow_up_two_working_days_later(
    customer, product, agent, moved_clock, settings
):
    settings.FOLLOW_UP_WORKING_DAYS = 2
    moved_clock(_at(FRIDAY, 15))  # a Friday afternoon
    ticket = _resolve(fault_ticket(customer, product), agent)
    follow_up = FollowUp.objects.get(ticket=ticket)
    # Monday and Tuesday are the two working days: due at Tuesday's close (18:00)
    assert follow_up.due_at == _at(MONDAY + dt.timedelta(days=1), 18)
    assert follow_up.assignee == agent
    assert follow_up.outcome == "" and follow_up.done_at is None
    assert VisitEvent.objects.filter(follow_up=follow_up, kind="follow_up_created").exists()


def test_a_holiday_on_the_standard_calendar_moves_the_follow_up(
    customer, product, agent, moved_clock, settings
):
    settings.FOLLOW_UP_WORKING_DAYS = 1
    policy_ensure_default()
    calendar = BusinessCalendar.objects.get(name=CALENDAR_STANDARD)
    calendar.spec = {**calendar.spec, "holidays": [MONDAY.isoformat()]}  # the Monday off
    calendar.save()
    moved_clock(_at(FRIDAY, 15))
    ticket = _resolve(fault_ticket(customer, product), agent)
    due = FollowUp.objects.get(ticket=ticket).due_at
    assert due == _at(MONDAY + dt.timedelta(days=1), 18)


def test_follow_ups_only_for_l1_l2_faults_and_complaints(customer, product, agent):
    l3 = _resolve(fault_ticket(customer, product, proposed_severity="L3"), agent)
    question = _resolve(
        fault_ticket(customer, product, kind=TicketKind.CONSULTATION, title="How to export"),
        agent,
    )
    complaint = _resolve(
        fault_ticket(customer, product, kind=TicketKind.COMPLAINT, title="Nobody called back"),
        agent,
    )
    l1 = _resolve(fault_ticket(customer, product, proposed_severity="L1"), agent)
    assert set(FollowUp.objects.values_list("ticket_id", flat=True)) == {complaint.pk, l1.pk}
    assert not FollowUp.objects.filter(ticket__in=[l3, question]).exists()


def test_a_failing_follow_up_fails_the_resolve_nothing_half_written(
    customer, product, agent, monkeypatch
):
    ticket = fault_ticket(customer, product)

    def broken(*args, **kwargs):
        raise RuntimeError("calendar store down")

    monkeypatch.setattr(services, "follow_up_due", broken)
    with pytest.raises(RuntimeError):
        _resolve(ticket, agent)
    ticket.refresh_from_db()
    assert ticket.status != TicketStatus.RESOLVED
    assert not FollowUp.objects.exists()


def test_recurred_reopens_the_ticket_through_the_lifecycle(customer, product, agent):
    ticket = _resolve(fault_ticket(customer, product), agent)
    follow_up = FollowUp.objects.get(ticket=ticket)
    with pytest.raises(ValidationFailed) as err:
        services.follow_up_record(follow_up, actor=agent, outcome=FollowUpOutcome.RECURRED)
    assert "note" in err.value.fields
    services.follow_up_record(
        follow_up, actor=agent, outcome=FollowUpOutcome.RECURRED, note="Page 2 blank again."
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.reopen_count == 1
    assert TicketEvent.objects.filter(
        ticket=ticket, data__old=TicketStatus.RESOLVED, data__new=TicketStatus.IN_PROGRESS
    ).exists()
    assert ticket.comments.filter(body__contains="Page 2 blank again.").exists()
    follow_up.refresh_from_db()
    assert follow_up.done_by == agent and follow_up.outcome == FollowUpOutcome.RECURRED
    event = VisitEvent.objects.get(follow_up=follow_up, kind="follow_up_recorded")
    assert event.data["reopened"] is True and event.actor == agent
    # recorded once
    with pytest.raises(StaleVersion):
        services.follow_up_record(follow_up, actor=agent, outcome=FollowUpOutcome.NOT_RECURRED)
    # the next resolve schedules a new follow-up (the first one is recorded)
    _resolve(Ticket.objects.get(pk=ticket.pk), agent, comment="Fixed the template.")
    assert FollowUp.objects.filter(ticket=ticket).count() == 2


def test_not_recurred_leaves_the_ticket_alone(customer, product, agent):
    ticket = _resolve(fault_ticket(customer, product), agent)
    follow_up = FollowUp.objects.get(ticket=ticket)
    services.follow_up_record(follow_up, actor=agent, outcome=FollowUpOutcome.NOT_RECURRED)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.reopen_count == 0


def test_customers_cannot_record_follow_ups(customer, product, agent):
    ticket = _resolve(fault_ticket(customer, product), agent)
    follow_up = FollowUp.objects.get(ticket=ticket)
    with pytest.raises(NotFound):
        services.follow_up_record(follow_up, actor=customer, outcome=FollowUpOutcome.NOT_RECURRED)
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None


# --------------------------------------------------------------------------- visits


def test_visit_due_24_business_hours_on_the_tickets_calendar(customer, product, agent, moved_clock):
    friday = _at(FRIDAY, 15)
    moved_clock(friday)
    l2 = fault_ticket(customer, product)  # resolution clock on 24x7: a real day
    visit = services.visit_request(l2, actor=agent, address="Hangzhou, Building 3")
    assert visit.due_at == friday + dt.timedelta(hours=24)
    assert visit.status == VisitStatus.REQUESTED
    l4 = fault_ticket(customer, product, proposed_severity="L4")  # the standard calendar
    visit = services.visit_request(l4, actor=agent, address="Hangzhou, Building 3")
    # Friday 15:00-18:00 is 3 h, Monday and Tuesday 7.5 h each (18 h by Tuesday's close),
    # the last 6 h on Wednesday: 09:00-12:00 and 13:30-16:30
    assert visit.due_at == _at(MONDAY + dt.timedelta(days=2), 16, 30)


def test_visit_lifecycle_records_hours_once_and_the_customer_confirms(
    customer, product, agent, engineer, moved_clock
):
    start = _at(MONDAY, 9)
    moved_clock(start)
    ticket = fault_ticket(customer, product)
    visit = services.visit_request(
        ticket, actor=agent, address="Room 301", contact_name="Mr Li", contact_phone="138"
    )
    visit = services.visit_schedule(
        visit, actor=agent, engineer=engineer, appointment_at=start + dt.timedelta(hours=4)
    )
    assert visit.status == VisitStatus.SCHEDULED and visit.version == 2
    moved_clock(start + dt.timedelta(hours=4, minutes=10))
    visit = services.visit_arrive(visit, actor=engineer)
    assert visit.on_time is True
    moved_clock(start + dt.timedelta(hours=6, minutes=40))
    with pytest.raises(ValidationFailed):
        services.visit_depart(visit, actor=engineer, report="   ")
    visit = services.visit_depart(visit, actor=engineer, report="Replaced the print driver.")
    entry = TimeEntry.objects.get()
    assert (entry.user, entry.ticket, entry.minutes, entry.mode) == (
        engineer,
        ticket,
        150,
        WorkMode.ON_SITE,
    )
    assert entry.worked_on == MONDAY
    assert visit.time_entry == entry
    # departure happens once: no second entry
    with pytest.raises(InvalidTransition):
        services.visit_depart(visit, actor=engineer, report="again")
    assert TimeEntry.objects.count() == 1
    # staff cannot confirm for the customer
    with pytest.raises(NotAllowed):
        services.visit_confirm(visit, actor=agent, accepted=True)
    with pytest.raises(ValidationFailed):
        services.visit_confirm(visit, actor=customer, accepted=False)
    visit = services.visit_confirm(visit, actor=customer, accepted=True)
    assert visit.status == VisitStatus.CONFIRMED and visit.confirmed_by == customer
    kinds = list(VisitEvent.objects.filter(visit=visit).values_list("kind", flat=True))
    assert kinds == [
        "visit_requested",
        "visit_scheduled",
        "visit_arrived",
        "visit_departed",
        "visit_confirmed",
    ]


def test_visit_refused_with_reason_and_late_arrival(
    customer, product, agent, engineer, moved_clock
):
    start = _at(MONDAY, 9)
    moved_clock(start)
    visit = services.visit_request(
        fault_ticket(customer, product),
        actor=agent,
        address="Room 301",
        engineer=engineer,
        appointment_at=start + dt.timedelta(hours=30),
    )
    assert visit.status == VisitStatus.SCHEDULED
    moved_clock(start + dt.timedelta(hours=30))
    visit = services.visit_arrive(visit, actor=engineer)
    assert visit.on_time is False
    moved_clock(start + dt.timedelta(hours=31))
    visit = services.visit_depart(visit, actor=engineer, report="Done.")
    visit = services.visit_confirm(visit, actor=customer, accepted=False, reason="Still slow.")
    assert visit.status == VisitStatus.REFUSED and visit.refusal_reason == "Still slow."


def test_visit_rules(customer, other_customer, product, agent, engineer):
    ticket = fault_ticket(customer, product)
    with pytest.raises(ValidationFailed) as err:
        services.visit_request(ticket, actor=agent, address="")
    assert "address" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        services.visit_request(ticket, actor=agent, address="x", engineer=engineer)
    assert "appointment_at" in err.value.fields
    with pytest.raises(NotFound):
        services.visit_request(ticket, actor=customer, address="x")
    assert not OnSiteVisit.objects.exists()
    visit = services.visit_request(ticket, actor=agent, address="Room 1")
    # arrival before scheduling is refused by the table (409 with the allowed steps)
    with pytest.raises(InvalidTransition) as refused:
        services.visit_arrive(visit, actor=engineer)
    assert refused.value.extra["allowed"] == ["cancelled", "scheduled"]
    with pytest.raises(StaleVersion):
        services.visit_cancel(visit, actor=agent, reason="x", expected_version=7)
    # another organization's customer does not see it
    with pytest.raises(NotFound):
        services.visit_confirm(visit, actor=other_customer, accepted=True)
    visit = services.visit_cancel(visit, actor=agent, reason="Solved by phone.")
    assert visit.status == VisitStatus.CANCELLED


def test_inactive_engineer_refused(customer, product, agent):
    idle = f.UserFactory(username="idle", is_active=False)
    visit = services.visit_request(fault_ticket(customer, product), actor=agent, address="x")
    with pytest.raises(ValidationFailed) as err:
        services.visit_schedule(
            visit, actor=agent, engineer=idle, appointment_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert "engineer" in err.value.fields
