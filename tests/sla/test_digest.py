"""The sweep's digests: one message per staff recipient and sweep, every escalation told once."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from servicedesk.models import Heartbeat, OutboxMessage
from sla.digest import DIGEST_ITEMS, escalations_notify
from sla.emails import digest_email, escalation_email
from sla.models import SlaClock, SlaEscalation
from sla.sweep import clocks_sweep, sla_sweep
from sla.tasks import sla_sweep_task
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(days=30)  # every level of every clock is past by then


@dataclass
class Staff:
    engineer: Any
    lead: Any
    manager: Any
    owner: Any
    team: Any

    def expected(self, clocks: int) -> dict[str, tuple[int, int]]:
        """recipient -> (escalations, lines) when ``clocks`` clocks reach all three levels:
        level 1 tells the assignee and the lead, 2 the manager, 3 the manager and the owner;
        a manager's levels 2 and 3 of one clock are one line."""
        return {
            self.engineer.email: (clocks, clocks),
            self.lead.email: (clocks, clocks),
            self.manager.email: (2 * clocks, clocks),
            self.owner.email: (clocks, clocks),
        }


@pytest.fixture
def staff(contract, team, engineer, manager):
    lead = f.UserFactory(username="lead", language="zh-hans")
    team.lead = lead
    team.save()
    contract.owner = f.UserFactory(username="owner")
    contract.save()
    return Staff(engineer, lead, manager, contract.owner, team)


def new_tickets(customer, product, staff: Staff, count: int) -> list[int]:
    ids = [
        services.ticket_create(
            actor=customer,
            title=f"Billing run stops at month end #{i}",
            kind=TicketKind.FAULT,
            channel=Channel.PORTAL,
            product=product,
        ).pk
        for i in range(count)
    ]
    Ticket.objects.filter(pk__in=ids).update(assignee=staff.engineer, team=staff.team)
    return ids


def digests() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(topic="sla.digest").order_by("pk"))


def told(messages: list[OutboxMessage]) -> dict[str, tuple[int, int]]:
    """recipient -> (escalations, lines) summed over ``messages``."""
    out: dict[str, tuple[int, int]] = {}
    for m in messages:
        escalations, lines = out.get(m.recipient, (0, 0))
        out[m.recipient] = (escalations + m.payload["escalations"], lines + m.payload["total"])
    return out


def test_one_digest_per_recipient_for_a_sweep_of_several_batches(customer, product, staff):
    new_tickets(customer, product, staff, 4)  # 8 clocks
    result = sla_sweep(now=timezone.now() + LATER, batch=2)
    assert result.batches >= 4 and result.clocks == 8 and result.escalations == 24
    assert result.digests == 4
    sent = digests()
    assert Counter(m.recipient for m in sent) == dict.fromkeys(staff.expected(8), 1)
    assert told(sent) == staff.expected(8)
    manager = next(m for m in sent if m.recipient == staff.manager.email)
    assert {i["level"] for i in manager.payload["items"]} == {3}  # levels 2 and 3: one line
    assert manager.payload["breaches"] == 8
    lead = next(m for m in sent if m.recipient == staff.lead.email)
    assert lead.payload["language"] == "zh-hans"
    assert {i["role"] for i in lead.payload["items"]} == {"team_lead"}
    assert not SlaEscalation.objects.filter(notified_at__isnull=True).exists()
    assert not OutboxMessage.objects.filter(topic__in=["sla.warning", "sla.breach"]).exists()


def test_a_sweep_stopped_before_its_digest_is_told_by_the_next_one(customer, product, staff):
    new_tickets(customer, product, staff, 4)
    now = timezone.now() + LATER
    # A sweep killed after two batches: its escalations are written, nobody is told yet.
    stopped = clocks_sweep(now=now, batch=2, max_batches=2)
    assert stopped.clocks == 4 and stopped.escalations == 12
    assert not digests()
    assert SlaEscalation.objects.filter(notified_at__isnull=True).count() == 12

    result = sla_sweep(now=now, batch=2)  # the next sweep: the other clocks, and all digests
    assert result.clocks == 4 and result.digests == 4
    assert told(digests()) == staff.expected(8)  # each escalation told once to each recipient
    assert not SlaEscalation.objects.filter(notified_at__isnull=True).exists()

    again = sla_sweep(now=now + dt.timedelta(minutes=1))
    assert again.clocks == again.escalations == again.digests == 0
    assert escalations_notify().escalations == 0
    assert len(digests()) == 4


def test_escalations_of_several_sweeps_give_one_digest_per_sweep(customer, product, staff):
    ids = new_tickets(customer, product, staff, 2)
    start = SlaClock.objects.filter(ticket_id__in=ids, kind="response").first().started_at
    sla_sweep(now=start + dt.timedelta(minutes=91))  # the response clocks warn: level 1
    sla_sweep(now=start + dt.timedelta(hours=3))  # and breach: level 2
    first, second = (
        [m for m in digests() if m.payload["items"][0]["level"] == level] for level in (1, 2)
    )
    assert Counter(m.recipient for m in first) == {staff.engineer.email: 1, staff.lead.email: 1}
    assert [m.recipient for m in second] == [staff.manager.email]
    assert [m.payload["total"] for m in first + second] == [2, 2, 2]
    assert {i["breach"] for m in second for i in m.payload["items"]} == {True}
    assert {i["breach"] for m in first for i in m.payload["items"]} == {False}


def test_an_escalation_with_nobody_to_tell_is_marked_notified(agent):
    services.ticket_create(
        actor=agent,
        title="Printer offline",
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=f.OrganizationFactory(),
        severity="L1",
    )  # no assignee, team, contract or manager
    result = sla_sweep(now=timezone.now() + LATER)
    assert result.escalations == 6 and result.digests == 0
    assert not SlaEscalation.objects.filter(notified_at__isnull=True).exists()


postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite writes through the ORM in batches of rows"
)


@postgresql_only
def test_the_statements_of_a_batch_do_not_grow_with_its_size(customer, product, staff):
    new_tickets(customer, product, staff, 12)  # 24 clocks
    now = timezone.now() + LATER
    clocks_sweep(now=now, batch=2, max_batches=1)  # fills the per-process caches

    def statements(batch: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert clocks_sweep(now=now, batch=batch, max_batches=1).clocks == batch
        return len(queries)

    # SET LOCAL synchronous_commit, claim, calendars, managers, escalations, UPDATE, events;
    # and the SAVEPOINT and RELEASE of the batch's atomic block in the test's transaction
    assert statements(2) == statements(20) == 9


@postgresql_only
def test_the_statements_of_the_digest_step_do_not_grow_with_its_size(customer, product, staff):
    now = timezone.now() + LATER

    def statements(tickets: int) -> int:
        new_tickets(customer, product, staff, tickets)
        clocks_sweep(now=now)
        with CaptureQueriesContext(connection) as queries:
            assert escalations_notify().escalations == 6 * tickets
        return len(queries)

    # claim, languages, INSERT, UPDATE; SAVEPOINT and RELEASE (see above)
    assert statements(1) == statements(10) == 6


# --- what the digest says ---------------------------------------------------------------------


def _payload(count: int, **extra: Any) -> dict[str, Any]:
    items = [
        {
            "ticket": f"SD-2026-{i:06d}",
            "title": f"Core banking down & slow #{i}",
            "clock": "resolution" if i % 2 else "response",
            "level": 3 if i < 3 else 1,
            "breach": i < 3,
            "due_at": "2026-12-03T01:30:00+00:00",
            "role": "manager",
        }
        for i in range(min(count, DIGEST_ITEMS))
    ]
    return {
        "at": "2026-12-03T02:00:00+00:00",
        "total": count,
        "breaches": 3,
        "escalations": count + 3,
        "items": items,
        **extra,
    }


def test_the_digest_lists_the_tickets_with_their_local_deadlines():
    with translation.override("en"):
        subject, body = digest_email("sla.digest", _payload(105))
    assert subject == "SLA: 105 tickets need attention (3 breached)"
    assert "105 tickets need your attention" in body
    assert "Breached: 3. Deadline close: 102." in body
    assert "SD-2026-000000  Core banking down & slow #0" in body  # plain text: no &amp;
    assert "SD-2026-000099" in body and "SD-2026-000100" not in body
    assert "resolution deadline 2026-12-03 09:30, escalation level 3" in body  # Asia/Shanghai
    assert "As of 2026-12-03 10:00 (Asia/Shanghai time)" in body
    assert "You receive this as service-center manager." in body
    assert "... and 5 more tickets, not listed here." in body
    assert "/staff/?sla_breached=true" in body and "/staff/?breaching_within=4" in body


def test_the_digest_in_chinese():
    with translation.override("zh-hans"):
        subject, body = digest_email("sla.digest", _payload(105))
    assert "105" in subject and "工单" in subject and "SLA" in subject
    assert "SD-2026-000002" in body and "2026-12-03 09:30" in body
    assert "客服中心经理" in body  # the role
    assert "解决" in body and "响应" in body  # the clocks
    assert "另有 5 个工单" in body
    assert "ticket" not in body.replace("sla_breached", "")  # nothing left in English


def test_a_digest_of_one_ticket_for_several_roles():
    payload = _payload(1)
    payload["items"][0]["role"] = "assignee"
    payload["breaches"] = 1
    with translation.override("en"):
        subject, body = digest_email("sla.digest", payload)
    assert subject == "SLA: 1 ticket needs attention (1 breached)"
    assert "One ticket needs your attention" in body and "more" not in body
    assert "You receive this as the assignee." in body


def test_rows_written_before_digests_still_render():
    payload = {
        "ticket": "SD-2026-000001",
        "title": "Core banking down",
        "clock": "resolution",
        "level": 2,
        "due_at": "2026-12-03T01:30:00+00:00",
        "reached_at": "2026-12-03T01:30:00+00:00",
        "percent": 100,
        "role": "manager",
    }
    with translation.override("en"):
        subject, body = escalation_email("sla.breach", payload)
    assert subject == "SLA: 1 ticket needs attention (1 breached)"
    assert "SD-2026-000001  Core banking down" in body and "2026-12-03 09:30" in body


def test_digests_are_delivered_in_the_recipients_language(customer, product, staff, mailoutbox):
    from servicedesk.outbox import outbox_deliver_pending

    ids = new_tickets(customer, product, staff, 1)
    sla_sweep(now=timezone.now() + LATER)
    outbox_deliver_pending()
    mails = {m.to[0]: m for m in mailoutbox if m.to[0] != customer.email}
    number = Ticket.objects.get(pk=ids[0]).number
    assert set(mails) == set(staff.expected(2))
    assert number in mails[staff.engineer.email].body
    assert "need your attention" in mails[staff.engineer.email].body
    assert number in mails[staff.lead.email].body and "工单" in mails[staff.lead.email].subject


# --- the task ---------------------------------------------------------------------------------


# Transactional: the sweep commits its batches and digests for real, and delivery is
# published after that commit (a test transaction never commits).
@pytest.mark.django_db(transaction=True)
def test_the_task_records_its_heartbeat_and_starts_delivery(customer, product, staff, monkeypatch):
    from servicedesk import tasks

    started = []
    monkeypatch.setattr(
        tasks.outbox_deliver_task, "apply_async", lambda **kwargs: started.append(kwargs)
    )
    new_tickets(customer, product, staff, 1)
    past = timezone.now() - dt.timedelta(minutes=2)
    SlaClock.objects.update(warn_at=past, due_at=past, next_check_at=past)  # levels 1 and 2
    started.clear()  # the ticket's own notification
    result = sla_sweep_task()
    assert result["clocks"] == 2 and result["escalations"] == 4 and result["digests"] == 3
    assert started == [{"retry": False}]  # once, after the commit
    beat = Heartbeat.objects.get(name="sla-sweep")
    assert beat.data == {
        "clocks": 2,
        "escalations": result["escalations"],
        "digests": result["digests"],
    }


@pytest.mark.django_db(transaction=True)
def test_a_broker_error_after_the_sweep_is_logged_not_raised(
    customer, product, staff, monkeypatch, caplog
):
    from servicedesk import tasks

    def down(**kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.outbox_deliver_task, "apply_async", down)
    new_tickets(customer, product, staff, 1)
    past = timezone.now() - dt.timedelta(minutes=2)
    SlaClock.objects.update(warn_at=past, due_at=past, next_check_at=past)  # levels 1 and 2
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        result = sla_sweep_task()
    assert result["digests"] == 3
    assert "could not publish outbox delivery" in caplog.text
    assert (
        OutboxMessage.objects.filter(topic="sla.digest", state="pending").count()
        == (result["digests"])
    )
    assert Heartbeat.objects.filter(name="sla-sweep").exists()
