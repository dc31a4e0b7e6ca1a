"""The SLA on the pages: the staff ticket panel, the queue's deadline sort and filters, the
portal's expected times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sla.sweep import sla_sweep
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = pytest.mark.django_db
QUEUE = reverse("staff:queue")


def _ticket(actor, severity="L1", **extra):
    return services.ticket_create(
        actor=actor,
        title=extra.pop("title", "Payments stuck"),
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=extra.pop("organization", None) or f.OrganizationFactory(),
        severity=severity,
        **extra,
    )


def test_staff_ticket_page_shows_both_clocks_with_their_explanation(client, agent):
    ticket = _ticket(agent, "L2")
    client.force_login(agent)
    response = client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk}))
    assert response.status_code == 200
    clocks = {c["kind"]: c for c in response.context["sla_clocks"]}
    assert clocks["resolution"]["target_text"] == "4 h"
    assert clocks["resolution"]["state"] == "running"
    html = response.content.decode()
    assert 'id="sla"' in html and "How this deadline was reached" in html


def test_staff_ticket_page_shows_a_breach(client, agent):
    ticket = _ticket(agent, "L1")
    sla_sweep(now=timezone.now() + dt.timedelta(hours=3))
    client.force_login(agent)
    html = client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk})).content.decode()
    assert 'class="badge sla-state-breached"' in html


def test_queue_sorts_by_deadline_and_filters_breaches_with_constant_queries(client, agent):
    client.force_login(agent)
    late = _ticket(agent, "L2", title="Later one")
    soon = _ticket(agent, "L1", title="Sooner one")
    services.comment_add(late, actor=agent, body="Looking.")  # late: next due is 4 h away

    def numbers(**params):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, params)
        assert response.status_code == 200
        return [t["number"] for t in response.context["tickets"]], len(ctx.captured_queries)

    ordered, queries = numbers(ordering="sla_due_at")
    assert ordered == [soon.number, late.number]
    for _ in range(5):
        _ticket(agent, "L3")
    assert len(numbers(ordering="sla_due_at")[0]) == 7
    assert numbers(ordering="sla_due_at")[1] == queries
    within_3h = numbers(breaching_within="3")[0]  # every unanswered ticket: response in 2 h
    assert soon.number in within_3h and late.number not in within_3h and len(within_3h) == 6
    assert numbers(sla_breached="true")[0] == []
    sla_sweep(now=timezone.now() + dt.timedelta(hours=3))
    breached = numbers(sla_breached="true")[0]  # unanswered for 3 h: the response breached
    assert soon.number in breached and late.number not in breached and len(breached) == 6
    assert numbers(sla_breached="false")[0] == [late.number]


def test_queue_rejects_bad_sla_filters_with_a_message(client, agent):
    client.force_login(agent)
    response = client.get(QUEUE, {"breaching_within": "-5"})
    assert response.status_code in (200, 400)
    assert response.context["filter"].errors  # shown next to the field, nothing listed


def test_portal_shows_the_pause_while_waiting_for_the_customer(client, customer, agent):
    ticket = services.ticket_create(
        actor=customer, title="Export fails", kind=TicketKind.FAULT, channel=Channel.PORTAL
    )
    client.force_login(customer)
    url = reverse("portal:ticket", kwargs={"number": ticket.number})
    html = client.get(url).content.decode()
    assert "service hours left" in html
    services.ticket_transition(
        ticket, actor=agent, to_status=TicketStatus.WAITING_CUSTOMER, comment="Which export?"
    )
    html = client.get(url).content.decode()
    assert "paused while we wait for your reply" in html
