"""The SLA in a real browser: the queue sorted by deadline, a breached ticket's SLA panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from servicedesk.choices import Role
from sla.sweep import sla_sweep
from tests import factories as f
from tests.browser.conftest import login, screenshot
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_engineer_finds_the_breached_ticket_and_reads_why(page, agent, org, manager):
    engineer = f.UserFactory(username="wang", role=Role.ENGINEER, password="pw-wang-123")
    urgent = services.ticket_create(
        actor=agent,
        title="Core banking down",
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=org,
        severity="L1",
    )
    relaxed = services.ticket_create(
        actor=agent,
        title="Report colours",
        kind=TicketKind.SUGGESTION,
        channel=Channel.HOTLINE,
        organization=org,
        severity="L4",
    )
    services.comment_add(relaxed, actor=agent, body="Noted, we will look at it.")
    services.ticket_transition(
        relaxed, actor=agent, to_status=TicketStatus.WAITING_CUSTOMER, comment="Which report?"
    )
    sla_sweep(now=timezone.now() + dt.timedelta(hours=3))  # the L1 ticket is now breached

    login(page, "wang", "pw-wang-123")
    page.goto(f"{page.base_url}/staff/?ordering=sla_due_at")
    rows = page.locator("table.queue tbody tr")
    expect(rows.first).to_contain_text(urgent.number)
    page.select_option("select[name=sla_breached]", "true")
    page.click("#queue-filters button[type=submit]")
    expect(rows).to_have_count(1)
    screenshot(page, "staff-queue-sla")

    page.click(f"text={urgent.number}")
    panel = page.locator("#sla")
    expect(panel.locator(".sla-clock[data-kind=resolution] .badge")).to_contain_text("Breached")
    panel.locator(".sla-clock[data-kind=resolution] summary").click()
    expect(panel.locator(".sla-clock[data-kind=resolution] .sla-explanation")).to_contain_text(
        "Started"
    )
    screenshot(page, "staff-ticket-sla")
    assert engineer.pk
