"""Maintenance plans through their services: drafting, sign-off, scheduled inspections
generated from them, inspection results and the corrective order raised from an issue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from maintenance import services as wo
from maintenance.choices import PlanStatus, WorkOrderKind
from maintenance.choices import WorkOrderStatus as S
from maintenance.models import Deputy, InspectionCheck, MaintenancePlan, WorkOrder
from maintenance.services import plans
from maintenance.tasks import inspections_generate_task
from servicedesk.choices import Role
from servicedesk.errors import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from tests import factories as f
from tests.tickets.test_concurrency import _run_in_threads

pytestmark = pytest.mark.django_db

D = dt.date
CHECKLIST = ["Disk space above 20%", "Backups restored on the test host", "Error log reviewed"]


def _item(**overrides):
    item = {
        "title": "Monthly health check",
        "recurrence": "monthly",
        "day": 15,
        "lead_days": 7,
        "checklist": list(CHECKLIST),
    }
    item.update(overrides)
    return item


def _draft(actor, contract, items=None, **overrides):
    fields = {
        "title": "Billing maintenance 2026",
        "starts_on": D(2026, 1, 1),
        "ends_on": D(2026, 12, 31),
        "goals": "No unplanned outage.",
    }
    fields.update(overrides)
    return plans.plan_draft(
        actor=actor, contract=contract, items=[_item()] if items is None else items, **fields
    )


SIGNED_ON = D(2025, 12, 20)


def _signed(plan, manager, on=SIGNED_ON):
    """Submitted and approved; the sign-off moved to ``on`` (generation ignores occurrences
    before the sign-off day, and these tests use fixed dates)."""
    plan = plans.plan_submit(plan, actor=plan.drafted_by)
    plan = plans.plan_approve(plan, actor=manager, comment="Agreed with the customer.")
    signed_at = timezone.make_aware(dt.datetime.combine(on, dt.time(10)))
    MaintenancePlan.objects.filter(pk=plan.pk).update(approved_at=signed_at)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def plan(agent, contract, team, product):
    return _draft(agent, contract, team=team, items=[_item(product=product)])


@pytest.fixture
def inspection(plan, manager):
    _signed(plan, manager)
    assert plans.inspections_generate(today=D(2026, 3, 10)) == 1
    return WorkOrder.objects.get(kind=WorkOrderKind.PREVENTIVE)


# ---------------------------------------------------------------------------- drafting


def test_drafting_a_plan_with_its_inspections(plan, agent, contract, team, product):
    assert plan.status == PlanStatus.DRAFT and plan.drafted_by == agent
    assert plan.contract == contract and plan.team == team and plan.version == 1
    item = plan.items.get()
    assert (item.recurrence, item.day, item.lead_days) == ("monthly", 15, 7)
    assert item.checklist == CHECKLIST and item.product == product
    event = plan.events.get()
    assert (event.kind, event.actor, event.data) == ("drafted", agent, {"items": 1})


def test_customers_get_404_and_other_roles_403(customer, tester, contract, plan):
    with pytest.raises(NotFound):
        _draft(customer, contract)
    with pytest.raises(NotFound):
        plans.plan_submit(plan, actor=customer)
    with pytest.raises(NotAllowed):
        _draft(tester, contract)
    assert MaintenancePlan.objects.count() == 1


def test_a_period_that_ends_before_it_starts_is_a_400(agent, contract):
    with pytest.raises(ValidationFailed) as err:
        _draft(agent, contract, starts_on=D(2026, 6, 1), ends_on=D(2026, 5, 31))
    assert set(err.value.fields) == {"ends_on"}
    assert err.value.status == 400
    assert not MaintenancePlan.objects.exists()


def test_bad_items_are_400_naming_the_item_and_field(agent, contract):
    other_product = f.ProductFactory(code="hr", name="HR")
    items = [
        _item(recurrence="rrule", rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),  # not in 2026
        _item(product=other_product),
        _item(recurrence="weekly", day=9),
        _item(title=" ", lead_days=-1, checklist=["ok", "ok"]),
        _item(recurrence="rrule", rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"),
    ]
    with pytest.raises(ValidationFailed) as err:
        _draft(agent, contract, items=items, title="")
    assert set(err.value.fields) == {
        "title",
        "items.0.rrule",
        "items.1.product",
        "items.2.day",
        "items.3.title",
        "items.3.lead_days",
        "items.3.checklist",
        "items.4.rrule",
    }
    assert "plan period" in err.value.fields["items.0.rrule"][0]
    assert "never occurs" in err.value.fields["items.4.rrule"][0]
    assert err.value.as_dict()["fields"]["items.1.product"]
    assert not MaintenancePlan.objects.exists()


def test_only_the_chosen_kinds_fields_are_kept(agent, contract):
    plan = _draft(
        agent, contract, items=[_item(recurrence="rrule", rrule="FREQ=WEEKLY;BYDAY=TU", day=3)]
    )
    item = plan.items.get()
    assert (item.day, item.month, item.rrule) == (None, None, "FREQ=WEEKLY;BYDAY=TU")
    plan = _draft(agent, contract, items=[_item(recurrence="monthly", rrule="FREQ=DAILY")])
    assert plan.items.get().rrule == ""


def test_updating_a_draft_replaces_items_and_checks_them_against_a_new_period(plan, agent):
    plan = plans.plan_update(
        plan,
        actor=agent,
        changes={"title": " Billing 2026, revised ", "goals": "Fewer faults."},
        items=[_item(title="Quarterly review", recurrence="quarterly", day=1), _item()],
        expected_version=1,
    )
    assert plan.title == "Billing 2026, revised" and plan.version == 2
    assert sorted(plan.items.values_list("title", flat=True)) == [
        "Monthly health check",
        "Quarterly review",
    ]
    event = plan.events.get(kind="updated")
    assert event.data == {"fields": ["title", "goals"], "items": 2}
    # a shorter period in which the quarterly item never falls
    with pytest.raises(ValidationFailed) as err:
        plans.plan_update(
            plan,
            actor=agent,
            changes={"starts_on": D(2026, 2, 1), "ends_on": D(2026, 3, 20)},
        )
    assert set(err.value.fields) == {"items.0.day"}
    with pytest.raises(StaleVersion):
        plans.plan_update(plan, actor=agent, changes={"title": "x"}, expected_version=1)
    with pytest.raises(ValidationFailed) as err:
        plans.plan_update(plan, actor=agent, changes={"status": "approved"})
    assert set(err.value.fields) == {"status"}
    unchanged = plans.plan_update(plan, actor=agent, changes={"title": plan.title})
    assert unchanged.version == 2 and plan.events.filter(kind="updated").count() == 1


def test_only_drafts_are_edited(plan, agent):
    plans.plan_submit(plan, actor=agent)
    with pytest.raises(Conflict) as err:
        plans.plan_update(plan, actor=agent, changes={"title": "Too late"})
    assert err.value.code == "plan_not_draft" and err.value.status == 409


def test_submitting_needs_an_inspection(agent, contract):
    empty = _draft(agent, contract, items=[])
    with pytest.raises(ValidationFailed) as err:
        plans.plan_submit(empty, actor=agent)
    assert "items" in err.value.fields


# ---------------------------------------------------------------------------- sign-off


def test_sign_off_needs_a_manager_who_did_not_draft_it(plan, agent, manager, engineer, contract):
    plan = plans.plan_submit(plan, actor=agent)
    with pytest.raises(NotAllowed):
        plans.plan_approve(plan, actor=engineer)
    own = plans.plan_submit(_draft(manager, contract), actor=manager)
    with pytest.raises(NotAllowed) as err:
        plans.plan_approve(own, actor=manager)
    assert err.value.code == "own_plan"
    plan = plans.plan_approve(plan, actor=manager, comment="OK")
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == manager
    assert plan.approved_for is None and plan.approved_at is not None and plan.version == 3
    event = plan.events.get(kind="approved")
    assert event.actor == manager and event.data == {"comment": "OK", "signed_for": None}


def test_approving_twice_or_a_draft_is_a_409(plan, agent, manager):
    with pytest.raises(InvalidTransition):
        plans.plan_approve(plan, actor=manager)
    submitted = plans.plan_submit(plan, actor=agent)
    plans.plan_approve(submitted, actor=manager)
    with pytest.raises(Conflict):
        plans.plan_approve(submitted, actor=manager)
    with pytest.raises(StaleVersion):
        plans.plan_approve(plan, actor=manager, expected_version=2)
    assert plan.events.filter(kind="approved").count() == 1


def test_rejecting_returns_it_to_draft_with_the_reason(plan, agent, manager):
    plan = plans.plan_submit(plan, actor=agent)
    with pytest.raises(ValidationFailed):
        plans.plan_reject(plan, actor=manager, reason="  ")
    plan = plans.plan_reject(plan, actor=manager, reason="Add the database checks.")
    assert plan.status == PlanStatus.DRAFT and plan.rejection_reason == "Add the database checks."
    assert plan.events.get(kind="rejected").data["reason"] == "Add the database checks."
    plan = plans.plan_update(plan, actor=agent, changes={"goals": "With database checks."})
    plan = plans.plan_submit(plan, actor=agent)
    assert plan.status == PlanStatus.SUBMITTED and plan.rejection_reason == ""


def test_a_deputy_signs_for_the_manager_within_the_dates(plan, agent, manager, engineer):
    today = timezone.localdate()
    deputy = Deputy.objects.create(
        manager=manager,
        deputy=engineer,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    plan = plans.plan_approve(plans.plan_submit(plan, actor=agent), actor=engineer)
    assert plan.approved_by == engineer and plan.approved_for == manager
    assert plan.events.get(kind="approved").data["signed_for"] == manager.username
    Deputy.objects.filter(pk=deputy.pk).update(ends_on=today - dt.timedelta(days=1))
    other = plans.plan_submit(_draft(agent, plan.contract), actor=agent)
    with pytest.raises(NotAllowed):
        plans.plan_approve(other, actor=engineer)


def test_closing_a_signed_plan(plan, agent, manager):
    with pytest.raises(InvalidTransition):
        plans.plan_close(plan, actor=manager)
    plan = _signed(plan, manager)
    with pytest.raises(NotAllowed):
        plans.plan_close(plan, actor=agent)
    plan = plans.plan_close(plan, actor=manager, reason="Contract ended early.")
    assert plan.status == PlanStatus.CLOSED
    assert plan.events.get(kind="closed").data == {"reason": "Contract ended early."}
    assert [e.kind for e in plan.events.all()] == ["drafted", "submitted", "approved", "closed"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_managers_deciding_at_once_give_exactly_one_decision(agent, contract):
    managers = [f.UserFactory(role=Role.MANAGER) for _ in range(4)]
    plan = plans.plan_submit(_draft(agent, contract), actor=agent)
    outcomes: list[str] = []

    def decide(i: int) -> None:
        current = MaintenancePlan.objects.get(pk=plan.pk)
        try:
            if i % 2:
                plans.plan_approve(current, actor=managers[i])
            else:
                plans.plan_reject(current, actor=managers[i], reason="No.")
            outcomes.append("ok")
        except (Conflict, InvalidTransition):
            outcomes.append("409")

    assert _run_in_threads(decide, 4) == []
    assert sorted(outcomes) == ["409", "409", "409", "ok"]
    plan.refresh_from_db()
    assert plan.version == 3
    assert plan.events.filter(kind__in=["approved", "rejected"]).count() == 1


# ---------------------------------------------------------------------------- generation


def test_an_inspection_is_created_lead_days_before_its_date(plan, manager, team, product):
    plan = _signed(plan, manager)
    assert plans.inspections_generate(today=D(2026, 3, 7)) == 0  # 8 days before the 15th
    assert plans.inspections_generate(today=D(2026, 3, 8)) == 1
    order = WorkOrder.objects.get()
    item = plan.items.get()
    assert order.kind == WorkOrderKind.PREVENTIVE and order.status == S.APPROVED
    assert order.plan_item == item and order.occurrence == D(2026, 3, 15)
    assert order.title == "Monthly health check 2026-03-15"
    assert order.team == team and order.product == product and order.checklist == CHECKLIST
    assert order.approved_by == manager and order.approved_at == plan.approved_at
    assert order.number.startswith(f"WO-{timezone.localdate().year}-")
    event = order.events.get()
    assert event.kind == "generated" and event.actor is None
    assert event.data == {"plan": plan.pk, "occurrence": "2026-03-15"}


def test_a_second_run_creates_nothing(plan, manager):
    _signed(plan, manager)
    assert plans.inspections_generate(today=D(2026, 3, 10)) == 1
    assert plans.inspections_generate(today=D(2026, 3, 10)) == 0
    assert plans.inspections_generate(today=D(2026, 3, 12)) == 0
    assert WorkOrder.objects.count() == 1
    assert plans.inspections_generate(today=D(2026, 4, 8)) == 1  # the next month's


def test_a_long_lead_creates_every_occurrence_in_it(agent, contract, manager):
    plan = _draft(agent, contract, items=[_item(recurrence="weekly", day=0, lead_days=21)])
    _signed(plan, manager)
    assert plans.inspections_generate(today=D(2026, 3, 1)) == 3
    assert list(WorkOrder.objects.order_by("occurrence").values_list("occurrence", flat=True)) == [
        D(2026, 3, 2),
        D(2026, 3, 9),
        D(2026, 3, 16),
    ]
    assert plans.inspections_generate(today=D(2026, 3, 2)) == 1  # only March 23 is new


def test_numbers_follow_the_work_order_sequence_without_gaps(plan, agent, manager, contract):
    _signed(plan, manager)
    before = wo.work_order_draft(actor=agent, kind="corrective", title="Before")
    weekly = _draft(agent, contract, items=[_item(recurrence="weekly", day=2, lead_days=13)])
    _signed(weekly, manager)
    assert plans.inspections_generate(today=D(2026, 3, 8)) == 3  # 15th + 11th, 18th
    after = wo.work_order_draft(actor=agent, kind="corrective", title="After")
    numbers = list(WorkOrder.objects.order_by("number").values_list("number", flat=True))
    sequence = [int(n[-6:]) for n in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + 5))
    assert numbers[0] == before.number and numbers[-1] == after.number


def test_plan_period_and_sign_off_day_bound_the_inspections(agent, contract, manager):
    plan = _draft(
        agent,
        contract,
        starts_on=D(2026, 3, 20),
        ends_on=D(2026, 5, 10),
        items=[_item(lead_days=30)],
    )
    _signed(plan, manager, on=D(2026, 3, 1))
    assert plans.inspections_generate(today=D(2026, 3, 1)) == 0  # March 15 precedes the start
    assert plans.inspections_generate(today=D(2026, 4, 1)) == 1  # April 15
    assert plans.inspections_generate(today=D(2026, 5, 1)) == 0  # May 15 is after the end
    # signed late: what fell before the sign-off day is never created
    late = _draft(agent, contract, items=[_item(day=5, lead_days=0)])
    _signed(late, manager, on=D(2026, 6, 6))
    assert plans.inspections_generate(today=D(2026, 6, 6)) == 0
    assert not WorkOrder.objects.filter(plan_item__plan=late).exists()


def test_an_occurrence_missed_while_beat_was_down_is_created_late(agent, contract, manager):
    plan = _draft(agent, contract, items=[_item(lead_days=0)])
    _signed(plan, manager)
    assert plans.inspections_generate(today=D(2026, 3, 17)) == 1  # two days late
    assert WorkOrder.objects.get().occurrence == D(2026, 3, 15)
    later = plans.CATCH_UP_DAYS + 1
    assert plans.inspections_generate(today=D(2026, 4, 15) + dt.timedelta(days=later)) == 0


def test_unsigned_and_closed_plans_give_no_inspections(agent, contract, manager):
    _draft(agent, contract)
    plans.plan_submit(_draft(agent, contract), actor=agent)
    rejected = plans.plan_submit(_draft(agent, contract), actor=agent)
    plans.plan_reject(rejected, actor=manager, reason="No.")
    closed = _signed(_draft(agent, contract), manager)
    plans.plan_close(closed, actor=manager)
    assert plans.inspections_generate(today=D(2026, 3, 10)) == 0
    assert not WorkOrder.objects.exists()


def test_one_order_per_item_and_occurrence_is_a_database_constraint(inspection):
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="WO-1999-000001",
            kind=WorkOrderKind.PREVENTIVE,
            status=S.APPROVED,
            title="Duplicate",
            plan_item=inspection.plan_item,
            occurrence=inspection.occurrence,
        )


def test_an_item_with_a_schedule_written_around_the_services_is_skipped(plan, manager, caplog):
    _signed(plan, manager)
    plan.items.update(recurrence="weekly", day=12)
    assert plans.inspections_generate(today=D(2026, 3, 10)) == 0
    assert "invalid schedule" in caplog.text


def test_the_task_generates_and_beat_runs_it_every_hour(plan, manager):
    _signed(plan, manager)
    today = timezone.localdate()  # the task generates for today: a daily item around it
    MaintenancePlan.objects.filter(pk=plan.pk).update(
        starts_on=today - dt.timedelta(days=40), ends_on=today + dt.timedelta(days=400)
    )
    plan.items.update(recurrence="rrule", rrule="FREQ=DAILY", day=None, lead_days=2)
    # today - CATCH_UP_DAYS .. today + 2
    assert inspections_generate_task.delay().get() == plans.CATCH_UP_DAYS + 3
    assert inspections_generate_task.delay().get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["inspections-generate"]
    assert entry["task"] == "maintenance.tasks.inspections_generate_task"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
def test_concurrent_runs_give_one_order_per_occurrence(agent, contract, manager):
    for day in range(5):
        weekly = _draft(agent, contract, items=[_item(recurrence="weekly", day=day, lead_days=20)])
        _signed(weekly, manager)
    created: list[int] = []

    def run(i: int) -> None:
        created.append(plans.inspections_generate(today=D(2026, 3, 1)))

    assert _run_in_threads(run, 4) == []
    # Monday to Friday from February 26 (catch-up) to March 21: 2 + 3 weeks of 5
    total = WorkOrder.objects.count()
    assert total == 17 and sum(created) == 17 and sorted(created) == [0, 0, 0, 17]
    pairs = set(WorkOrder.objects.values_list("plan_item_id", "occurrence"))
    assert len(pairs) == 17
    sequence = sorted(int(n[-6:]) for n in WorkOrder.objects.values_list("number", flat=True))
    assert sequence == list(range(1, 18))  # the later runs took no numbers


# ---------------------------------------------------------------------------- inspections


def _results(issue_note="Only 8% free on /var."):
    return [
        {"item": CHECKLIST[0], "outcome": "issue", "note": issue_note},
        {"item": CHECKLIST[1], "outcome": "ok"},
        {"item": CHECKLIST[2], "outcome": "ok", "note": "Clean."},
    ]


def test_completing_an_inspection_records_every_checklist_item(inspection, engineer):
    order = plans.inspection_complete(
        inspection,
        actor=engineer,
        results=[*_results(), {"item": "Certificate expiry", "outcome": "ok"}],
        expected_version=inspection.version,
    )
    assert order.status == S.DONE and order.assignee == engineer
    checks = list(order.checks.values_list("item", "outcome", "note"))
    assert checks == [
        (CHECKLIST[0], "issue", "Only 8% free on /var."),
        (CHECKLIST[1], "ok", ""),
        (CHECKLIST[2], "ok", "Clean."),
        ("Certificate expiry", "ok", ""),
    ]
    event = order.events.get(kind="inspected")
    assert event.actor == engineer and event.data == {"ok": 3, "issues": 1}
    with pytest.raises(InvalidTransition):
        plans.inspection_complete(order, actor=engineer, results=_results())


def test_bad_inspection_results_are_400(inspection, engineer):
    with pytest.raises(ValidationFailed) as err:
        plans.inspection_complete(
            inspection,
            actor=engineer,
            results=[
                {"item": CHECKLIST[0], "outcome": "issue"},
                {"item": CHECKLIST[0], "outcome": "ok"},
                {"item": "", "outcome": "maybe"},
            ],
        )
    assert set(err.value.fields) == {
        "results.0.note",
        "results.1.item",
        "results.2.item",
        "results.2.outcome",
        "results",
    }
    assert CHECKLIST[1] in err.value.fields["results"][0]
    assert not InspectionCheck.objects.exists()
    assert WorkOrder.objects.get(pk=inspection.pk).status == S.APPROVED


def test_who_may_complete_and_what(inspection, agent, customer, engineer):
    with pytest.raises(NotFound):
        plans.inspection_complete(inspection, actor=customer, results=_results())
    with pytest.raises(NotAllowed):
        plans.inspection_complete(inspection, actor=agent, results=_results())
    fault = wo.work_order_draft(actor=agent, kind="corrective", title="Not an inspection")
    with pytest.raises(Conflict) as err:
        plans.inspection_complete(fault, actor=engineer, results=[])
    assert err.value.code == "not_an_inspection"
    with pytest.raises(StaleVersion):
        plans.inspection_complete(
            inspection, actor=engineer, results=_results(), expected_version=99
        )


def test_an_issue_found_raises_a_corrective_order_in_one_click(inspection, engineer, agent):
    order = plans.inspection_complete(inspection, actor=engineer, results=_results())
    issue, fine = order.checks.get(outcome="issue"), order.checks.filter(outcome="ok").first()
    raised = plans.inspection_raise_corrective(issue, actor=agent)
    assert raised.kind == WorkOrderKind.CORRECTIVE and raised.status == S.DRAFT
    assert raised.raised_from == order and raised.drafted_by == agent
    assert raised.title == CHECKLIST[0] and raised.product == order.product
    assert order.number in raised.description and "Only 8% free" in raised.description
    issue.refresh_from_db()
    assert issue.raised == raised
    assert list(order.raised.all()) == [raised]
    assert [e.kind for e in raised.events.all()] == ["drafted", "raised_from_inspection"]
    assert order.events.get(kind="corrective_raised").data["work_order"] == raised.number
    with pytest.raises(Conflict) as err:
        plans.inspection_raise_corrective(issue, actor=agent)
    assert err.value.code == "already_raised" and err.value.extra["work_order"] == raised.number
    with pytest.raises(Conflict) as err:
        plans.inspection_raise_corrective(fine, actor=agent)
    assert err.value.code == "no_issue"
    assert WorkOrder.objects.filter(kind=WorkOrderKind.CORRECTIVE).count() == 1


def test_raising_needs_a_drafting_role(inspection, engineer, customer, tester):
    order = plans.inspection_complete(inspection, actor=engineer, results=_results())
    issue = order.checks.get(outcome="issue")
    with pytest.raises(NotFound):
        plans.inspection_raise_corrective(issue, actor=customer)
    with pytest.raises(NotAllowed):
        plans.inspection_raise_corrective(issue, actor=tester)
    raised = plans.inspection_raise_corrective(
        issue, actor=engineer, title="Grow the /var volume", severity="L3"
    )
    assert raised.title == "Grow the /var volume" and raised.severity == "L3"
