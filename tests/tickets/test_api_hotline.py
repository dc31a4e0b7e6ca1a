"""/api/v1/hotline/calls and /api/v1/contacts/?phone= (the caller lookup)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.conftest import client_for
from tickets.models import HotlineCall, Ticket

pytestmark = pytest.mark.django_db

CALLS = "/api/v1/hotline/calls"


def test_anonymous_and_customers_cannot_use_the_hotline(api, customer):
    assert api.get(CALLS).status_code == 401
    assert api.post(CALLS, {}, format="json").status_code == 401
    client = client_for(customer)
    assert client.get(CALLS).status_code == 403
    body = {"caller_phone": "1", "notes": "x"}
    assert client.post(CALLS, body, format="json").status_code == 403


def test_engineer_may_list_but_not_log(engineer):
    client = client_for(engineer)
    assert client.get(CALLS).status_code == 200
    response = client.post(CALLS, {"caller_phone": "1", "notes": "x"}, format="json")
    assert response.status_code == 403
    assert not HotlineCall.objects.exists()


def test_log_call_opens_ticket_for_known_caller_and_repeat_is_200(agent, org):
    contact = f.ContactFactory(organization=org, phone="139 1234 5678")
    client = client_for(agent)
    body = {
        "external_call_id": "pbx-42",
        "caller_phone": "139 1234 5678",
        "notes": "Cannot log in since the upgrade",
        "kind": "fault",
        "severity": "L2",
    }
    first = client.post(CALLS, body, format="json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["contact"] == {"id": contact.pk, "name": contact.name}
    assert data["organization"]["id"] == org.pk
    ticket = Ticket.objects.get()
    assert data["ticket"] == {"id": ticket.pk, "number": ticket.number}
    assert ticket.channel == "hotline" and ticket.severity == "L2"
    again = client.post(CALLS, body, format="json")
    assert again.status_code == 200
    assert again.json() == data
    assert HotlineCall.objects.count() == 1 and Ticket.objects.count() == 1


def test_call_resolved_on_first_contact(agent, org):
    client = client_for(agent)
    response = client.post(
        CALLS,
        {
            "caller_phone": "010-1",
            "notes": "How to reset a password",
            "organization": org.pk,
            "resolved_on_first_contact": True,
        },
        format="json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.status == "resolved" and ticket.first_contact_resolution


def test_unknown_caller_is_logged_without_ticket(agent):
    response = client_for(agent).post(
        CALLS, {"caller_phone": "555", "notes": "Wrong number"}, format="json"
    )
    assert response.status_code == 201 and response.json()["ticket"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": "x"}, "caller_phone"),
        ({"caller_phone": "1"}, "notes"),
        ({"caller_phone": "1", "notes": "x", "organization": 999999}, "organization"),
        ({"caller_phone": "1", "notes": "x", "kind": "gossip"}, "kind"),
        ({"caller_phone": "1", "notes": "x", "severity": "L0"}, "severity"),
        ({"caller_phone": "1" * 41, "notes": "x"}, "caller_phone"),
        ({"caller_phone": "1", "notes": "x", "external_call_id": "c" * 101}, "external_call_id"),
    ],
)
def test_call_validation_is_400(body, field, agent):
    response = client_for(agent).post(CALLS, body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not HotlineCall.objects.exists()


def test_contact_of_another_org_is_400(agent, org, other_org):
    response = client_for(agent).post(
        CALLS,
        {
            "caller_phone": "1",
            "notes": "x",
            "organization": org.pk,
            "contact": f.ContactFactory(organization=other_org).pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "contact" in response.json()["fields"]


@pytest.mark.parametrize("rows", [3, 30])
def test_call_list_query_count_is_constant(rows, agent, org, django_assert_num_queries):
    contact = f.ContactFactory(organization=org)
    for i in range(rows):
        ticket = f.TicketFactory(organization=org)
        HotlineCall.objects.create(
            caller_phone=f"{i}",
            notes="n",
            organization=org,
            contact=contact,
            ticket=ticket,
            agent=agent,
        )
    with django_assert_num_queries(1):
        response = client_for(agent).get(CALLS, {"page_size": 100})
    assert len(response.json()["results"]) == rows


def test_call_list_filters_by_external_id(agent):
    HotlineCall.objects.create(caller_phone="1", notes="n", external_call_id="a", agent=agent)
    HotlineCall.objects.create(caller_phone="2", notes="n", external_call_id="b", agent=agent)
    rows = client_for(agent).get(CALLS, {"external_call_id": "b"}).json()["results"]
    assert [r["caller_phone"] for r in rows] == ["2"]


# --------------------------------------------------------------------------- caller lookup

CONTACTS = "/api/v1/contacts/"


def test_contacts_by_phone_staff_only(api, customer, agent, org):
    contact = f.ContactFactory(organization=org, phone="+86 139-8888 0000", name="Zhang")
    assert api.get(CONTACTS, {"phone": "13988880000"}).status_code == 401
    assert client_for(customer).get(CONTACTS, {"phone": "13988880000"}).status_code == 403
    assert client_for(customer).get(f"{CONTACTS}{contact.pk}/").status_code == 403
    response = client_for(agent).get(CONTACTS, {"phone": "139 8888 0000"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == contact.pk and row["organization"]["name"] == org.name
    assert client_for(agent).get(CONTACTS, {"phone": "1"}).json()["results"] == []


def test_contacts_list_paginated_and_filtered(agent, org, other_org):
    f.ContactFactory(organization=org, name="A")
    f.ContactFactory(organization=other_org, name="B")
    client = client_for(agent)
    names = [c["name"] for c in client.get(CONTACTS).json()["results"]]
    assert names == ["A", "B"]
    names = [
        c["name"] for c in client.get(CONTACTS, {"organization": other_org.pk}).json()["results"]
    ]
    assert names == ["B"]
