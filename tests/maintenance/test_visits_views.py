"""The visit and follow-up pages: the panel on the staff ticket page (constant queries), the
steps posted from it, "my follow-ups due", the printable report, the customer's
confirmation on the portal ticket page; customers and other organizations get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from maintenance.choices import FollowUpOutcome, VisitStatus
from maintenance.models import FollowUp, OnSiteVisit, TimeEntry
from maintenance.services import visits as services
from tests import factories as f
from tests.maintenance.conftest import fault_ticket
from tickets import services as ticket_services
from tickets.choices import TicketStatus

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _page(ticket):
    return reverse("staff:ticket", kwargs={"pk": ticket.pk})


def _portal(ticket):
    return reverse("portal:ticket", kwargs={"number": ticket.number})


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _resolve(ticket, actor):
    return ticket_services.ticket_transition(
        ticket, actor=actor, to_status=TicketStatus.RESOLVED, comment="Fixed."
    )


def _panel(ticket):
    """The visits panel, loaded by htmx after the ticket page (tickets.panels)."""
    return reverse("staff:ticket-panel", kwargs={"pk": ticket.pk, "key": "visits"})


def test_the_ticket_page_loads_the_panel_after_it(client, agent, customer, other_customer):
    ticket = fault_ticket(customer, None)
    client.force_login(agent)
    html = client.get(_page(ticket)).content.decode()
    assert f'hx-get="{_panel(ticket)}"' in html and 'id="visit-request-form"' not in html
    assert 'id="visit-request-form"' in client.get(_panel(ticket)).content.decode()
    missing = reverse("staff:ticket-panel", kwargs={"pk": ticket.pk, "key": "nothing"})
    assert client.get(missing).status_code == 404
    client.force_login(other_customer)  # customers: 404 for the ticket, 403 for the console
    assert client.get(_panel(ticket)).status_code in (403, 404)


def test_the_panel_queries_do_not_grow_with_visits(client, agent, engineer, customer, product):
    ticket = fault_ticket(customer, product)
    client.force_login(agent)
    services.visit_request(ticket, actor=agent, address="Room 0")
    few, html = _count(client, _panel(ticket))
    assert html.count('class="visit visit-') == 1 and 'id="visit-request-form"' in html
    for n in range(4):
        services.visit_request(
            ticket,
            actor=agent,
            address=f"Room {n + 1}",
            engineer=engineer,
            appointment_at=timezone.now() + dt.timedelta(hours=n + 1),
        )
    many, html = _count(client, _panel(ticket))
    assert html.count('class="visit visit-') == 5
    assert html.count("visit-schedule-form") == 5
    assert many == few


def test_request_schedule_arrive_depart_from_the_ticket_page(
    client, agent, engineer, customer, product
):
    ticket = fault_ticket(customer, product)
    client.force_login(agent)
    url = reverse("maintenance:visit-request", kwargs={"ticket_pk": ticket.pk})
    bad = client.post(url, {"address": ""})
    assert bad.status_code == 400 and not OnSiteVisit.objects.exists()
    response = client.post(url, {"address": "Building 3", "contact_phone": "0571-1234"})
    assert response.status_code == 302 and response.url.endswith("#visits")
    visit = OnSiteVisit.objects.get()
    step = lambda name: reverse("maintenance:visit-step", kwargs={"pk": visit.pk, "step": name})  # noqa: E731
    appointment = timezone.localtime() + dt.timedelta(hours=2)
    data = {
        f"v{visit.pk}-version": 1,
        f"v{visit.pk}-engineer": engineer.pk,
        f"v{visit.pk}-appointment_at": appointment.strftime(LOCAL),
    }
    assert client.post(step("schedule"), data).status_code == 302
    stale = client.post(step("arrive"), {f"v{visit.pk}-version": 1})
    assert stale.status_code == 409
    assert client.post(step("arrive"), {f"v{visit.pk}-version": 2}).status_code == 302
    assert client.post(step("nonsense"), {}).status_code == 404
    done = client.post(step("depart"), {f"v{visit.pk}-version": 3, f"v{visit.pk}-report": "OK"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.time_entry is not None
    assert TimeEntry.objects.count() == 1
    report = client.get(reverse("maintenance:visit-report", kwargs={"pk": visit.pk}))
    assert report.status_code == 200 and "Building 3" in report.content.decode()


def test_customers_get_404_from_the_staff_pages(client, customer, other_customer, agent, product):
    ticket = fault_ticket(customer, product)
    visit = services.visit_request(ticket, actor=agent, address="Room 1")
    client.force_login(customer)
    assert client.get(reverse("maintenance:follow-ups")).status_code == 404
    url = reverse("maintenance:visit-request", kwargs={"ticket_pk": ticket.pk})
    assert client.post(url, {"address": "x"}).status_code == 404
    step = reverse("maintenance:visit-step", kwargs={"pk": visit.pk, "step": "cancel"})
    assert (
        client.post(step, {f"v{visit.pk}-version": 1, f"v{visit.pk}-reason": "x"}).status_code
        == 404
    )
    # their own report is readable, another organization's is not
    report = reverse("maintenance:visit-report", kwargs={"pk": visit.pk})
    assert client.get(report).status_code == 200
    client.force_login(other_customer)
    assert client.get(report).status_code == 404
    confirm = reverse("maintenance:visit-confirm", kwargs={"pk": visit.pk})
    assert client.post(confirm, {"version": 1}).status_code == 404
    assert OnSiteVisit.objects.get().status == VisitStatus.REQUESTED


def test_the_customer_confirms_on_the_portal_ticket_page(
    client, customer, agent, engineer, product
):
    ticket = fault_ticket(customer, product)
    visit = services.visit_request(
        ticket,
        actor=agent,
        address="Room 1",
        engineer=engineer,
        appointment_at=timezone.now() + dt.timedelta(minutes=1),
    )
    visit = services.visit_arrive(visit, actor=engineer)
    visit = services.visit_depart(visit, actor=engineer, report="Replaced the disk.")
    client.force_login(customer)
    html = client.get(_portal(ticket)).content.decode()
    assert "Replaced the disk." in html and "visit-confirm-form" in html
    confirm = reverse("maintenance:visit-confirm", kwargs={"pk": visit.pk})
    refused = client.post(confirm, {"version": visit.version, "refuse": "1"})
    assert refused.status_code == 400  # a refusal needs a reason
    response = client.post(confirm, {"version": visit.version, "confirm": "1"})
    assert response.status_code == 302 and response.url == _portal(ticket) + "#visits"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CONFIRMED and visit.confirmed_by == customer
    # staff cannot post the customer's confirmation
    client.force_login(agent)
    assert client.post(confirm, {"version": visit.version}).status_code == 404


def test_my_follow_ups_due_and_recording_from_the_list(
    client, agent, engineer, customer, product, monkeypatch
):
    mine = _resolve(fault_ticket(customer, product, title="Mine"), agent)
    _resolve(fault_ticket(customer, product, title="Theirs"), engineer)
    page = reverse("maintenance:follow-ups")
    client.force_login(agent)
    html = client.get(page).content.decode()
    assert "Mine" not in html  # due in two working days, not yet
    later = timezone.now() + dt.timedelta(days=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    html = client.get(page).content.decode()
    assert "Mine" in html and "Theirs" not in html
    html = client.get(page, {"all": "1"}).content.decode()
    assert "Mine" in html and "Theirs" in html
    follow_up = FollowUp.objects.get(ticket=mine)
    record = reverse("maintenance:follow-up-record", kwargs={"pk": follow_up.pk})
    bad = client.post(record, {"outcome": FollowUpOutcome.RECURRED, "note": "", "next": "list"})
    assert bad.status_code == 400
    ok = client.post(record, {"outcome": FollowUpOutcome.NOT_RECURRED, "next": "list"})
    assert ok.status_code == 302 and ok.url == page
    assert FollowUp.objects.get(pk=follow_up.pk).done_by == agent


def test_follow_ups_page_queries_do_not_grow(client, agent, customer, product, monkeypatch):
    client.force_login(agent)
    _resolve(fault_ticket(customer, product, title="F0"), agent)
    later = timezone.now() + dt.timedelta(days=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    few, _ = _count(client, reverse("maintenance:follow-ups"))
    for _ in range(5):
        ticket = f.TicketFactory(organization=customer.organization, kind="complaint")
        FollowUp.objects.create(ticket=ticket, due_at=later, assignee=agent)
    many, html = _count(client, reverse("maintenance:follow-ups"))
    assert html.count('class="follow-up-row"') == 6
    assert many == few
