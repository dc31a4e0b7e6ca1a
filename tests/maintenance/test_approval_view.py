"""The managers' queue view "awaiting my approval": the tickets whose work orders await the
manager's signature, with its count, linked to the approvals inbox; nobody else gets it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from maintenance import services as wo
from maintenance.choices import WorkOrderKind
from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for
from tickets import selectors
from tickets.queue_views import views_for

from .conftest import fault_ticket

pytestmark = pytest.mark.django_db

QUEUE = reverse("staff:queue")
COUNTS = reverse("staff:queue-view-counts")
INBOX = reverse("maintenance:approvals")


@pytest.fixture
def awaiting(customer, product, agent, submitted, fault):
    """Tickets of an order awaiting signature (``fault``), and tickets that must not show:
    one of a signed order, one of a draft, one of an order the manager drafted, one alone."""
    signed_ticket = fault_ticket(customer, product, title="Signed")
    signed = wo.work_order_draft(
        actor=agent, kind=WorkOrderKind.CORRECTIVE, title="Signed", tickets=[signed_ticket]
    )
    wo.work_order_approve(
        wo.work_order_submit(signed, actor=agent), actor=f.UserFactory(role=Role.MANAGER)
    )
    draft_ticket = fault_ticket(customer, product, title="Draft only")
    wo.work_order_draft(
        actor=agent, kind=WorkOrderKind.CORRECTIVE, title="Draft", tickets=[draft_ticket]
    )
    fault_ticket(customer, product, title="No work order")
    return {"ticket": fault, "order": submitted}


def _own_order(manager, customer, product):
    """An order the manager drafted and submitted: not theirs to sign."""
    ticket = fault_ticket(customer, product, title="Drafted by the manager")
    order = wo.work_order_draft(
        actor=manager, kind=WorkOrderKind.CORRECTIVE, title="Mine", tickets=[ticket]
    )
    wo.work_order_submit(order, actor=manager)
    return ticket


def _numbers(response):
    return {row["number"] for row in response.context["tickets"]}


def test_manager_gets_the_view_with_its_tickets_count_and_inbox_link(
    client, manager, customer, product, awaiting
):
    own = _own_order(manager, customer, product)
    client.force_login(manager)
    response = client.get(QUEUE, {"view": "approval"})
    assert response.status_code == 200
    assert _numbers(response) == {awaiting["ticket"].number}
    assert own.number not in _numbers(response)

    counts = client.get(COUNTS).content.decode()
    assert 'data-view="approval"' in counts
    assert f'href="{INBOX}" id="view-link-approval"' in counts
    assert selectors.view_counts(manager)["approval"] == 1

    # signed: the ticket leaves the view and the count
    wo.work_order_approve(awaiting["order"], actor=manager)
    assert selectors.view_counts(manager)["approval"] == 0
    assert _numbers(client.get(QUEUE, {"view": "approval"})) == set()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.AGENT, Role.TESTER])
def test_non_managers_do_not_get_the_view(client, role, awaiting):
    user = f.UserFactory(role=role)
    assert "approval" not in [view.key for view in views_for(user)]
    assert "approval" not in selectors.view_counts(user)
    client.force_login(user)
    assert 'data-view="approval"' not in client.get(COUNTS).content.decode()
    # asked for by name: nothing listed, on the page and through the API
    assert _numbers(client.get(QUEUE, {"view": "approval"})) == set()
    api = client_for(user)
    assert "approval" not in {row["key"] for row in api.get("/api/v1/views/").json()}
    listed = api.get("/api/v1/tickets/", {"view": "approval"})
    assert listed.status_code == 200 and listed.json()["results"] == []


def test_customer_gets_no_view(customer, awaiting):
    api = client_for(customer)
    assert api.get("/api/v1/views/").status_code == 403
    listed = api.get("/api/v1/tickets/", {"view": "approval"})
    # a customer's own ticket list never shows staff views' tickets
    assert listed.status_code == 200 and listed.json()["results"] == []


def test_api_lists_the_view_and_its_tickets_for_a_manager(manager, awaiting):
    api = client_for(manager)
    rows = {row["key"]: row for row in api.get("/api/v1/views/").json()}
    assert rows["approval"]["count"] == 1
    assert rows["approval"]["query"] == "view=approval"
    listed = api.get("/api/v1/tickets/", {"view": "approval"}).json()["results"]
    assert [t["number"] for t in listed] == [awaiting["ticket"].number]


def test_count_is_one_subquery_over_submitted_orders_and_constant(
    client, manager, customer, product, agent, awaiting
):
    client.force_login(manager)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(COUNTS).status_code == 200
        page = CaptureQueriesContext(connection)
        with page:
            assert client.get(QUEUE, {"view": "approval"}).status_code == 200
        return ctx.captured_queries, len(page.captured_queries)

    queries, page_few = load()
    # session, user, saved views, the counts: the new view adds no query
    assert len(queries) <= 4
    counts_sql = queries[-1]["sql"]
    assert "maintenance_workorder" in counts_sql and "'submitted'" in counts_sql
    for i in range(4):
        tickets = [fault_ticket(customer, product, title=f"More {i}.{j}") for j in range(2)]
        order = wo.work_order_draft(
            actor=agent, kind=WorkOrderKind.CORRECTIVE, title=f"More {i}", tickets=tickets
        )
        wo.work_order_submit(order, actor=agent)
    more, page_many = load()
    assert len(more) == len(queries)
    assert page_many == page_few
    assert selectors.view_counts(manager)["approval"] == 9
