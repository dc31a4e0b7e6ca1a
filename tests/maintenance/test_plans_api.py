"""The maintenance-plan API: every endpoint as anonymous, customer, agent, engineer, tester,
manager and deputy; 400 for bad recurrences and periods with nothing written; 409 for a
stale version and a second decision; the inspection endpoints; constant list queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from maintenance.choices import PlanStatus, WorkOrderKind
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import InspectionCheck, MaintenancePlan, PlanEvent, WorkOrder
from maintenance.services import plans
from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for

from .conftest import PLAN_CHECKLIST, plan_of

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/maintenance-plans/"


def _plan_url(plan, tail=""):
    return f"{PLANS}{plan.pk}/{tail}"


def _inspection_url(order, tail=""):
    return f"/api/v1/work-orders/{order.pk}/inspection{tail}"


def _body(contract, **overrides):
    today = timezone.localdate()
    body = {
        "contract": contract.pk,
        "title": "Billing maintenance",
        "starts_on": (today - dt.timedelta(days=5)).isoformat(),
        "ends_on": (today + dt.timedelta(days=360)).isoformat(),
        "goals": "No unplanned outage.",
        "items": [
            {
                "title": "Monthly health check",
                "recurrence": "monthly",
                "day": 15,
                "checklist": PLAN_CHECKLIST,
            }
        ],
    }
    body.update(overrides)
    return body


def _results(order, note="Disk at 91%"):
    return {
        "version": order.version,
        "results": [
            {"item": item, "outcome": "issue" if i == 0 else "ok", "note": note if i == 0 else ""}
            for i, item in enumerate(order.checklist)
        ],
    }


# --------------------------------------------------------------------------- access


def test_anonymous_gets_401_everywhere(api, draft_plan, open_inspection):
    for url in (PLANS, _plan_url(draft_plan), _plan_url(draft_plan, "events/")):
        assert api.get(url).status_code == 401, url
    assert api.get(_inspection_url(open_inspection)).status_code == 401
    for url in (
        PLANS,
        *(_plan_url(draft_plan, s) for s in ("submit", "approve", "reject", "close")),
        _inspection_url(open_inspection),
        _inspection_url(open_inspection, "/raise-corrective"),
    ):
        assert api.post(url, {}, format="json").status_code == 401, url
    assert api.patch(_plan_url(draft_plan), {"title": "x"}, format="json").status_code == 401


def test_customer_gets_404_for_the_collection_and_for_a_plan(
    customer, contract, open_inspection, signed_plan
):
    api = client_for(customer)
    assert api.get(PLANS).status_code == 404
    assert api.post(PLANS, _body(contract), format="json").status_code == 404
    for url in (_plan_url(signed_plan), _plan_url(signed_plan, "events/")):
        assert api.get(url).status_code == 404, url
    assert api.patch(_plan_url(signed_plan), {"title": "x"}, format="json").status_code == 404
    for step in ("submit", "approve", "reject", "close"):
        response = api.post(_plan_url(signed_plan, step), {"reason": "x"}, format="json")
        assert response.status_code == 404, step
    assert api.get(_inspection_url(open_inspection)).status_code == 404
    response = api.post(_inspection_url(open_inspection), _results(open_inspection), format="json")
    assert response.status_code == 404
    response = api.post(
        _inspection_url(open_inspection, "/raise-corrective"), {"check": 1}, format="json"
    )
    assert response.status_code == 404
    assert MaintenancePlan.objects.count() == 1 and not InspectionCheck.objects.exists()
    assert MaintenancePlan.objects.get().status == PlanStatus.APPROVED


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_reads_plans_and_events(role, draft_plan):
    api = client_for(f.UserFactory(role=role))
    rows = api.get(PLANS).json()["results"]
    assert [r["id"] for r in rows] == [draft_plan.pk]
    assert rows[0]["customer"]["name"] == draft_plan.contract.organization.name
    response = api.get(_plan_url(draft_plan))
    assert response.status_code == 200 and response["ETag"] == '"1"'
    item = response.json()["items"][0]
    assert item["schedule"] == "Every month on day 15" and item["checklist"] == PLAN_CHECKLIST
    assert response.json()["allowed"] == ["submitted"]
    events = api.get(_plan_url(draft_plan, "events/")).json()["results"]
    assert [e["kind"] for e in events] == ["drafted"]


def test_unknown_plan_is_404(engineer):
    api = client_for(engineer)
    assert api.get(f"{PLANS}999999/").status_code == 404
    assert api.post(f"{PLANS}999999/submit", {}, format="json").status_code == 404


# --------------------------------------------------------------------------- drafting


def test_an_agent_drafts_a_plan(agent, contract, team, product):
    api = client_for(agent)
    body = _body(contract, team=team.pk)
    body["items"][0]["product"] = product.pk
    response = api.post(PLANS, body, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["team"]["id"], data["drafted_by"]["id"]) == (
        "draft",
        team.pk,
        agent.pk,
    )
    assert data["items"][0]["product"]["id"] == product.pk
    again = api.post(PLANS, body, format="json", HTTP_IDEMPOTENCY_KEY="plan-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert MaintenancePlan.objects.count() == 1


def test_a_tester_may_not_draft(tester, contract):
    response = client_for(tester).post(PLANS, _body(contract), format="json")
    assert response.status_code == 403 and not MaintenancePlan.objects.exists()


def test_a_period_that_ends_before_it_starts_is_400(agent, contract):
    today = timezone.localdate()
    body = _body(contract, ends_on=(today - dt.timedelta(days=30)).isoformat())
    response = client_for(agent).post(PLANS, body, format="json")
    assert response.status_code == 400 and "ends_on" in response.json()["fields"]
    assert not MaintenancePlan.objects.exists() and not PlanEvent.objects.exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"recurrence": "rrule", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"recurrence": "rrule", "rrule": "FREQ=MINUTELY"}, "rrule"),
        ({"recurrence": "yearly", "day": 31, "month": 4}, "day"),
        ({"recurrence": "weekly", "day": 7}, "day"),
    ],
)
def test_a_recurrence_that_never_occurs_is_400_naming_the_item(agent, contract, item, field):
    body = _body(contract)
    body["items"].append({"title": "Broken", **item})
    response = client_for(agent).post(PLANS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [f"items.1.{field}"]
    assert not MaintenancePlan.objects.exists()


def test_patch_changes_a_draft_and_a_stale_version_is_409(agent, draft_plan):
    api = client_for(agent)
    response = api.patch(
        _plan_url(draft_plan), {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    stale = api.patch(_plan_url(draft_plan), {"title": "Lost", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    stale = api.patch(_plan_url(draft_plan), {"goals": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    bad = api.patch(_plan_url(draft_plan), {"goals": "x"}, format="json", HTTP_IF_MATCH="abc")
    assert bad.status_code == 400
    items = [{"title": "Weekly", "recurrence": "weekly", "day": 0, "checklist": ["A"]}]
    response = api.patch(_plan_url(draft_plan), {"items": items, "version": 2}, format="json")
    assert response.status_code == 200
    assert [i["schedule"] for i in response.json()["items"]] == ["Every week on Monday"]
    plan = MaintenancePlan.objects.get()
    assert (plan.title, plan.goals, plan.version) == ("Renamed", "No unplanned outage.", 3)


def test_patch_with_a_bad_period_writes_nothing(agent, draft_plan):
    body = {"ends_on": (draft_plan.starts_on - dt.timedelta(days=1)).isoformat()}
    response = client_for(agent).patch(_plan_url(draft_plan), body, format="json")
    assert response.status_code == 400 and "ends_on" in response.json()["fields"]
    plan = MaintenancePlan.objects.get()
    assert (plan.ends_on, plan.version) == (draft_plan.ends_on, 1)
    assert PlanEvent.objects.count() == 1


# --------------------------------------------------------------------------- sign-off


def test_sign_off_and_a_second_decision_is_409(agent, manager, draft_plan):
    response = client_for(agent).post(
        _plan_url(draft_plan, "submit"), {"version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    own = client_for(agent).post(_plan_url(draft_plan, "approve"), {}, format="json")
    assert own.status_code == 403
    api = client_for(manager)
    response = api.post(
        _plan_url(draft_plan, "approve"), {"version": 2, "comment": "OK"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["approved_by"]["id"] == manager.pk
    again = api.post(_plan_url(draft_plan, "approve"), {"version": 2}, format="json")
    assert again.status_code == 409
    again = api.post(_plan_url(draft_plan, "approve"), {}, format="json")
    assert again.status_code == 409 and again.json()["allowed"] == ["closed"]
    assert PlanEvent.objects.filter(kind="approved").count() == 1


def test_a_deputy_signs_for_the_manager_and_an_engineer_may_not(
    agent, engineer, deputy, manager, draft_plan
):
    plans.plan_submit(draft_plan, actor=agent)
    refused = client_for(engineer).post(_plan_url(draft_plan, "approve"), {}, format="json")
    assert refused.status_code == 403
    response = client_for(deputy).post(_plan_url(draft_plan, "approve"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["approved_for"]["id"] == manager.pk


def test_reject_needs_a_reason_and_close_needs_a_signed_plan(agent, manager, draft_plan):
    plans.plan_submit(draft_plan, actor=agent)
    api = client_for(manager)
    assert api.post(_plan_url(draft_plan, "reject"), {}, format="json").status_code == 400
    response = api.post(_plan_url(draft_plan, "reject"), {"reason": "Add backups"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    response = api.post(_plan_url(draft_plan, "close"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert (
        client_for(agent).post(_plan_url(draft_plan, "close"), {}, format="json").status_code == 403
    )


def test_closing_a_signed_plan(manager, signed_plan):
    response = client_for(manager).post(
        _plan_url(signed_plan, "close"), {"reason": "Contract ended"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"


# --------------------------------------------------------------------------- inspections


def test_an_engineer_records_an_inspection_and_raises_a_corrective_order(engineer, open_inspection):
    api = client_for(engineer)
    data = api.get(_inspection_url(open_inspection)).json()
    assert data["checklist"] == PLAN_CHECKLIST and data["checks"] == []
    response = api.post(_inspection_url(open_inspection), _results(open_inspection), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done" and len(response.json()["checks"]) == 3
    issue = InspectionCheck.objects.get(outcome="issue")
    url = _inspection_url(open_inspection, "/raise-corrective")
    response = api.post(url, {"check": issue.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["raised_from"] == open_inspection.number
    assert response.json()["kind"] == WorkOrderKind.CORRECTIVE
    again = api.post(url, {"check": issue.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_raised"
    ok = InspectionCheck.objects.filter(outcome="ok").first()
    assert api.post(url, {"check": ok.pk}, format="json").json()["code"] == "no_issue"
    assert api.post(url, {"check": 999999}, format="json").status_code == 404


def test_inspection_errors_write_nothing(agent, engineer, open_inspection):
    response = client_for(agent).post(
        _inspection_url(open_inspection), _results(open_inspection), format="json"
    )
    assert response.status_code == 403
    api = client_for(engineer)
    response = api.post(
        _inspection_url(open_inspection), _results(open_inspection, ""), format="json"
    )
    assert response.status_code == 400 and "results.0.note" in response.json()["fields"]
    partial = _results(open_inspection)
    partial["results"].pop()
    response = api.post(_inspection_url(open_inspection), partial, format="json")
    assert response.status_code == 400 and "results" in response.json()["fields"]
    stale = {**_results(open_inspection), "version": open_inspection.version + 1}
    assert api.post(_inspection_url(open_inspection), stale, format="json").status_code == 409
    assert not InspectionCheck.objects.exists()
    assert WorkOrder.objects.get().status == S.APPROVED


def test_a_corrective_order_is_not_an_inspection(engineer, open_inspection):
    api = client_for(engineer)
    api.post(_inspection_url(open_inspection), _results(open_inspection), format="json")
    issue = InspectionCheck.objects.get(outcome="issue")
    api.post(
        _inspection_url(open_inspection, "/raise-corrective"), {"check": issue.pk}, format="json"
    )
    corrective = WorkOrder.objects.get(kind=WorkOrderKind.CORRECTIVE)
    response = api.post(_inspection_url(corrective), {"results": []}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_an_inspection"


# --------------------------------------------------------------------------- the list


def test_list_filters_are_allow_listed(engineer, agent, contract, team):
    other = f.ContractFactory()
    mine = plan_of(agent, contract, team=team)
    plans.plan_submit(plan_of(agent, other, title="Other"), actor=agent)
    api = client_for(engineer)

    def ids(query):
        return [r["id"] for r in api.get(f"{PLANS}?{query}").json()["results"]]

    assert ids(f"team={team.pk}") == [mine.pk] and ids(f"contract={contract.pk}") == [mine.pk]
    assert len(ids("status=submitted")) == 1 and len(ids("drafted_by=1")) == 2
    assert api.get(f"{PLANS}?status=nonsense").status_code == 400


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_costs_the_same_queries_for_3_and_30_plans(
    count, engineer, agent, contract, django_assert_max_num_queries
):
    for i in range(count):
        plan_of(agent, contract, title=f"Plan {i}", team=f.TeamFactory())
    api = client_for(engineer)
    with django_assert_max_num_queries(8):
        response = api.get(PLANS)
    assert len(response.json()["results"]) == count
