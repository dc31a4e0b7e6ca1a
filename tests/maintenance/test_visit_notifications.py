"""On-site visits tell people: the customer of the appointment (made, moved, cancelled) and
of the visit report to confirm; the engineer of the visit given to them, moved, taken from
them or cancelled. Once per event and recipient, by each person's channel for the topic,
readable in both languages; nobody is told of their own action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from maintenance.services import visits as services
from servicedesk.models import Notification, OutboxMessage
from servicedesk.notifications import preferences_set
from servicedesk.outbox import build_email, render_payload
from tests import factories as f
from tests.maintenance.conftest import fault_ticket
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db
VISIT_TOPICS = ["visit.appointment", "visit.report", "visit.assigned"]


def _rows(recipient=None):
    rows = OutboxMessage.objects.filter(topic__in=VISIT_TOPICS).order_by("pk")
    return rows.filter(recipient=recipient) if recipient else rows


@pytest.fixture
def ticket(customer, product):
    return fault_ticket(customer, product)


@pytest.fixture
def visit(ticket, agent):
    return services.visit_request(
        ticket, actor=agent, address="1 Grid Road, Nanjing", contact_name="Li Lei",
        contact_phone="025-1234",
    )  # fmt: skip


def _schedule(visit, actor, engineer, hours=3):
    return services.visit_schedule(
        visit,
        actor=actor,
        engineer=engineer,
        appointment_at=timezone.now() + dt.timedelta(hours=hours),
    )


def test_a_request_alone_tells_nobody(visit):
    assert not _rows().exists()


def test_scheduling_tells_the_customer_and_the_engineer_once(visit, agent, engineer, customer):
    _schedule(visit, agent, engineer)
    to_customer = _rows(customer.email)
    assert [r.topic for r in to_customer] == ["visit.appointment"]
    assert to_customer[0].payload["change"] == "scheduled"
    assert "/portal/tickets/" in to_customer[0].payload["path"]
    to_engineer = _rows(engineer.email)
    assert [r.topic for r in to_engineer] == ["visit.assigned"]
    assert "/staff/tickets/" in to_engineer[0].payload["path"]
    mail = build_email(to_engineer[0])
    assert "1 Grid Road, Nanjing" in mail.body and "025-1234" in mail.body
    assert _rows().count() == 2
    assert Notification.objects.filter(user=engineer, topic="visit.assigned").count() == 1


def test_the_engineer_scheduling_their_own_visit_is_not_told(visit, engineer, customer):
    _schedule(visit, engineer, engineer)
    assert [r.recipient for r in _rows()] == [customer.email]


def test_moving_the_appointment_and_the_engineer(visit, agent, engineer, customer):
    visit = _schedule(visit, agent, engineer, hours=3)
    first_at = visit.appointment_at
    OutboxMessage.objects.all().delete()
    services.visit_schedule(visit, actor=agent, engineer=engineer, appointment_at=first_at)
    assert not _rows().exists()  # nothing changed: nothing to tell
    visit = _schedule(visit, agent, engineer, hours=5)
    moved = _rows(customer.email).get()
    assert moved.payload["change"] == "moved"
    assert moved.payload["old_appointment_at"] == first_at.isoformat()
    assert _rows(engineer.email).get().payload["change"] == "moved"
    OutboxMessage.objects.all().delete()
    other = f.UserFactory(role="engineer", email="zhou@vendor.example")
    services.visit_schedule(visit, actor=agent, engineer=other, appointment_at=visit.appointment_at)
    assert _rows(other.email).get().payload["change"] == "scheduled"
    assert _rows(engineer.email).get().payload["change"] == "unassigned"
    assert _rows(customer.email).get().payload["change"] == "moved"


def test_departure_asks_the_customer_to_confirm_the_report(visit, agent, engineer, customer):
    visit = _schedule(visit, agent, engineer, hours=0)
    visit = services.visit_arrive(visit, actor=engineer)
    OutboxMessage.objects.all().delete()
    services.visit_depart(visit, actor=engineer, report="Replaced the print driver.")
    row = _rows(customer.email).get()
    assert row.topic == "visit.report" and row.payload["report"] == "Replaced the print driver."
    assert "Replaced the print driver." in build_email(row).body
    assert _rows().count() == 1  # the engineer recorded it: not told of their own action


def test_cancelling_a_scheduled_visit_tells_both(visit, agent, engineer, customer):
    _schedule(visit, agent, engineer)
    OutboxMessage.objects.all().delete()
    services.visit_cancel(visit, actor=agent, reason="Solved remotely.")
    assert _rows(customer.email).get().payload["change"] == "cancelled"
    assert _rows(engineer.email).get().payload["reason"] == "Solved remotely."


def test_cancelling_a_request_tells_nobody(visit, agent):
    services.visit_cancel(visit, actor=agent, reason="Solved by phone.")
    assert not _rows().exists()


def test_preferences_are_kept(visit, agent, engineer, customer):
    preferences_set(customer, {"visit.appointment": "off"})
    preferences_set(engineer, {"visit.assigned": "in_app"})
    _schedule(visit, agent, engineer)
    assert not _rows().exists()
    assert Notification.objects.filter(user=engineer, topic="visit.assigned").count() == 1
    assert (
        not Notification.objects.filter(user=customer).filter(topic__startswith="visit.").exists()
    )


def test_a_contact_without_a_login_is_told(org, product, agent, engineer):
    contact = f.ContactFactory(organization=org, email="zhao@customer.example")
    ticket = ticket_services.ticket_create(
        actor=agent, title="Meter offline", kind="fault", channel="hotline",
        organization=org, contact=contact, product=product,
    )  # fmt: skip
    visit = services.visit_request(ticket, actor=agent, address="2 Grid Road")
    _schedule(visit, agent, engineer)
    assert _rows("zhao@customer.example").get().topic == "visit.appointment"


def test_another_organizations_customer_is_never_told(visit, agent, engineer, other_customer):
    _schedule(visit, agent, engineer)
    assert not _rows(other_customer.email).exists()


BASE = {
    "ticket": "SD-2026-000123", "ticket_id": 123, "title": "Invoices print blank",
    "visit": 7, "address": "1 Grid Road", "engineer": "Wang Fang",
    "appointment_at": "2026-12-03T06:05:00+00:00", "time_zone": "Asia/Shanghai",
}  # fmt: skip
CASES = [
    ("visit.appointment", {"change": "scheduled", "audience": "customer",
      "path": "/portal/tickets/SD-2026-000123/"},
     ["On-site visit scheduled", "2:05 p.m.", "Wang Fang", "1 Grid Road"],
     ["上门服务已安排", "14:05", "Wang Fang", "1 Grid Road"]),
    ("visit.appointment", {"change": "moved", "old_appointment_at": "2026-12-02T06:05:00+00:00",
      "audience": "customer", "path": "/portal/tickets/SD-2026-000123/"},
     ["On-site visit moved", "Previous appointment", "Dec. 2, 2026"],
     ["上门服务时间已变更", "原预约时间", "2026年12月2日"]),
    ("visit.appointment", {"change": "cancelled", "reason": "Solved remotely.",
      "audience": "customer", "path": "/portal/tickets/SD-2026-000123/"},
     ["On-site visit cancelled", "Solved remotely."], ["上门服务已取消", "Solved remotely."]),
    ("visit.report", {"report": "Driver replaced.", "arrived_at": "2026-12-03T06:05:00+00:00",
      "departed_at": "2026-12-03T08:05:00+00:00", "audience": "customer",
      "path": "/portal/tickets/SD-2026-000123/"},
     ["please confirm", "Driver replaced.", "4:05 p.m.", "Confirm or refuse"],
     ["请确认", "Driver replaced.", "16:05", "确认或拒绝"]),
    ("visit.assigned", {"change": "scheduled", "organization": "Acme Power",
      "contact": "Li Lei 025-1234", "audience": "staff", "path": "/staff/tickets/123/"},
     ["On-site visit for you", "Acme Power", "Li Lei 025-1234", "2:05 p.m."],
     ["上门服务任务", "Acme Power", "Li Lei 025-1234", "14:05"]),
    ("visit.assigned", {"change": "unassigned", "audience": "staff",
      "path": "/staff/tickets/123/"},
     ["now goes to Wang Fang"], ["已改由 Wang Fang"]),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_visit_mails_read_well_in_both_languages(case, language, settings):
    settings.SITE_URL = "https://desk.example.com"
    code, extra, english, chinese = CASES[case]
    mail = render_payload(code, {**BASE, **extra, "language": language})
    for part in (mail.text, mail.html):
        for needed in english if language == "en" else chinese:
            assert needed in part or needed in mail.subject, (code, language, needed)
        assert "https://desk.example.com" + extra["path"] in part
    assert mail.subject.startswith("[SD-2026-000123]") and "+00:00" not in mail.text
    assert mail.thread.startswith("<ticket.SD-2026-000123@")
