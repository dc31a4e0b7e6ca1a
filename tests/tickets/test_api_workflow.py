"""Workflow actions: transition, confirm, assign, bulk-assign, triage, assignee suggestions."""

from __future__ import annotations

import pytest

from servicedesk.choices import Role, SkillArea
from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Export fails",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        area=SkillArea.DATABASE,
    )


def act(ticket, name: str) -> str:
    return f"/api/v1/tickets/{ticket.pk}/{name}"


ACTIONS = ["transition", "confirm", "assign", "triage"]


@pytest.mark.parametrize("name", [*ACTIONS, "assignee-suggestions"])
def test_anonymous_401_other_org_404(name, api, ticket, other_customer):
    method = "get" if name == "assignee-suggestions" else "post"
    assert getattr(api, method)(act(ticket, name), {}, format="json").status_code == 401
    response = getattr(client_for(other_customer), method)(act(ticket, name), {}, format="json")
    assert response.status_code == 404


# --------------------------------------------------------------------------- transition


def test_staff_transition_returns_ticket_and_records_comment(ticket, engineer):
    response = client_for(engineer).post(
        act(ticket, "transition"), {"status": "in_progress", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    assert response.json()["version"] == 2
    assert "resolved" in response.json()["allowed_transitions"]


def test_illegal_transition_is_409_with_allowed_list(ticket, engineer):
    response = client_for(engineer).post(
        act(ticket, "transition"), {"status": "closed"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["allowed"] == [
        "accepted",
        "in_progress",
        "waiting_customer",
        "resolved",
        "cancelled",
    ]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_unknown_status_is_400(ticket, engineer):
    response = client_for(engineer).post(
        act(ticket, "transition"), {"status": "teleported"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_transition_stale_version_is_409(ticket, engineer):
    client = client_for(engineer)
    client.post(act(ticket, "transition"), {"status": "accepted"}, format="json")
    response = client.post(
        act(ticket, "transition"), {"status": "in_progress"}, format="json", HTTP_IF_MATCH="1"
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_version"


def test_customer_may_only_take_customer_steps(ticket, customer):
    client = client_for(customer)
    response = client.post(act(ticket, "transition"), {"status": "resolved"}, format="json")
    assert response.status_code == 403
    response = client.post(act(ticket, "transition"), {"status": "cancelled"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "comment_required"
    response = client.post(
        act(ticket, "transition"), {"status": "cancelled", "comment": "Found it"}, format="json"
    )
    assert response.status_code == 200 and response.json()["allowed_transitions"] == []


# --------------------------------------------------------------------------- confirm


def _resolve(ticket, engineer):
    return services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Index rebuilt"
    )


def test_customer_confirms_with_rating(ticket, customer, engineer):
    _resolve(ticket, engineer)
    response = client_for(customer).post(
        act(ticket, "confirm"), {"accepted": True, "rating": 5, "comment": "Quick"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed" and response.json()["rating"] == 5


def test_customer_rejects_resolution_reopens(ticket, customer, engineer):
    _resolve(ticket, engineer)
    client = client_for(customer)
    response = client.post(act(ticket, "confirm"), {"accepted": False}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "comment_required"
    response = client.post(
        act(ticket, "confirm"), {"accepted": False, "comment": "Still slow"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert response.json()["reopen_count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"accepted": True, "rating": 6}, "rating"),
        ({"accepted": True, "rating": 0}, "rating"),
        ({"rating": 3}, "accepted"),
        ({"accepted": True}, "rating"),
    ],
)
def test_confirm_validates(body, field, ticket, customer, engineer):
    _resolve(ticket, engineer)
    response = client_for(customer).post(act(ticket, "confirm"), body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_confirm_before_resolution_is_409(ticket, customer):
    response = client_for(customer).post(
        act(ticket, "confirm"), {"accepted": True, "rating": 4}, format="json"
    )
    assert response.status_code == 409


# --------------------------------------------------------------------------- assign


def test_assign_accepts_new_ticket(ticket, agent, engineer, team):
    response = client_for(agent).post(
        act(ticket, "assign"), {"team": team.pk, "assignee": engineer.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assignee"] == {"id": engineer.pk, "name": "engineer"}
    assert body["team"] == {"id": team.pk, "name": team.name}
    assert body["status"] == "accepted"


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TESTER])
def test_assign_forbidden_roles_403(role, ticket, customer, tester, engineer):
    user = customer if role == Role.CUSTOMER else tester
    response = client_for(user).post(
        act(ticket, "assign"), {"assignee": engineer.pk}, format="json"
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assign_bad_ids_are_400(ticket, agent, customer):
    client = client_for(agent)
    for body, field in [
        ({"assignee": 999999}, "assignee"),
        ({"team": 999999}, "team"),
        ({"assignee": customer.pk}, "assignee"),
    ]:
        response = client.post(act(ticket, "assign"), body, format="json")
        assert response.status_code == 400 and field in response.json()["fields"], body


def test_assign_away_engineer_is_400(ticket, agent):
    away = f.UserFactory(role=Role.ENGINEER, is_away=True)
    response = client_for(agent).post(act(ticket, "assign"), {"assignee": away.pk}, format="json")
    assert response.status_code == 400


def test_assign_stale_version_409(ticket, agent, engineer):
    response = client_for(agent).post(
        act(ticket, "assign"), {"assignee": engineer.pk, "version": 7}, format="json"
    )
    assert response.status_code == 409 and response.json()["current_version"] == 1


# --------------------------------------------------------------------------- bulk assign

BULK = "/api/v1/tickets/bulk-assign"


def test_bulk_assign(org, agent, engineer, team):
    tickets = [f.TicketFactory(organization=org) for _ in range(3)]
    response = client_for(agent).post(
        BULK,
        {"tickets": [t.pk for t in tickets], "team": team.pk, "assignee": engineer.pk},
        format="json",
    )
    assert response.status_code == 200 and response.json() == {"updated": 3}
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {engineer.pk}


def test_bulk_assign_unknown_ids_is_400_and_changes_nothing(org, agent, engineer):
    ticket = f.TicketFactory(organization=org)
    response = client_for(agent).post(
        BULK, {"tickets": [ticket.pk, 999999], "assignee": engineer.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["unknown"] == [999999]
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize(
    "body", [{}, {"tickets": []}, {"tickets": ["x"]}, {"tickets": 5}, {"tickets": [10**20]}]
)
def test_bulk_assign_validates(body, agent):
    response = client_for(agent).post(BULK, body, format="json")
    assert response.status_code == 400
    # the list itself ("tickets") or one of its items ("tickets.0"), by the dotted convention
    assert [k for k in response.json()["fields"] if k.split(".")[0] == "tickets"]


def test_bulk_assign_customer_and_tester_403(org, customer, tester, engineer, api):
    ticket = f.TicketFactory(organization=org)
    body = {"tickets": [ticket.pk], "assignee": engineer.pk}
    assert api.post(BULK, body, format="json").status_code == 401
    assert client_for(customer).post(BULK, body, format="json").status_code == 403
    assert client_for(tester).post(BULK, body, format="json").status_code == 403


# --------------------------------------------------------------------------- triage


def test_triage_fault_starts_work(ticket, agent):
    response = client_for(agent).post(
        act(ticket, "triage"), {"decision": "fault", "severity": "L2"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["triage_decision"] == "fault" and body["status"] == "in_progress"
    assert body["severity"] == "L2" and body["severity_confirmed"] is True


def test_triage_consultation_needs_answer_and_resolves(ticket, agent):
    client = client_for(agent)
    response = client.post(
        act(ticket, "triage"), {"decision": "consultation_answered"}, format="json"
    )
    assert response.status_code == 400 and "answer" in response.json()["fields"]
    response = client.post(
        act(ticket, "triage"),
        {"decision": "consultation_answered", "answer": "Use Reports > Export"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "resolved"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"decision": "maybe"}, "decision"), ({"decision": "fault", "severity": "L7"}, "severity")],
)
def test_triage_bad_choices_400(body, field, ticket, agent):
    response = client_for(agent).post(act(ticket, "triage"), body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]


@pytest.mark.parametrize("who", ["customer", "tester"])
def test_triage_forbidden_roles_403(who, ticket, customer, tester):
    user = {"customer": customer, "tester": tester}[who]
    response = client_for(user).post(act(ticket, "triage"), {"decision": "fault"}, format="json")
    assert response.status_code == 403


# --------------------------------------------------------------------------- suggestions


def test_assignee_suggestions_rank_by_skill(ticket, product, agent, customer):
    expert = f.UserFactory(username="dba", role=Role.ENGINEER, first_name="Wang")
    f.SkillFactory(user=expert, product=product, area=SkillArea.DATABASE)
    f.UserFactory(username="generalist", role=Role.ENGINEER)
    response = client_for(agent).get(act(ticket, "assignee-suggestions"))
    assert response.status_code == 200
    first = response.json()[0]
    assert first["user"] == {"id": expert.pk, "name": "Wang"}
    assert first["username"] == "dba" and first["score"] == 4 and first["open_load"] == 0
    assert first["reasons"] == ["Billing / Database"]
    assert client_for(customer).get(act(ticket, "assignee-suggestions")).status_code == 403
