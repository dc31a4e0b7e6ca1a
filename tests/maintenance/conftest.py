"""Fixtures shared by the maintenance tests: a customer's fault ticket and the corrective
work order drafted (and submitted) from it; a drafted plan with one monthly inspection, a
deputy of the manager, and an open inspection generated from a signed plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from maintenance import services as wo
from maintenance.choices import WorkOrderKind
from maintenance.models import Deputy, MaintenancePlan, WorkOrder
from maintenance.services import inspections, plans
from servicedesk.choices import Role
from tests import factories as f
from tickets import services as ticket_services
from tickets.choices import Channel, TicketKind


def fault_ticket(actor, product, title="Invoices print blank", **kw):
    """A fault reported through the portal (L2 proposed), as the work-order tests use it."""
    data = {
        "actor": actor,
        "title": title,
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "product": product,
        "description": "Since the update, page 2 is blank.",
        "proposed_severity": "L2",
    }
    data.update(kw)
    return ticket_services.ticket_create(**data)


@pytest.fixture
def fault(customer, product):
    return fault_ticket(customer, product)


@pytest.fixture
def drafted(agent, fault):
    return wo.work_order_draft(
        actor=agent, kind=WorkOrderKind.CORRECTIVE, title="Blank second page", tickets=[fault]
    )


@pytest.fixture
def submitted(drafted, agent):
    return wo.work_order_submit(drafted, actor=agent)


PLAN_CHECKLIST = ["Disk space above 20%", "Backups restored", "Error log reviewed"]


def plan_item(**overrides):
    item = {
        "title": "Monthly health check",
        "recurrence": "monthly",
        "day": 15,
        "lead_days": 7,
        "checklist": list(PLAN_CHECKLIST),
    }
    item.update(overrides)
    return item


def plan_of(actor, contract, **overrides):
    today = timezone.localdate()
    fields = {
        "title": "Billing maintenance",
        "starts_on": today - dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=355),
        "goals": "No unplanned outage.",
        "items": [plan_item()],
    }
    fields.update(overrides)
    return plans.plan_draft(actor=actor, contract=contract, **fields)


@pytest.fixture
def draft_plan(agent, contract, team, product):
    return plan_of(agent, contract, team=team, items=[plan_item(product=product)])


@pytest.fixture
def deputy(manager):
    user = f.UserFactory(username="deputy", role=Role.ENGINEER)
    today = timezone.localdate()
    Deputy.objects.create(
        manager=manager,
        deputy=user,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    return user


@pytest.fixture
def signed_plan(draft_plan, agent, manager):
    plan = plans.plan_submit(draft_plan, actor=agent)
    return plans.plan_approve(plan, actor=manager, comment="Agreed.")


@pytest.fixture
def open_inspection(signed_plan):
    """The signed plan's inspection of today (its item moved to today's weekday)."""
    today = timezone.localdate()
    signed_plan.items.update(recurrence="weekly", day=today.weekday(), lead_days=0)
    assert inspections.inspections_generate(today=today) == 1
    return WorkOrder.objects.get(kind=WorkOrderKind.PREVENTIVE)


def plans_count() -> int:
    return MaintenancePlan.objects.count()
