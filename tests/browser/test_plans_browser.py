"""A maintenance plan from drafting to a corrective order, in real headless Chromium: an agent
drafts a plan with one monthly inspection and submits it, a manager signs it off on the
approvals page, the inspections are generated, an engineer records the inspection with one
issue found and raises a corrective order from it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from maintenance.choices import PlanStatus, WorkOrderKind
from maintenance.models import MaintenancePlan, WorkOrder
from maintenance.services import inspections
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    billing = f.ProductFactory(name="Billing", code="billing")
    contract = f.ContractFactory(organization=org, products=[billing], number="C-ACME-2026")
    f.TeamFactory(name="Remote support")
    return {
        "contract": contract,
        "agent": f.UserFactory(username="zhou.agent", role=Role.AGENT),
        "manager": f.UserFactory(username="chen.manager", role=Role.MANAGER),
        "engineer": f.UserFactory(username="wang.engineer", role=Role.ENGINEER),
    }


def _switch(page, username):
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def test_plan_to_inspection_to_corrective_order(page, people):
    today = timezone.localdate()
    base = f"{page.base_url}/maintenance"

    # An agent drafts the plan with one monthly inspection (on today's day of the month).
    login(page, "zhou.agent", PASSWORD)
    page.goto(f"{base}/plans/")
    page.click("#new-plan")
    page.fill("input[name=contract]", "C-ACME-2026")
    page.fill("input[name=title]", "Billing maintenance 2026")
    page.fill("input[name=starts_on]", (today - dt.timedelta(days=1)).isoformat())
    page.fill("input[name=ends_on]", (today + dt.timedelta(days=364)).isoformat())
    page.fill("textarea[name=goals]", "No unplanned outage; backups verified monthly.")
    page.select_option("select[name=team]", label="Remote support")
    page.fill("input[name=items-0-title]", "Monthly health check")
    page.select_option("select[name=items-0-product]", label="Billing")
    page.select_option("select[name=items-0-recurrence]", "monthly")
    page.fill("input[name=items-0-day]", str(today.day))
    page.fill("input[name=items-0-lead_days]", "3")
    page.fill("textarea[name=items-0-checklist]", "Disk space above 20%\nBackups restored")
    page.click("#plan-save")
    page.wait_for_selector("#plan-submit-form")
    assert page.inner_text(".recurrence-words") == f"Every month on day {today.day}"
    assert today.isoformat() in page.inner_text(".next-dates")
    page.click("#plan-submit-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    plan = MaintenancePlan.objects.get()
    assert plan.status == PlanStatus.SUBMITTED

    # The manager signs it off on the approvals page.
    _switch(page, "chen.manager")
    page.goto(f"{base}/approvals/")
    card = page.locator(f"#plan-approval-{plan.pk}")
    card.locator("textarea[name=comment]").fill("Agreed with the customer.")
    card.locator("form.approve button[type=submit]").click()
    page.wait_for_selector("text=No plan awaits your signature.")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.APPROVED, people["manager"])

    # The hourly beat task creates the inspection.
    assert inspections.inspections_generate(today=today) == 1
    order = WorkOrder.objects.get(kind=WorkOrderKind.PREVENTIVE)

    # An engineer records it: one issue found, then raises a corrective order from it.
    _switch(page, "wang.engineer")
    page.goto(f"{base}/plans/{plan.pk}/")
    page.click(f"#inspections a:text('{order.number}')")
    page.wait_for_selector("#inspection-form")
    page.check("#check-row-0 input[value=issue]")
    page.fill("#check-row-0 input[name=note_0]", "Disk at 91% on the database host.")
    page.check("#check-row-1 input[value=ok]")
    page.click("#inspection-form button[type=submit]")
    page.wait_for_selector(".inspection-results")
    assert "Done" in page.inner_text("#work-order-status")
    page.click(".raise-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    corrective = WorkOrder.objects.get(kind=WorkOrderKind.CORRECTIVE)
    assert corrective.raised_from == order and corrective.title == "Disk space above 20%"
    assert corrective.number in page.inner_text("h1")

    page.goto(f"{base}/plans/{plan.pk}/")
    assert order.number in page.inner_text("#inspections")
    screenshot(page, "maintenance-plan")
