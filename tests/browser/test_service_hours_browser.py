"""An engineer logs 服务机时 (service hours) on a ticket and reads the totals report."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from maintenance.choices import WorkMode
from maintenance.models import TimeEntry
from maintenance.services.time_entries import time_entry_add
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(org, product, contract, customer, agent):
    engineer = f.UserFactory(
        username="zhao", role=Role.ENGINEER, first_name="Zhao", last_name="Min"
    )
    ticket = services.ticket_create(
        actor=customer,
        title="Month-end invoices do not print",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L3",
        description="Printing stops with error E42 since this morning.",
    )
    time_entry_add(
        actor=agent,
        worked_on=timezone.localdate(),  # the report opens on this month
        minutes=20,
        mode=WorkMode.REMOTE,
        note="Hotline: collected the printer logs",
        ticket=ticket,
    )
    return {"engineer": engineer, "ticket": ticket}


def test_engineer_logs_time_and_opens_the_report(page, desk, org):
    ticket = desk["ticket"]
    login(page, desk["engineer"].username, f.PASSWORD)
    page.goto(f"{page.base_url}/staff/tickets/{ticket.pk}/")

    card = page.locator("#service-hours")
    expect(card.locator("#service-hours-total")).to_have_text("0:20")
    form = card.locator("#service-hours-form")
    assert form.locator("input[name=worked_on]").input_value() == timezone.localdate().isoformat()
    form.locator("input[name=minutes]").fill("1:30")
    form.locator("select[name=mode]").select_option("on_site")
    form.locator("input[name=note]").fill("Replaced the print spooler on site")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    expect(page.locator(".messages")).to_contain_text(
        f"1:30 of service hours recorded for {ticket.number}."
    )
    expect(card.locator("#service-hours-total")).to_have_text("1:50")
    expect(card).to_contain_text("Replaced the print spooler on site")
    expect(card).to_contain_text("On-site")
    entry = TimeEntry.objects.get(user=desk["engineer"])
    assert (entry.minutes, entry.mode, entry.ticket_id) == (90, "on_site", ticket.pk)

    # A bad time is refused on the page, nothing stored.
    form.locator("input[name=minutes]").fill("1h30")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#service-hours-form")).to_contain_text("hours and minutes (1:30)")
    assert TimeEntry.objects.count() == 2

    page.click("nav.mainnav >> text=Service hours")
    page.wait_for_url("**/maintenance/service-hours/")
    totals = page.locator("#service-hours-totals")
    expect(totals.locator("tbody tr")).to_have_count(1)
    expect(totals.locator("tbody tr").first).to_contain_text(org.name)
    expect(totals.locator("#report-total")).to_have_text("1:50")

    page.select_option("select[name=group_by]", "engineer")
    page.click("#service-hours-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(totals.locator("tbody tr")).to_have_count(2)
    expect(totals.locator("tbody tr").first).to_contain_text("zhao")
    expect(totals.locator("tbody tr").first).to_contain_text("1:30")
    screenshot(page, "service-hours")
