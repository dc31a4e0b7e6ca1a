"""The work-order, fault-log and service-hours API: access per role, the whole lifecycle,
bad input (4xx with a code, nothing written), concurrency on sign-off and query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from maintenance import services as wo
from maintenance.choices import RootCause, WorkMode, WorkOrderKind
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import (
    Deputy,
    FaultLogEntry,
    TimeEntry,
    WorkOrder,
    WorkOrderEvent,
)
from maintenance.services.time_entries import time_entry_add
from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for
from tests.maintenance.conftest import fault_ticket as _ticket
from tickets.choices import TicketStatus
from tickets.models import Comment, Ticket

pytestmark = pytest.mark.django_db

BASE = "/api/v1/work-orders/"
FAULT_LOG = "/api/v1/fault-log/"
HOURS = "/api/v1/time-entries/"
STEPS = ("submit", "approve", "reject", "start-analysis", "analysis", "fix", "test")
STEPS += ("deliver", "close", "cancel", "tickets")


def _url(order, step: str = "") -> str:
    return f"{BASE}{order.pk}/{step}"


def _reload(order) -> WorkOrder:
    return WorkOrder.objects.get(pk=order.pk)


@pytest.fixture
def approved(submitted, manager):
    return wo.work_order_approve(submitted, actor=manager)


# --------------------------------------------------------------------------- access


def _all_urls(order):
    return [BASE, _url(order), _url(order, "events/"), FAULT_LOG, f"{FAULT_LOG}export", HOURS]


def test_anonymous_gets_401_everywhere(api, drafted):
    for url in [*_all_urls(drafted), f"{HOURS}totals?group_by=engineer"]:
        response = api.get(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated", url
    for step in STEPS:
        assert api.post(_url(drafted, step), {}, format="json").status_code == 401, step
    assert api.patch(_url(drafted), {"title": "x"}, format="json").status_code == 401
    assert api.post(BASE, {"kind": "corrective", "title": "x"}, format="json").status_code == 401
    assert _reload(drafted).version == drafted.version


def test_customer_gets_404_for_any_order_and_for_the_staff_lists(customer, drafted, fault):
    api = client_for(customer)
    for url in (_url(drafted), _url(drafted, "events/")):
        response = api.get(url)
        assert response.status_code == 404, url
        assert drafted.number not in response.content.decode()
    for step in STEPS:
        body = {"version": drafted.version, "reason": "x", "ticket": fault.pk}
        assert api.post(_url(drafted, step), body, format="json").status_code == 404, step
    assert api.patch(_url(drafted), {"title": "Mine"}, format="json").status_code == 404
    for url in (BASE, FAULT_LOG, f"{FAULT_LOG}export", HOURS, f"{HOURS}totals?group_by=customer"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert drafted.number not in response.content.decode()
    body = {"kind": "corrective", "title": "x", "tickets": [fault.pk]}
    assert api.post(BASE, body, format="json").status_code == 404
    hours = {"ticket": fault.pk, "worked_on": "2026-01-05", "minutes": 30, "mode": "remote"}
    assert api.post(HOURS, hours, format="json").status_code == 404
    assert WorkOrder.objects.count() == 1 and TimeEntry.objects.count() == 0
    assert _reload(drafted).title == "Blank second page"


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_reads_orders_log_and_hours(role, drafted):
    api = client_for(f.UserFactory(role=role))
    for url in _all_urls(drafted):
        assert api.get(url).status_code == 200, url
    assert api.get(BASE).json()["results"][0]["number"] == drafted.number


def test_unknown_order_is_404_by_id_and_by_number(engineer, drafted):
    api = client_for(engineer)
    assert api.get(f"{BASE}999999/").status_code == 404
    assert api.get(f"{BASE}WO-1999-000001/").status_code == 404
    assert api.get(f"{BASE}{drafted.number}/").json()["id"] == drafted.pk
    assert api.post(f"{BASE}999999/submit", {}, format="json").status_code == 404


def test_a_read_token_cannot_write(drafted, agent):
    from servicedesk.services import api_token_create

    _, secret = api_token_create(
        name="read only", user=agent, scope="read", created_by=f.UserFactory(role=Role.ADMIN)
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.get(BASE).status_code == 200
    response = api.post(_url(drafted, "submit"), {}, format="json")
    assert response.status_code == 403
    assert _reload(drafted).status == S.DRAFT


# --------------------------------------------------------------------------- the lifecycle


def test_the_whole_corrective_lifecycle_through_the_api(
    agent, engineer, tester, manager, fault, version
):
    drafter, signer = client_for(agent), client_for(manager)
    response = drafter.post(
        BASE,
        {"kind": "corrective", "title": "Blank second page", "tickets": [fault.pk]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="draft-1",
    )
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "draft" and order["number"].startswith("WO-")
    assert order["tickets"][0]["number"] == fault.number
    assert order["product"]["id"] == fault.product_id and order["severity"] == "L2"
    assert "submitted" in order["allowed_transitions"]
    assert response["ETag"] == f'"{order["version"]}"'
    url = f"{BASE}{order['id']}/"

    order = drafter.post(f"{url}submit", {"version": order["version"]}, format="json").json()
    assert order["status"] == "submitted" and order["submitted_at"]
    response = signer.post(f"{url}approve", {"comment": "Go ahead"}, format="json")
    assert response.status_code == 200, response.json()
    order = response.json()
    assert order["status"] == "approved" and order["approved_by"]["id"] == manager.pk

    eng = client_for(engineer)
    order = eng.post(f"{url}start-analysis", {}, format="json").json()
    assert order["status"] == "analysis"
    analysis = {
        "root_cause": RootCause.CODE_DEFECT,
        "cause": "Page break computed from the wrong template.",
        "confirmed_severity": "L2",
        "software_change": True,
        "affected_versions": [version.pk],
        "report": "<p>Seen in <strong>print.py</strong></p><script>alert(1)</script>",
        "version": order["version"],
    }
    response = eng.post(f"{url}analysis", analysis, format="json")
    assert response.status_code == 200, response.json()
    order = response.json()
    assert order["status"] == "fixing" and order["root_cause"] == RootCause.CODE_DEFECT
    assert (
        "<script>" not in order["analysis_report"]
        and "<strong>print.py</strong>" in order["analysis_report"]
    )
    assert [v["id"] for v in order["affected_versions"]] == [version.pk]
    assert FaultLogEntry.objects.filter(work_order_id=order["id"]).count() == 1

    order = eng.post(f"{url}fix", {"change": "Fixed the template."}, format="json").json()
    assert order["status"] == "testing" and order["fixed_by"]["id"] == engineer.pk
    response = client_for(tester).post(
        f"{url}test", {"passed": True, "notes": "Printed 10 invoices"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "testing" and response.json()["test_result"] == "passed"
    assert response.json()["tested_by"]["id"] == tester.pk

    fixed = f.ProductVersionFactory(product=fault.product, version="3.2.1")
    response = eng.post(
        f"{url}deliver",
        {"note": "Fixed in 3.2.1; please update.", "version": fixed.pk},
        format="json",
        HTTP_IF_MATCH=f'"{response.json()["version"]}"',
    )
    assert response.status_code == 200, response.json()
    order = response.json()
    assert order["status"] == "delivered" and order["delivered_version"]["id"] == fixed.pk
    fault.refresh_from_db()
    assert fault.status == TicketStatus.RESOLVED
    reply = Comment.objects.filter(ticket=fault, is_internal=False).latest("id")
    assert "3.2.1" in reply.body

    order = eng.post(f"{url}close", {}, format="json").json()
    assert order["status"] == "done"
    events = eng.get(f"{url}events/").json()["results"]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "drafted" and "approved" in kinds and kinds[-1] in ("closed", "done")
    assert all(e["actor"] for e in events)


def test_no_software_change_goes_straight_to_delivery(approved, engineer):
    api = client_for(engineer)
    api.post(_url(approved, "start-analysis"), {}, format="json")
    body = {
        "root_cause": RootCause.CONFIGURATION,
        "cause": "Printer margin setting.",
        "confirmed_severity": "L3",
        "software_change": False,
    }
    order = api.post(_url(approved, "analysis"), body, format="json").json()
    assert order["status"] == "analysis" and "delivered" in order["allowed_transitions"]
    response = api.post(_url(approved, "deliver"), {"note": "Set margin to 10 mm."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "delivered"


def test_reject_sends_it_back_to_draft_with_the_reason(submitted, manager, agent):
    response = client_for(manager).post(
        _url(submitted, "reject"), {"reason": "Which customers?"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["rejection_reason"] == "Which customers?"
    event = WorkOrderEvent.objects.filter(work_order=submitted).latest("id")
    assert event.actor == manager and event.kind == "rejected"


def test_a_deputy_signs_for_the_manager(submitted, manager, engineer):
    today = timezone.localdate()
    Deputy.objects.create(manager=manager, deputy=engineer, starts_on=today, ends_on=today)
    inbox = client_for(engineer).get(f"{BASE}?awaiting_my_approval=true").json()["results"]
    assert [row["id"] for row in inbox] == [submitted.pk]
    order = client_for(engineer).post(_url(submitted, "approve"), {}, format="json").json()
    assert order["approved_by"]["id"] == engineer.pk
    assert order["approved_for"]["id"] == manager.pk


def test_link_another_ticket_and_filter_by_it(drafted, fault, agent, other_customer, product):
    second = _ticket(other_customer, product, title="Blank page too")
    api = client_for(agent)
    response = api.post(_url(drafted, "tickets"), {"ticket": second.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert {t["id"] for t in response.json()["tickets"]} == {fault.pk, second.pk}
    rows = api.get(f"{BASE}?ticket={second.pk}").json()["results"]
    assert [r["id"] for r in rows] == [drafted.pk]


def test_patch_edits_facts_and_is_audited(drafted, agent, engineer, team):
    api = client_for(agent)
    body = {"title": "Page 2 blank", "team": team.pk, "assignee": engineer.pk}
    response = api.patch(_url(drafted), body, format="json", HTTP_IF_MATCH=f'"{drafted.version}"')
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["title"] == "Page 2 blank" and data["assignee"]["id"] == engineer.pk
    assert data["version"] == drafted.version + 1
    event = WorkOrderEvent.objects.filter(work_order=drafted).latest("id")
    assert event.kind == "edited" and event.actor == agent
    assert set(event.data["fields"]) == {"title", "team", "assignee"}


# --------------------------------------------------------------------------- bad input


def test_sign_off_rules(submitted, agent, engineer, manager):
    response = client_for(engineer).post(_url(submitted, "approve"), {}, format="json")
    assert response.status_code == 403
    agent.role = Role.MANAGER  # the drafter, now a manager, may still not sign their own
    agent.save()
    response = client_for(agent).post(_url(submitted, "approve"), {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "own_work_order"
    assert _reload(submitted).status == S.SUBMITTED
    client_for(manager).post(_url(submitted, "approve"), {}, format="json")
    again = client_for(f.UserFactory(role=Role.MANAGER)).post(
        _url(submitted, "approve"), {}, format="json"
    )
    assert again.status_code == 409
    assert WorkOrderEvent.objects.filter(work_order=submitted, kind="approved").count() == 1


def test_an_illegal_step_is_409_naming_the_allowed_ones(drafted, engineer):
    response = client_for(engineer).post(_url(drafted, "fix"), {"change": "x"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert "submitted" in body["allowed"]
    assert _reload(drafted).status == S.DRAFT


def test_a_stale_version_is_409_by_body_and_by_if_match(drafted, agent):
    api = client_for(agent)
    api.patch(_url(drafted), {"title": "First edit"}, format="json")
    stale = drafted.version
    response = api.post(_url(drafted, "submit"), {"version": stale}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    response = api.patch(
        _url(drafted), {"title": "Second"}, format="json", HTTP_IF_MATCH=f'"{stale}"'
    )
    assert response.status_code == 409
    response = api.post(_url(drafted, "submit"), {}, format="json", HTTP_IF_MATCH="three")
    assert response.status_code == 400
    order = _reload(drafted)
    assert order.title == "First edit" and order.status == S.DRAFT


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": "x"}, "kind"),
        ({"kind": "preventive", "title": "x"}, "kind"),
        ({"kind": "corrective"}, "title"),
        ({"kind": "corrective", "title": "x", "tickets": [999999]}, "tickets"),
        ({"kind": "corrective", "title": "x", "status": "approved"}, "status"),
        ({"kind": "corrective", "title": "x", "severity": "L9"}, "severity"),
        ({"kind": "corrective", "title": "x", "tickets": "1,2"}, "tickets"),
    ],
)
def test_bad_drafts_are_400_naming_the_field(agent, body, field):
    response = client_for(agent).post(BASE, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert response.json()["detail"]
    assert WorkOrder.objects.count() == 0


def test_a_foreign_ticket_cannot_be_linked_by_a_customer_scoped_id(drafted, agent):
    response = client_for(agent).post(_url(drafted, "tickets"), {"ticket": 10**12}, format="json")
    assert response.status_code == 400 and "ticket" in response.json()["fields"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "done"}, "status"),
        ({"kind": "perfective"}, "kind"),
        ({"title": ""}, "title"),
        ({"assignee": 999999}, "assignee"),
    ],
)
def test_bad_patches_are_400_and_change_nothing(drafted, agent, body, field):
    response = client_for(agent).patch(_url(drafted), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert _reload(drafted).version == drafted.version


def test_analysis_needs_a_known_cause_and_keeps_nothing_on_error(approved, engineer):
    api = client_for(engineer)
    api.post(_url(approved, "start-analysis"), {}, format="json")
    body = {
        "root_cause": "gremlins",
        "cause": "",
        "confirmed_severity": "L2",
        "software_change": True,
    }
    response = api.post(_url(approved, "analysis"), body, format="json")
    assert response.status_code == 400 and "root_cause" in response.json()["fields"]
    assert _reload(approved).status == S.ANALYSIS
    assert FaultLogEntry.objects.count() == 0


def test_the_fixer_cannot_test_their_own_fix(approved, engineer):
    api = client_for(engineer)
    api.post(_url(approved, "start-analysis"), {}, format="json")
    analysis = {
        "root_cause": RootCause.CODE_DEFECT,
        "cause": "x",
        "confirmed_severity": "L2",
        "software_change": True,
    }
    api.post(_url(approved, "analysis"), analysis, format="json")
    api.post(_url(approved, "fix"), {"change": "done"}, format="json")
    engineer.role = Role.TESTER
    engineer.save()
    response = client_for(engineer).post(_url(approved, "test"), {"passed": True}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "own_fix"


def test_cancel_needs_a_reason(drafted, agent):
    response = client_for(agent).post(_url(drafted, "cancel"), {"reason": " "}, format="json")
    assert response.status_code == 400
    assert _reload(drafted).status == S.DRAFT
    response = client_for(agent).post(
        _url(drafted, "cancel"), {"reason": "Duplicate"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_idempotent_draft_replays_and_rejects_another_body(agent, fault):
    api = client_for(agent)
    body = {"kind": "corrective", "title": "Once", "tickets": [fault.pk]}
    first = api.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    other = api.post(BASE, {**body, "title": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    assert WorkOrder.objects.count() == 1


# --------------------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_two_managers_approving_at_once_give_one_approval_and_one_409(agent, customer, product):
    order = wo.work_order_submit(
        wo.work_order_draft(
            actor=agent,
            kind=WorkOrderKind.CORRECTIVE,
            title="Race",
            tickets=[_ticket(customer, product)],
        ),
        actor=agent,
    )
    managers = [f.UserFactory(role=Role.MANAGER) for _ in range(4)]
    codes: list[int] = []
    barrier = threading.Barrier(len(managers))

    def approve(manager) -> None:
        try:
            api = client_for(manager)
            barrier.wait(timeout=10)
            codes.append(api.post(_url(order, "approve"), {}, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [200, 409, 409, 409]
    assert WorkOrderEvent.objects.filter(work_order=order, kind="approved").count() == 1
    assert _reload(order).status == S.APPROVED


# --------------------------------------------------------------------------- lists


def _orders(agent, customer, product, count: int) -> list[WorkOrder]:
    orders = []
    for i in range(count):
        ticket = _ticket(customer, product, title=f"Fault {i}")
        order = wo.work_order_draft(
            actor=agent, kind=WorkOrderKind.CORRECTIVE, title=f"Order {i}", tickets=[ticket]
        )
        orders.append(wo.work_order_submit(order, actor=agent))
    return orders


def test_the_approval_inbox_is_oldest_first_with_sla_time_left(agent, manager, customer, product):
    orders = _orders(agent, customer, product, 3)
    mine = wo.work_order_draft(actor=manager, kind=WorkOrderKind.PERFECTIVE, title="Own")
    wo.work_order_submit(mine, actor=manager)
    rows = client_for(manager).get(f"{BASE}?awaiting_my_approval=true&ordering=-number").json()
    ids = [row["id"] for row in rows["results"]]
    assert ids == [o.pk for o in orders]  # oldest submission first, not the drafter's own
    ticket = rows["results"][0]["tickets"][0]
    assert ticket["deadline"] and ticket["overdue"] is False
    assert rows["results"][0]["deadline"] == min(
        t["deadline"] for t in rows["results"][0]["tickets"]
    )
    engineer_rows = client_for(f.UserFactory(role=Role.ENGINEER)).get(
        f"{BASE}?awaiting_my_approval=true"
    )
    assert engineer_rows.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("kind=x", "kind"),
        ("product=999999", "product"),
        ("assignee=abc", "assignee"),
        ("ticket=-1", "ticket"),
        ("page_size=0", "page_size"),
        ("cursor=bogus", "cursor"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(engineer, drafted, query, field):
    response = client_for(engineer).get(f"{BASE}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]


def test_an_ordering_not_allowed_is_ignored_not_applied(engineer, agent, drafted):
    newer = wo.work_order_draft(actor=agent, kind=WorkOrderKind.PERFECTIVE, title="Zebra export")
    by_title = client_for(engineer).get(f"{BASE}?ordering=title")
    default = client_for(engineer).get(BASE)
    assert by_title.status_code == 200
    titles = [row["title"] for row in by_title.json()["results"]]
    assert titles == [row["title"] for row in default.json()["results"]]
    assert titles == [newer.title, drafted.title]  # newest first, not alphabetical


def test_filters_narrow_the_list(agent, engineer, customer, product, drafted):
    orders = _orders(agent, customer, product, 2)
    api = client_for(engineer)
    submitted = api.get(f"{BASE}?status=submitted").json()["results"]
    assert {r["id"] for r in submitted} == {o.pk for o in orders}
    assert [r["id"] for r in api.get(f"{BASE}?q={drafted.number}").json()["results"]] == [
        drafted.pk
    ]
    assert api.get(f"{BASE}?kind=perfective").json()["results"] == []


def test_list_and_inbox_query_counts_do_not_grow_with_rows(
    agent, manager, customer, product, django_assert_num_queries
):
    def count(url: str) -> int:
        from django.test.utils import CaptureQueriesContext

        api = client_for(manager)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url).status_code == 200
        return len(ctx.captured_queries)

    _orders(agent, customer, product, 2)
    few = (count(BASE), count(f"{BASE}?awaiting_my_approval=true"))
    _orders(agent, customer, product, 12)
    many = (count(BASE), count(f"{BASE}?awaiting_my_approval=true"))
    assert few == many
    assert max(many) <= 8


# --------------------------------------------------------------------------- fault log


@pytest.fixture
def logged(approved, engineer, version):
    order = wo.work_order_start_analysis(approved, actor=engineer)
    return wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause=RootCause.CODE_DEFECT,
        cause="Page break computed from the wrong template.",
        confirmed_severity="L2",
        software_change=True,
        affected_versions=[version],
    )


def test_fault_log_lists_filters_and_exports(logged, engineer, product, version):
    FaultLogEntry.objects.update(summary='=HYPERLINK("http://example.com")')
    api = client_for(engineer)
    rows = api.get(FAULT_LOG).json()["results"]
    assert len(rows) == 1 and rows[0]["work_order"]["number"] == logged.number
    assert rows[0]["affected_versions"][0]["id"] == version.pk
    assert rows[0]["tickets"] == [logged.tickets.first().number]
    assert api.get(f"{FAULT_LOG}?severity=L1").json()["results"] == []
    assert (
        len(api.get(f"{FAULT_LOG}?product={product.pk}&version={version.pk}").json()["results"])
        == 1
    )
    assert api.get(f"{FAULT_LOG}?cause=gremlins").status_code == 400
    response = api.get(f"{FAULT_LOG}export?format=csv&severity=L2")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 2 and lines[1][-1] == logged.number
    assert lines[1][4].startswith("'=")  # a formula is never run by a spreadsheet
    response = api.get(f"{FAULT_LOG}export?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2
    assert api.get(f"{FAULT_LOG}export?format=pdf").status_code == 400


def test_fault_log_query_count_is_constant(logged, engineer, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client_for(engineer).get(FAULT_LOG).status_code == 200


# --------------------------------------------------------------------------- service hours


def test_staff_record_their_own_time_and_see_totals(drafted, fault, engineer, agent):
    api = client_for(engineer)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    body = {"ticket": fault.pk, "worked_on": yesterday, "minutes": 90, "mode": WorkMode.ON_SITE}
    response = api.post(HOURS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["id"] == engineer.pk
    assert response.json()["ticket"]["number"] == fault.number
    body = {"work_order": drafted.pk, "worked_on": yesterday, "minutes": 30, "mode": "remote"}
    assert api.post(HOURS, body, format="json").status_code == 201
    client_for(agent).post(HOURS, {**body, "minutes": 15, "note": "hotline"}, format="json")
    totals = api.get(f"{HOURS}totals?group_by=engineer").json()
    assert totals["minutes"] == 135
    assert {r["key"]: r["minutes"] for r in totals["results"]} == {engineer.pk: 120, agent.pk: 15}
    by_customer = api.get(f"{HOURS}totals?group_by=customer").json()["results"]
    assert by_customer[0]["key"] == fault.organization_id and by_customer[0]["minutes"] == 135
    mine = api.get(f"{HOURS}?user={engineer.pk}").json()["results"]
    assert len(mine) == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 1441}, "minutes"),
        ({"mode": "telepathy"}, "mode"),
        ({"worked_on": "2999-01-01"}, "worked_on"),
        ({"ticket": None}, "ticket"),
        ({"user": 1}, "user"),
    ],
)
def test_bad_time_entries_are_400_and_nothing_is_stored(fault, engineer, change, field):
    body = {"ticket": fault.pk, "worked_on": "2026-01-05", "minutes": 30, "mode": "remote"}
    response = client_for(engineer).post(HOURS, {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert TimeEntry.objects.count() == 0


def test_totals_need_a_known_grouping_and_an_ordered_range(engineer):
    api = client_for(engineer)
    assert api.get(f"{HOURS}totals").status_code == 400
    assert api.get(f"{HOURS}totals?group_by=planet").status_code == 400
    response = api.get(f"{HOURS}totals?group_by=engineer&from=2026-02-01&to=2026-01-01")
    assert response.status_code == 400 and "to" in response.json()["fields"]


def test_time_entry_list_query_count_is_constant(fault, engineer, django_assert_max_num_queries):
    for i in range(6):
        time_entry_add(
            actor=engineer,
            worked_on=dt.date(2026, 1, 5),
            minutes=10 + i,
            mode="remote",
            ticket=fault,
        )
    with django_assert_max_num_queries(6):
        assert len(client_for(engineer).get(HOURS).json()["results"]) == 6


def test_ticket_objects_are_untouched_by_reads(drafted, engineer):
    before = Ticket.objects.values_list("version", flat=True).first()
    client_for(engineer).get(BASE)
    assert Ticket.objects.values_list("version", flat=True).first() == before
