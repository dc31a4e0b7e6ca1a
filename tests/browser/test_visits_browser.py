"""An agent requests and schedules an on-site visit from the ticket page, the engineer
records arrival and departure (service hours follow), and the customer confirms the visit
on the portal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from maintenance.choices import VisitStatus, WorkMode
from maintenance.models import OnSiteVisit, TimeEntry
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ticket(org, product, contract, customer):
    return services.ticket_create(
        actor=customer,
        title="Billing server stops every night",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L2",
        description="The service exits at 02:00.",
    )


def test_schedule_and_complete_a_visit(page, browser, live_server, ticket, agent, customer):
    engineer = f.UserFactory(username="zhao", role=Role.ENGINEER, first_name="Zhao")
    login(page, agent.username, f.PASSWORD)
    page.goto(f"{page.base_url}/staff/tickets/{ticket.pk}/")
    panel = page.locator("#visits")
    panel.locator("details.visit-request summary").click()
    form = panel.locator("#visit-request-form")
    form.locator("input[name=address]").fill("Hangzhou, Building 3, Room 301")
    form.locator("input[name=contact_phone]").fill("0571-8888")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    visit = OnSiteVisit.objects.get()
    card = page.locator(f"#visit-{visit.pk}")
    expect(card).to_contain_text("Requested")

    card.locator("details.visit-step", has_text="Schedule the visit").locator("summary").click()
    schedule = card.locator(".visit-schedule-form")
    schedule.locator("select").select_option(str(engineer.pk))
    appointment = timezone.localtime() + dt.timedelta(hours=3)
    schedule.locator("input[type=datetime-local]").fill(appointment.strftime("%Y-%m-%dT%H:%M"))
    schedule.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    card = page.locator(f"#visit-{visit.pk}")
    expect(card).to_contain_text("Scheduled")
    expect(card).to_contain_text("Zhao")

    card.locator("details.visit-step", has_text="Engineer arrived").locator("summary").click()
    card.locator(".visit-arrive-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    card = page.locator(f"#visit-{visit.pk}")
    expect(card).to_contain_text("Engineer on site")
    card.locator("details.visit-step", has_text="Engineer left").locator("summary").click()
    card.locator(".visit-depart-form textarea").fill("Replaced the failing disk.")
    card.locator(".visit-depart-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#visit-{visit.pk}")).to_contain_text("Done")
    entry = TimeEntry.objects.get()
    assert (entry.user, entry.mode, entry.ticket_id) == (engineer, WorkMode.ON_SITE, ticket.pk)

    # the customer confirms the visit on the portal's ticket page
    context = browser.new_context(locale="en-US")
    portal = context.new_page()
    portal.set_default_timeout(15_000)
    portal.base_url = live_server.url  # type: ignore[attr-defined]
    login(portal, customer.username, f.PASSWORD)
    portal.goto(f"{live_server.url}/portal/tickets/{ticket.number}/")
    visits = portal.locator("#visits")
    expect(visits).to_contain_text("Replaced the failing disk.")
    visits.locator(".visit-confirm-form button[name=confirm]").click()
    portal.wait_for_load_state("networkidle")
    expect(portal.locator("#visits")).to_contain_text("Confirmed by the customer")
    context.close()
    assert OnSiteVisit.objects.get().status == VisitStatus.CONFIRMED
