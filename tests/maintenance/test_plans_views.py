"""The maintenance-plan pages and the inspection form: access per role (anonymous, customer,
agent, engineer, tester, manager, deputy), drafting with inspections, errors shown at their
fields with nothing written, sign-off, closing, inspection results and the corrective order
raised from an issue, and a list page whose query count does not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maintenance.choices import PlanStatus, WorkOrderKind
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import InspectionCheck, MaintenancePlan, PlanEvent, WorkOrder
from maintenance.services import inspections, plans
from servicedesk.choices import Role
from tests import factories as f

from .conftest import PLAN_CHECKLIST, plan_item, plan_of

pytestmark = pytest.mark.django_db

LIST = reverse("maintenance:plans")
NEW = reverse("maintenance:plan-new")
INBOX = reverse("maintenance:approvals")
STEPS = ("edit", "submit", "approve", "reject", "close")


def _url(plan, step=""):
    name = f"maintenance:plan-{step}" if step else "maintenance:plan"
    return reverse(name, kwargs={"pk": plan.pk})


def _inspection_url(order):
    return reverse("maintenance:inspection-complete", kwargs={"pk": order.pk})


def _raise_url(check):
    return reverse("maintenance:inspection-raise", kwargs={"pk": check.pk})


def _login(client, user):
    client.force_login(user)
    return client


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def _form_data(contract, *, items=None, **overrides):
    today = timezone.localdate()
    data = {
        "contract": contract.number,
        "title": "Billing maintenance",
        "starts_on": (today - dt.timedelta(days=5)).isoformat(),
        "ends_on": (today + dt.timedelta(days=360)).isoformat(),
        "goals": "No unplanned outage.",
        "team": "",
    }
    data.update(overrides)
    items = items if items is not None else [_item_data()]
    data.update(
        {
            "items-TOTAL_FORMS": str(len(items)),
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "50",
        }
    )
    for i, item in enumerate(items):
        data.update({f"items-{i}-{name}": value for name, value in item.items()})
    return data


def _item_data(**overrides):
    item = {
        "title": "Monthly health check",
        "product": "",
        "recurrence": "monthly",
        "day": "15",
        "month": "",
        "rrule": "",
        "lead_days": "7",
        "checklist": "\n".join(PLAN_CHECKLIST),
    }
    item.update(overrides)
    return item


def _results(order, issue_note="Disk at 91%"):
    data = {"version": order.version}
    for i, _item in enumerate(order.checklist):
        data[f"outcome_{i}"] = "issue" if i == 0 else "ok"
        data[f"note_{i}"] = issue_note if i == 0 else ""
    return data


# --------------------------------------------------------------------------- access


def test_anonymous_is_sent_to_login_everywhere(client, open_inspection, signed_plan):
    check_url = reverse("maintenance:inspection-raise", kwargs={"pk": 1})
    for url in (LIST, NEW, _url(signed_plan), _url(signed_plan, "edit")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    posts = [*(_url(signed_plan, s) for s in STEPS), _inspection_url(open_inspection), check_url]
    for url in [NEW, *posts]:
        response = client.post(url, {"version": 1, "reason": "x"})
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert MaintenancePlan.objects.get().status == PlanStatus.APPROVED


def test_customer_gets_404_for_the_list_and_for_plans(
    client, customer, open_inspection, signed_plan, contract
):
    _login(client, customer)
    response = client.get(LIST)
    assert response.status_code == 404 and signed_plan.title not in response.content.decode()
    for url in (NEW, _url(signed_plan), _url(signed_plan, "edit")):
        assert client.get(url).status_code == 404, url
    assert client.post(NEW, _form_data(contract)).status_code == 404
    for step in STEPS:
        data = {"version": signed_plan.version, "reason": "x"}
        assert client.post(_url(signed_plan, step), data).status_code == 404, step
    assert (
        client.post(_inspection_url(open_inspection), _results(open_inspection)).status_code == 404
    )
    assert MaintenancePlan.objects.count() == 1
    assert WorkOrder.objects.get().status == S.APPROVED
    assert not InspectionCheck.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_sees_the_list_and_the_plan(client, role, draft_plan):
    _login(client, f.UserFactory(role=role))
    body = client.get(LIST).content.decode()
    assert draft_plan.title in body and 'id="nav-plans"' in body
    body = client.get(_url(draft_plan)).content.decode()
    assert "Every month on day 15" in body and PLAN_CHECKLIST[0] in body
    assert "1 inspection" in body and "1 inspections" not in body  # the audit trail, singular
    assert ('id="new-plan"' in client.get(LIST).content.decode()) is (role != Role.TESTER)


def test_a_tester_may_not_draft_or_submit(client, tester, contract, draft_plan):
    _login(client, tester)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _form_data(contract)).status_code == 403
    response = client.post(_url(draft_plan, "submit"), {"version": draft_plan.version})
    assert response.status_code == 403
    assert MaintenancePlan.objects.get().status == PlanStatus.DRAFT


def test_unknown_plan_and_other_methods(client, engineer, draft_plan):
    _login(client, engineer)
    assert client.get(reverse("maintenance:plan", kwargs={"pk": 999999})).status_code == 404
    missing = reverse("maintenance:plan-submit", kwargs={"pk": 999999})
    assert client.post(missing, {"version": 1}).status_code == 404
    assert client.post(LIST).status_code == 405
    assert client.post(_url(draft_plan)).status_code == 405
    assert client.get(_url(draft_plan, "submit")).status_code == 405


# --------------------------------------------------------------------------- drafting


def test_an_agent_drafts_a_plan_with_a_monthly_inspection(client, agent, contract, team, product):
    _login(client, agent)
    assert client.get(NEW).status_code == 200
    data = _form_data(contract, team=str(team.pk), items=[_item_data(product=str(product.pk))])
    response = client.post(NEW, data)
    plan = MaintenancePlan.objects.get()
    assert response.status_code == 302 and response.url == _url(plan)
    assert (plan.status, plan.drafted_by, plan.team, plan.contract) == (
        "draft",
        agent,
        team,
        contract,
    )
    item = plan.items.get()
    assert (item.recurrence, item.day, item.product, item.checklist) == (
        "monthly",
        15,
        product,
        PLAN_CHECKLIST,
    )
    body = client.get(_url(plan)).content.decode()
    assert "Every month on day 15" in body and 'class="next-dates"' in body
    assert body.count("<time datetime=") >= 3  # three next dates and the audit line


def test_a_period_that_ends_before_it_starts_is_a_form_error(client, agent, contract):
    _login(client, agent)
    today = timezone.localdate()
    data = _form_data(contract, ends_on=(today - dt.timedelta(days=30)).isoformat())
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"]
    assert not MaintenancePlan.objects.exists() and not PlanEvent.objects.exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"recurrence": "rrule", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
        ({"recurrence": "rrule", "rrule": "FREQ=HOURLY"}, "rrule"),
        ({"recurrence": "yearly", "day": "30", "month": "2"}, "day"),
        ({"recurrence": "weekly", "day": "9"}, "day"),
    ],
)
def test_a_recurrence_that_never_occurs_is_an_error_at_its_field(
    client, agent, contract, item, field
):
    _login(client, agent)
    items = [_item_data(title="Fine one"), _item_data(**item)]
    response = client.post(NEW, _form_data(contract, items=items))
    assert response.status_code == 400
    formset = response.context["formset"]
    assert formset.forms[1].errors[field] and not formset.forms[0].errors
    assert not MaintenancePlan.objects.exists()


def test_editing_a_draft_replaces_its_items_and_a_stale_page_is_409(client, agent, draft_plan):
    _login(client, agent)
    page = client.get(_url(draft_plan, "edit"))
    assert page.status_code == 200 and page.context["formset"].initial_form_count() == 1
    data = _form_data(draft_plan.contract, title="Renamed", items=[_item_data(day="20")])
    del data["contract"]
    data.update({"version": draft_plan.version, "items-INITIAL_FORMS": "1"})
    response = client.post(_url(draft_plan, "edit"), data)
    assert response.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.title, plan.version, plan.items.get().day) == ("Renamed", 2, 20)
    stale = {**data, "title": "Lost update"}
    response = client.post(_url(draft_plan, "edit"), stale)
    assert response.status_code == 409
    assert "changed by someone else" in " ".join(_messages(response))
    assert MaintenancePlan.objects.get().title == "Renamed"


def test_ticking_remove_drops_an_item_and_a_signed_plan_cannot_be_edited(
    client, agent, manager, draft_plan
):
    _login(client, agent)
    data = _form_data(draft_plan.contract, items=[_item_data(), _item_data(title="Extra")])
    del data["contract"]
    data.update({"version": 1, "items-INITIAL_FORMS": "1", "items-1-DELETE": "on"})
    assert client.post(_url(draft_plan, "edit"), data).status_code == 302
    assert list(draft_plan.items.values_list("title", flat=True)) == ["Monthly health check"]
    plans.plan_approve(plans.plan_submit(draft_plan, actor=agent), actor=manager)
    assert client.get(_url(draft_plan, "edit")).status_code == 409


# --------------------------------------------------------------------------- sign-off


def test_submit_then_a_manager_signs_and_a_second_decision_is_409(
    client, agent, manager, draft_plan
):
    _login(client, agent)
    response = client.post(_url(draft_plan, "submit"), {"version": 1})
    assert response.status_code == 302
    assert 'id="plan-approve-form"' not in client.get(_url(draft_plan)).content.decode()
    response = client.post(_url(draft_plan, "approve"), {"version": 2})
    assert response.status_code == 403  # the drafter never signs their own plan
    _login(client, manager)
    assert 'id="plan-approve-form"' in client.get(_url(draft_plan)).content.decode()
    response = client.post(_url(draft_plan, "approve"), {"version": 2, "comment": "Agreed"})
    assert response.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.status, plan.approved_by) == ("approved", manager)
    again = client.post(_url(draft_plan, "approve"), {"version": 2})
    assert again.status_code == 409
    reject = client.post(_url(draft_plan, "reject"), {"version": 3, "reason": "Too late"})
    assert reject.status_code == 409 and "Allowed" in " ".join(_messages(reject))
    assert MaintenancePlan.objects.get().version == 3
    assert PlanEvent.objects.filter(kind="approved").count() == 1


def test_a_deputy_signs_for_the_manager(client, agent, deputy, manager, draft_plan):
    plans.plan_submit(draft_plan, actor=agent)
    _login(client, deputy)
    assert client.post(_url(draft_plan, "approve"), {"version": 2}).status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.approved_by, plan.approved_for) == (deputy, manager)
    assert "for manager" in client.get(_url(plan)).content.decode()


def test_an_engineer_may_not_sign(client, agent, engineer, draft_plan):
    plans.plan_submit(draft_plan, actor=agent)
    _login(client, engineer)
    assert client.post(_url(draft_plan, "approve"), {"version": 2}).status_code == 403
    assert MaintenancePlan.objects.get().status == PlanStatus.SUBMITTED


def test_rejection_needs_a_reason_and_returns_the_plan_to_draft(client, agent, manager, draft_plan):
    plans.plan_submit(draft_plan, actor=agent)
    _login(client, manager)
    response = client.post(_url(draft_plan, "reject"), {"version": 2, "reason": ""})
    assert response.status_code == 400 and response.context["reject_form"].errors["reason"]
    assert MaintenancePlan.objects.get().status == PlanStatus.SUBMITTED
    response = client.post(_url(draft_plan, "reject"), {"version": 2, "reason": "Add backups"})
    assert response.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert (plan.status, plan.rejection_reason) == ("draft", "Add backups")
    _login(client, agent)
    assert "Add backups" in client.get(_url(plan)).content.decode()


def test_the_approvals_page_lists_plans_and_signs_them_there(client, agent, manager, draft_plan):
    plans.plan_submit(draft_plan, actor=agent)
    _login(client, manager)
    body = client.get(INBOX).content.decode()
    assert f'id="plan-approval-{draft_plan.pk}"' in body
    response = client.post(_url(draft_plan, "approve"), {"version": 2, "from": "inbox"})
    assert response.status_code == 302 and response.url == INBOX
    assert "No plan awaits your signature" in client.get(INBOX).content.decode()


def test_closing_a_signed_plan_and_a_draft_cannot_be_closed(client, agent, manager, signed_plan):
    _login(client, agent)
    response = client.post(_url(signed_plan, "close"), {"version": signed_plan.version})
    assert response.status_code == 403
    _login(client, manager)
    response = client.post(_url(signed_plan, "close"), {"version": signed_plan.version})
    assert response.status_code == 302
    assert MaintenancePlan.objects.get().status == PlanStatus.CLOSED
    draft = plan_of(agent, signed_plan.contract, items=[plan_item()])
    response = client.post(_url(draft, "close"), {"version": 1})
    assert response.status_code == 409 and "submitted" in " ".join(_messages(response))


# --------------------------------------------------------------------------- inspections


def test_an_engineer_records_an_inspection_and_raises_a_corrective_order(
    client, engineer, open_inspection
):
    _login(client, engineer)
    page = client.get(reverse("maintenance:work-order", kwargs={"pk": open_inspection.pk}))
    body = page.content.decode()
    assert 'id="inspection-form"' in body and PLAN_CHECKLIST[1] in body
    response = client.post(_inspection_url(open_inspection), _results(open_inspection))
    assert response.status_code == 302
    order = WorkOrder.objects.get(pk=open_inspection.pk)
    assert (order.status, order.assignee) == (S.DONE, engineer)
    issue = InspectionCheck.objects.get(outcome="issue")
    body = client.get(response.url).content.decode()
    assert _raise_url(issue) in body and 'id="inspection-form"' not in body
    response = client.post(_raise_url(issue))
    corrective = WorkOrder.objects.get(kind=WorkOrderKind.CORRECTIVE)
    assert response.status_code == 302 and str(corrective.pk) in response.url
    assert corrective.raised_from == order and corrective.status == S.DRAFT
    again = client.post(_raise_url(issue))
    assert again.status_code == 409 and corrective.number in " ".join(_messages(again))
    ok = InspectionCheck.objects.filter(outcome="ok").first()
    assert client.post(_raise_url(ok)).status_code == 409
    assert WorkOrder.objects.filter(kind=WorkOrderKind.CORRECTIVE).count() == 1


def test_an_issue_without_a_note_is_a_form_error_and_nothing_is_recorded(
    client, engineer, open_inspection
):
    _login(client, engineer)
    response = client.post(_inspection_url(open_inspection), _results(open_inspection, ""))
    assert response.status_code == 400
    assert 'id="inspection-form"' in response.content.decode()
    assert "Describe the issue found." in response.content.decode()
    missing = _results(open_inspection)
    del missing["outcome_1"]
    assert client.post(_inspection_url(open_inspection), missing).status_code == 400
    assert WorkOrder.objects.get().status == S.APPROVED and not InspectionCheck.objects.exists()


def test_stale_inspection_and_roles_that_may_not_record(client, agent, engineer, open_inspection):
    _login(client, agent)
    assert (
        client.post(_inspection_url(open_inspection), _results(open_inspection)).status_code == 403
    )
    _login(client, engineer)
    stale = {**_results(open_inspection), "version": open_inspection.version + 5}
    assert client.post(_inspection_url(open_inspection), stale).status_code == 409
    assert (
        client.post(_inspection_url(open_inspection), _results(open_inspection)).status_code == 302
    )
    again = client.post(_inspection_url(open_inspection), _results(open_inspection))
    assert again.status_code == 409
    assert InspectionCheck.objects.count() == len(PLAN_CHECKLIST)


def test_a_customer_cannot_raise_a_corrective_order(client, customer, engineer, open_inspection):
    inspections.inspection_complete(
        open_inspection,
        actor=engineer,
        results=[
            {"item": item, "outcome": "issue", "note": "bad"} for item in open_inspection.checklist
        ],
    )
    check = InspectionCheck.objects.first()
    _login(client, customer)
    assert client.post(_raise_url(check)).status_code == 404
    assert not WorkOrder.objects.filter(kind=WorkOrderKind.CORRECTIVE).exists()


# --------------------------------------------------------------------------- the list


def test_list_filters_by_status_customer_and_team(client, engineer, agent, contract, team, org):
    other = f.ContractFactory(organization=f.OrganizationFactory(code="west"))
    mine = plan_of(agent, contract, title="East plan", team=team)
    plans.plan_submit(plan_of(agent, other, title="West plan"), actor=agent)
    _login(client, engineer)

    def titles(**params):
        return [p.title for p in client.get(LIST, params).context["plans"]]

    assert set(titles()) == {"East plan", "West plan"}
    assert titles(status="submitted") == ["West plan"]
    assert titles(customer=org.code) == [mine.title]
    assert titles(team=team.pk) == [mine.title]
    response = client.get(LIST, {"customer": "nobody"})
    assert response.status_code == 200 and response.context["form"].errors["customer"]


def _plans(actor, contract, count):
    for i in range(count):
        plan_of(actor, contract, title=f"Plan {i}", team=f.TeamFactory())


def test_the_list_page_costs_the_same_queries_for_3_and_30_plans(client, engineer, agent, contract):
    _login(client, engineer)
    _plans(agent, contract, 3)
    client.get(LIST)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    _plans(agent, contract, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["plans"]) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 14
