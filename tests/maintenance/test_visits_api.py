"""The follow-up and visit API: access per endpoint (anonymous 401, customers 404 from the
staff endpoints and from another organization's visit, staff 403 on the customer's
confirmation), the visit's steps, bad input as 4xx with nothing written, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from maintenance.choices import FollowUpOutcome, VisitStatus
from maintenance.models import FollowUp, OnSiteVisit, TimeEntry
from maintenance.services import visits as services
from tests.conftest import client_for
from tests.maintenance.conftest import fault_ticket
from tickets import services as ticket_services
from tickets.choices import TicketStatus

pytestmark = pytest.mark.django_db

FOLLOW_UPS = "/api/v1/follow-ups/"
VISITS = "/api/v1/visits/"
STAFF_STEPS = ("schedule", "arrive", "depart", "cancel")


def _resolved(customer, product, agent, **kw):
    return ticket_services.ticket_transition(
        fault_ticket(customer, product, **kw),
        actor=agent,
        to_status=TicketStatus.RESOLVED,
        comment="Fixed.",
    )


@pytest.fixture
def follow_up(customer, product, agent):
    return FollowUp.objects.get(ticket=_resolved(customer, product, agent))


@pytest.fixture
def visit(customer, product, agent):
    return services.visit_request(fault_ticket(customer, product), actor=agent, address="Room 1")


@pytest.fixture
def other_visit(other_customer, product, agent):
    return services.visit_request(
        fault_ticket(other_customer, product), actor=agent, address="Elsewhere"
    )


def _staff_urls(follow_up):
    return [FOLLOW_UPS, f"{FOLLOW_UPS}{follow_up.pk}/"]


def test_anonymous_gets_401_everywhere(api, follow_up, visit):
    for url in [*_staff_urls(follow_up), VISITS, f"{VISITS}{visit.pk}/"]:
        assert api.get(url).status_code == 401, url
    for url in [f"{FOLLOW_UPS}{follow_up.pk}/record", VISITS]:
        assert api.post(url, {}, format="json").status_code == 401, url
    for step in (*STAFF_STEPS, "confirm"):
        assert api.post(f"{VISITS}{visit.pk}/{step}", {}, format="json").status_code == 401


def test_customer_gets_404_from_follow_ups(customer, follow_up):
    api = client_for(customer)
    for url in _staff_urls(follow_up):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    response = api.post(
        f"{FOLLOW_UPS}{follow_up.pk}/record", {"outcome": "not_recurred"}, format="json"
    )
    assert response.status_code == 404
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None


def test_staff_list_and_record_follow_ups(agent, engineer, follow_up, customer, product):
    other = _resolved(customer, product, engineer, title="Another")  # assigned to engineer
    api = client_for(agent)
    rows = api.get(FOLLOW_UPS).json()["results"]
    assert [r["id"] for r in rows] == [follow_up.pk, FollowUp.objects.get(ticket=other).pk]
    mine = api.get(FOLLOW_UPS, {"mine": "true", "open": "true"}).json()["results"]
    assert [r["id"] for r in mine] == [follow_up.pk]
    assert mine[0]["ticket"]["number"] == follow_up.ticket.number
    assert api.get(FOLLOW_UPS, {"mine": "maybe"}).status_code == 400
    bad = api.post(f"{FOLLOW_UPS}{follow_up.pk}/record", {"outcome": "recurred"}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()["fields"]
    assert FollowUp.objects.get(pk=follow_up.pk).done_at is None
    ok = api.post(
        f"{FOLLOW_UPS}{follow_up.pk}/record",
        {"outcome": "recurred", "note": "Blank again."},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["outcome"] == FollowUpOutcome.RECURRED
    follow_up.ticket.refresh_from_db()
    assert follow_up.ticket.status == TicketStatus.IN_PROGRESS
    again = api.post(
        f"{FOLLOW_UPS}{follow_up.pk}/record", {"outcome": "not_recurred"}, format="json"
    )
    assert again.status_code == 409


def test_follow_up_list_queries_do_not_grow(
    agent, customer, product, django_assert_max_num_queries
):
    for n in range(6):
        _resolved(customer, product, agent, title=f"Fault {n}")
    api = client_for(agent)
    with django_assert_max_num_queries(8):
        response = api.get(FOLLOW_UPS)
    assert len(response.json()["results"]) == 6


def test_customer_sees_only_their_organizations_visits(customer, visit, other_visit):
    api = client_for(customer)
    rows = api.get(VISITS).json()["results"]
    assert [r["id"] for r in rows] == [visit.pk]
    assert api.get(f"{VISITS}{visit.pk}/").status_code == 200
    assert api.get(f"{VISITS}{other_visit.pk}/").status_code == 404
    for step in (*STAFF_STEPS, "confirm"):
        response = api.post(f"{VISITS}{other_visit.pk}/{step}", {}, format="json")
        assert response.status_code == 404, step


def test_customer_gets_404_from_the_staff_steps_and_cannot_request(customer, visit):
    api = client_for(customer)
    for step in STAFF_STEPS:
        response = api.post(
            f"{VISITS}{visit.pk}/{step}",
            {"reason": "x", "report": "x", "engineer": 1, "appointment_at": "2030-01-01T10:00Z"},
            format="json",
        )
        assert response.status_code in (400, 404), step  # 400 only for an unknown engineer id
        assert OnSiteVisit.objects.get(pk=visit.pk).version == visit.version
    response = api.post(VISITS, {"ticket": visit.ticket_id, "address": "x"}, format="json")
    assert response.status_code == 404
    assert OnSiteVisit.objects.count() == 1


def test_the_whole_visit_over_the_api(agent, engineer, customer, visit, monkeypatch):
    staff = client_for(agent)
    appointment = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    response = staff.post(
        f"{VISITS}{visit.pk}/schedule",
        {"engineer": engineer.pk, "appointment_at": appointment, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == VisitStatus.SCHEDULED
    stale = staff.post(f"{VISITS}{visit.pk}/arrive", {"version": 1}, format="json")
    assert stale.status_code == 409
    before = (visit.requested_at - dt.timedelta(minutes=1)).isoformat()
    early = staff.post(f"{VISITS}{visit.pk}/arrive", {"at": before}, format="json")
    assert early.status_code == 400 and "arrived_at" in early.json()["fields"]
    assert staff.post(f"{VISITS}{visit.pk}/arrive", {}, format="json").status_code == 200
    arrived = OnSiteVisit.objects.get(pk=visit.pk).arrived_at
    monkeypatch.setattr(timezone, "now", lambda: arrived + dt.timedelta(minutes=90))
    no_report = staff.post(f"{VISITS}{visit.pk}/depart", {}, format="json")
    assert no_report.status_code == 400 and "report" in no_report.json()["fields"]
    done = staff.post(f"{VISITS}{visit.pk}/depart", {"report": "Driver replaced."}, format="json")
    assert done.status_code == 200
    assert done.json()["minutes"] == TimeEntry.objects.get().minutes == 90
    twice = staff.post(f"{VISITS}{visit.pk}/depart", {"report": "again"}, format="json")
    assert twice.status_code == 409 and TimeEntry.objects.count() == 1
    # staff cannot confirm for the customer
    forbidden = staff.post(f"{VISITS}{visit.pk}/confirm", {"accepted": True}, format="json")
    assert forbidden.status_code == 403
    api = client_for(customer)
    refused = api.post(f"{VISITS}{visit.pk}/confirm", {"accepted": False}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    confirmed = api.post(f"{VISITS}{visit.pk}/confirm", {"accepted": True}, format="json")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == VisitStatus.CONFIRMED
    assert confirmed.json()["confirmed_by"]["id"] == customer.pk


def test_bad_visit_requests_write_nothing(agent, customer, product):
    staff = client_for(agent)
    ticket = fault_ticket(customer, product)
    for body in (
        {"ticket": ticket.pk},
        {"ticket": 999999, "address": "x"},
        {"ticket": ticket.pk, "address": "x" * 301},
        {"ticket": ticket.pk, "address": "x", "appointment_at": "2030-01-01T10:00Z"},
    ):
        response = staff.post(VISITS, body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"]
    assert not OnSiteVisit.objects.exists()
    created = staff.post(VISITS, {"ticket": ticket.pk, "address": "Room 2"}, format="json")
    assert created.status_code == 201
    assert created.json()["due_at"]


def test_visit_list_queries_do_not_grow(agent, customer, product, django_assert_max_num_queries):
    for n in range(5):
        services.visit_request(
            fault_ticket(customer, product, title=f"F{n}"), actor=agent, address="x"
        )
    for user in (agent, customer):
        api = client_for(user)
        with django_assert_max_num_queries(8):
            response = api.get(VISITS)
        assert len(response.json()["results"]) == 5
