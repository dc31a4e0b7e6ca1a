"""The desk API: canned replies, applying one, links and merges; access per caller, bad
input as 4xx with a code, query counts that do not grow with the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, LinkKind, TicketKind, TicketStatus
from tickets.models import CannedReply, Comment, Ticket, TicketLink

pytestmark = pytest.mark.django_db

CANNED = "/api/v1/canned-replies/"


def _ticket(actor, org=None, title="Invoices do not print"):
    data = {"actor": actor, "title": title, "kind": TicketKind.FAULT, "channel": Channel.PORTAL}
    if org is not None:
        data["organization"] = org
    return services.ticket_create(**data)


@pytest.fixture
def world(customer, agent, other_org):
    a, b = _ticket(customer, title="A"), _ticket(customer, title="B")
    foreign = _ticket(agent, org=other_org, title="Foreign")
    canned = services.canned_reply_create(
        actor=agent,
        name="Fixed",
        language="en",
        body="Dear {{customer_name}}, {{ticket_number}} is fixed.",
        set_status=TicketStatus.RESOLVED,
    )
    link = services.ticket_link(a, b, actor=agent, kind=LinkKind.RELATED)
    services.ticket_link(a, foreign, actor=agent, kind=LinkKind.RELATED)
    return {"a": a, "b": b, "foreign": foreign, "canned": canned, "link": link}


def _staff_urls(w):
    a, canned = w["a"], w["canned"]
    return [CANNED, f"{CANNED}{canned.pk}/", f"/api/v1/tickets/{a.pk}/links/"]


def test_staff_reads_and_customers_get_404_for_canned_replies(world, agent, customer, api):
    staff = client_for(agent)
    for url in _staff_urls(world):
        assert staff.get(url).status_code == 200, url
    cust = client_for(customer)
    for url in _staff_urls(world)[:2]:
        response = cust.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert cust.post(CANNED, {"name": "x"}, format="json").status_code == 404
    assert cust.delete(f"{CANNED}{world['canned'].pk}/").status_code == 404
    for url in _staff_urls(world):
        assert api.get(url).status_code == 401, url


def test_canned_reply_crud_and_validation(agent, manager):
    api = client_for(agent)
    bad = api.post(CANNED, {"name": "x", "language": "en", "body": "Hi {{nme}}"}, format="json")
    assert bad.status_code == 400
    assert "nme" in bad.json()["fields"]["body"][0]
    assert (
        api.post(CANNED, {"name": "x", "language": "fr", "body": "Hi"}, format="json").status_code
        == 400
    )
    shared = api.post(
        CANNED, {"name": "x", "language": "en", "body": "x", "shared": True}, format="json"
    )
    assert shared.status_code == 400 and "shared" in shared.json()["fields"]
    created = api.post(
        CANNED,
        {"name": "Ask for logs", "language": "zh-hans", "body": "{{customer_name}}您好"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["owner"]["id"] == agent.pk
    patched = api.patch(f"{CANNED}{pk}/", {"name": "Logs please"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Logs please"
    other = client_for(f.UserFactory(role="engineer"))
    assert other.get(f"{CANNED}{pk}/").status_code == 404  # personal: not theirs
    assert api.delete(f"{CANNED}{pk}/").status_code == 204
    assert not CannedReply.objects.filter(pk=pk).exists()


def test_apply_a_canned_reply_resolves_and_answers_the_ticket(world, agent, customer):
    api, a = client_for(agent), world["a"]
    response = api.post(
        f"/api/v1/tickets/{a.number}/canned-reply",
        {"canned_reply": world["canned"].pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "resolved"
    assert Comment.objects.filter(ticket=a, body__startswith="Dear Li Lei").exists()
    b = world["b"]
    services.ticket_transition(b, actor=agent, to_status=TicketStatus.CANCELLED, comment="dup")
    refused = api.post(
        f"/api/v1/tickets/{b.pk}/canned-reply", {"canned_reply": world["canned"].pk}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    assert not Comment.objects.filter(ticket=b, body__startswith="Dear").exists()
    unknown = api.post(
        f"/api/v1/tickets/{a.pk}/canned-reply", {"canned_reply": 999999}, format="json"
    )
    assert unknown.status_code == 404 and "canned_reply" in unknown.json()["fields"]
    cust = client_for(customer).post(
        f"/api/v1/tickets/{world['b'].pk}/canned-reply",
        {"canned_reply": world["canned"].pk},
        format="json",
    )
    assert cust.status_code == 404


def test_links_for_staff_and_customers(world, agent, customer, other_customer):
    a = world["a"]
    staff = client_for(agent).get(f"/api/v1/tickets/{a.pk}/links/").json()
    assert {row["ticket"]["number"] for row in staff} == {
        world["b"].number,
        world["foreign"].number,
    }
    mine = client_for(customer).get(f"/api/v1/tickets/{a.pk}/links/").json()
    assert [row["ticket"]["number"] for row in mine] == [world["b"].number]
    assert client_for(other_customer).get(f"/api/v1/tickets/{a.pk}/links/").status_code == 404
    denied = client_for(customer).post(
        f"/api/v1/tickets/{a.pk}/links/",
        {"ticket": world["b"].number, "kind": "related"},
        format="json",
    )
    assert denied.status_code == 403
    gone = client_for(customer).delete(f"/api/v1/tickets/{a.pk}/links/{world['link'].pk}/")
    assert gone.status_code == 403
    assert TicketLink.objects.filter(pk=world["link"].pk).exists()


def test_link_create_errors_and_delete(world, agent):
    api, a, b = client_for(agent), world["a"], world["b"]
    url = f"/api/v1/tickets/{a.pk}/links/"
    assert api.post(url, {"ticket": a.number, "kind": "related"}, format="json").status_code == 400
    dup = api.post(url, {"ticket": b.number, "kind": "parent"}, format="json")
    assert dup.status_code == 409 and dup.json()["code"] == "already_linked"
    missing = api.post(url, {"ticket": "SD-1999-000001", "kind": "related"}, format="json")
    assert missing.status_code == 404 and "ticket" in missing.json()["fields"]
    assert api.post(url, {"ticket": b.number, "kind": "sibling"}, format="json").status_code == 400
    c = _ticket(agent, org=a.organization, title="C")
    created = api.post(url, {"ticket": c.number, "kind": "parent"}, format="json")
    assert created.status_code == 201
    assert created.json()["relation"] == "Parent of"
    back = api.get(f"/api/v1/tickets/{c.pk}/links/").json()
    assert back[0]["relation"] == "Child of" and back[0]["direction"] == "incoming"
    assert api.delete(f"{url}{created.json()['id']}/").status_code == 204
    assert api.delete(f"{url}{created.json()['id']}/").status_code == 404


def test_merge_over_the_api(world, agent, customer):
    api, a, b = client_for(agent), world["a"], world["b"]
    assert (
        client_for(customer)
        .post(f"/api/v1/tickets/{a.pk}/merge", {"into": b.number}, format="json")
        .status_code
        == 403
    )
    foreign = api.post(
        f"/api/v1/tickets/{a.pk}/merge", {"into": world["foreign"].number}, format="json"
    )
    assert foreign.status_code == 400 and foreign.json()["code"] == "merge_other_organization"
    itself = api.post(f"/api/v1/tickets/{a.pk}/merge", {"into": a.number}, format="json")
    assert itself.status_code == 400
    merged = api.post(f"/api/v1/tickets/{a.pk}/merge", {"into": b.number}, format="json")
    assert merged.status_code == 200 and merged.json()["number"] == b.number
    assert Ticket.objects.get(pk=a.pk).merged_into_id == b.pk
    again = api.post(f"/api/v1/tickets/{a.pk}/merge", {"into": b.number}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "merge_refused"


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow(world, agent, manager, team):
    api, a = client_for(agent), world["a"]
    team.members.add(agent)
    few = (_count(api, CANNED), _count(api, f"/api/v1/tickets/{a.pk}/links/"))
    for i in range(6):
        services.canned_reply_create(
            actor=manager, name=f"Shared {i}", language="en", body="x", shared=True,
            team=team if i % 2 else None, set_assignee=agent,
        )  # fmt: skip
        services.ticket_link(
            a, _ticket(agent, org=a.organization, title=f"T{i}"), actor=agent, kind="related"
        )
    many = (_count(api, CANNED), _count(api, f"/api/v1/tickets/{a.pk}/links/"))
    assert many == few
