"""A small desk with hand-computed answers (see tests/reports/test_metrics.py).

All times UTC; the periods are in Asia/Shanghai (UTC+8) unless a test says otherwise, so
2026-10-31 16:00Z is 1 November 00:00 local.

ticket org channel sev created (UTC)      first response        resolved        status
t1     A   hotline L1  10-31 16:30        +1 h                  +3 h (breach)   closed, rated 5
t2     A   hotline L2  10-31 15:30 (Oct)  +1 h                  11-01 01:30     closed, rated 4, FCR
t3     A   portal  L3  11-10 02:00        +75 min (30 paused)   -               in progress;
                                                                                reopened 11-12
t4     B   hotline L4  11-20 00:00        +30 min               +30 min (0 business minutes),
                                                                                resolved, FCR
t5     A   email   L3  11-30 15:59        -                     -               new, complaint;
                                                                                response breached
t6     A   portal  L3  11-30 16:00 (Dec)  -                     -               new
t7     B   portal  L3  11-21 00:00        -                     -               cancelled 11-21
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from servicedesk.choices import Role
from sla.models import ClockState, SlaClock
from sla.services import clocks_plan, clocks_save, clocks_update
from tests import factories as f
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Ticket, TicketEvent

H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Desk:
    org_a: object
    org_b: object
    team_a: object
    team_b: object
    eng_a: object
    eng_b: object
    tickets: dict[str, Ticket]


def _ticket(org, *, number, channel, severity, created, team, assignee, **fields) -> Ticket:
    ticket = f.TicketFactory(
        number=number,
        organization=org,
        channel=channel,
        severity=severity,
        created_at=created,
        team=team,
        assignee=assignee,
        **fields,
    )
    clocks, _deadlines = clocks_plan(contract_id=None, severity=severity, at=created)
    clocks_save(ticket.pk, clocks)
    return ticket


def _stop(ticket: Ticket, kind: str, at: datetime) -> None:
    clocks_update(ticket.pk, at=at, actor=None, stop=(kind,))


@pytest.fixture
def desk(db) -> Desk:
    with transaction.atomic():  # the clock services lock rows (browser tests run outside one)
        return build_desk()


def build_desk() -> Desk:
    org_a = f.OrganizationFactory(name="East Grid", code="east")
    org_b = f.OrganizationFactory(name="North Bank", code="north")
    eng_a = f.UserFactory(username="eng_a", role=Role.ENGINEER)
    eng_b = f.UserFactory(username="eng_b", role=Role.ENGINEER)
    team_a = f.TeamFactory(name="Hotline group")
    team_b = f.TeamFactory(name="On-site group")
    team_a.members.add(eng_a)
    team_b.members.add(eng_b)
    t = {}
    a = {"team": team_a, "assignee": eng_a}
    b = {"team": team_b, "assignee": eng_b}

    created = utc(10, 31, 16, 30)
    t["t1"] = _ticket(
        org_a,
        number="T1",
        channel=Channel.HOTLINE,
        severity="L1",
        created=created,
        first_response_at=created + H,
        resolved_at=created + 3 * H,
        closed_at=utc(11, 2),
        status=TicketStatus.CLOSED,
        rating=5,
        **a,
    )
    _stop(t["t1"], "response", created + H)
    _stop(t["t1"], "resolution", created + 3 * H)

    created = utc(10, 31, 15, 30)
    t["t2"] = _ticket(
        org_a,
        number="T2",
        channel=Channel.HOTLINE,
        severity="L2",
        created=created,
        first_response_at=created + H,
        resolved_at=utc(11, 1, 1, 30),
        closed_at=utc(11, 3),
        status=TicketStatus.CLOSED,
        rating=4,
        first_contact_resolution=True,
        **a,
    )
    _stop(t["t2"], "response", created + H)
    _stop(t["t2"], "resolution", utc(11, 1, 1, 30))

    created = utc(11, 10, 2)
    t["t3"] = _ticket(
        org_a,
        number="T3",
        channel=Channel.PORTAL,
        severity="L3",
        created=created,
        first_response_at=created + 75 * M,
        status=TicketStatus.IN_PROGRESS,
        reopen_count=1,
        **a,
    )
    clocks_update(t["t3"].pk, at=created + 30 * M, actor=None, pause=("response",), reason="w")
    clocks_update(t["t3"].pk, at=created + 60 * M, actor=None, resume=True)
    _stop(t["t3"], "response", created + 75 * M)
    TicketEvent.objects.create(
        ticket=t["t3"],
        kind="transition",
        created_at=utc(11, 12),
        data={"old": "resolved", "new": "in_progress"},
    )

    created = utc(11, 20)  # 08:00 on a Friday in Shanghai: before business hours
    t["t4"] = _ticket(
        org_b,
        number="T4",
        channel=Channel.HOTLINE,
        severity="L4",
        created=created,
        first_response_at=created + 30 * M,
        resolved_at=created + 30 * M,
        status=TicketStatus.RESOLVED,
        first_contact_resolution=True,
        **b,
    )
    _stop(t["t4"], "response", created + 30 * M)
    _stop(t["t4"], "resolution", created + 30 * M)

    created = utc(11, 30, 15, 59)
    t["t5"] = _ticket(
        org_a,
        number="T5",
        channel=Channel.EMAIL,
        severity="L3",
        created=created,
        kind=TicketKind.COMPLAINT,
        status=TicketStatus.NEW,
        team=None,
        assignee=None,
    )
    clock = SlaClock.objects.get(ticket=t["t5"], kind="response")
    SlaClock.objects.filter(pk=clock.pk).update(breached_at=clock.due_at, state=ClockState.BREACHED)

    t["t6"] = _ticket(
        org_a,
        number="T6",
        channel=Channel.PORTAL,
        severity="L3",
        created=utc(11, 30, 16),
        status=TicketStatus.NEW,
        team=None,
        assignee=None,
    )

    t["t7"] = _ticket(
        org_b,
        number="T7",
        channel=Channel.PORTAL,
        severity="L3",
        created=utc(11, 21),
        status=TicketStatus.CANCELLED,
        **b,
    )
    clocks_update(t["t7"].pk, at=utc(11, 21, 1), actor=None, cancel=True)
    TicketEvent.objects.create(
        ticket=t["t7"],
        kind="transition",
        created_at=utc(11, 21, 1),
        data={"old": "accepted", "new": "cancelled"},
    )
    return Desk(org_a, org_b, team_a, team_b, eng_a, eng_b, t)
