"""A resolve sends one mail per person: the resolution notice carries the confirm-and-rate
link (no separate survey invitation), once per (resolve, recipient), readable in both
languages, and the link never reaches a webhook payload."""

from __future__ import annotations

import pytest

from servicedesk import webhooks
from servicedesk.models import OutboxMessage, WebhookEndpoint
from servicedesk.outbox import build_email, render_payload
from surveys import services
from tests import factories as f
from tickets import services as ticket_services
from tickets.choices import TicketStatus
from tickets.models import Ticket

from .conftest import LINK, create_ticket, last_token, resolve

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "ticket": "SD-2026-000123",
    "ticket_id": 123,
    "title": "Login fails after upgrade",
    "time_zone": "Asia/Shanghai",
    "audience": "customer",
    "path": "/portal/tickets/SD-2026-000123/",
    "old": "in_progress",
    "new": "resolved",
    "body": "The session timeout was fixed in patch 5.4.2.",
    "created_at": "2026-12-03T06:05:00+00:00",  # 14:05 in Asia/Shanghai
    "survey_path": "/s/" + "a" * 64 + "/",
    "survey_expires_at": "2027-01-02T06:05:00+00:00",
}
NEEDED = {
    "en": ["Resolved, please confirm and rate", "patch 5.4.2", "works once, without signing in",
           "Confirm and rate", "Reopen the ticket", "Link valid until", "2:05 p.m."],
    "zh-hans": ["已解决，请确认并评价", "patch 5.4.2", "无需登录", "确认并评价", "重新打开",
                "链接有效期至", "14:05"],
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_resolution_notice_reads_well_in_both_languages(language, settings):
    settings.SITE_URL = "https://desk.example.com"
    mail = render_payload("ticket.resolved", {**PAYLOAD, "language": language})
    for part in (mail.text, mail.html):
        for needed in NEEDED[language]:
            assert needed in part or needed in mail.subject, (language, needed)
        assert "https://desk.example.com/s/" + "a" * 64 + "/" in part  # confirm and rate
        assert "https://desk.example.com/portal/tickets/SD-2026-000123/" in part  # reopen
    # the survey link is the action, before the ticket page
    assert mail.text.index("/s/") < mail.text.index("/portal/tickets/")
    assert "<script" not in mail.html and "+00:00" not in mail.text
    if language == "zh-hans":
        assert "Confirm and rate" not in mail.text


def test_one_mail_per_person_with_a_working_link(customer, product, engineer):
    ticket = resolve(create_ticket(customer, product), engineer)
    rows = OutboxMessage.objects.filter(recipient=customer.email).exclude(
        topic__in=["ticket.created", "ticket.status_changed"]
    )
    assert [r.topic for r in rows] == ["ticket.resolved"]
    assert not OutboxMessage.objects.filter(topic="survey.invitation").exists()
    body = build_email(rows[0]).body
    assert "Patched the driver." in body and LINK.search(body)
    services.survey_answer(last_token(customer.email), overall=5, comment="Thanks")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_a_contact_without_a_login_gets_the_one_mail(org, product, engineer):
    contact = f.ContactFactory(organization=org, email="zhao@example.com")
    ticket = ticket_services.ticket_create(
        actor=engineer, title="Slow report", kind="fault", channel="hotline",
        organization=org, contact=contact, product=product,
    )  # fmt: skip
    resolve(ticket, engineer)
    rows = OutboxMessage.objects.filter(recipient="zhao@example.com", topic="ticket.resolved")
    assert rows.count() == 1 and LINK.search(rows[0].payload["survey_path"])
    assert not OutboxMessage.objects.filter(topic="survey.invitation").exists()


def test_resolved_again_sends_one_new_link_and_the_old_one_stops(customer, product, engineer):
    ticket = resolve(create_ticket(customer, product), engineer)
    first = last_token(customer.email)
    ticket_services.ticket_transition(
        ticket, actor=customer, to_status=TicketStatus.IN_PROGRESS, comment="Not fixed."
    )
    resolve(Ticket.objects.get(pk=ticket.pk), engineer)
    second = last_token(customer.email)
    assert first != second
    resolved_rows = OutboxMessage.objects.filter(recipient=customer.email, topic="ticket.resolved")
    assert resolved_rows.count() == 2  # one per resolve, never two for one
    with pytest.raises(Exception):  # noqa: B017  (NotFound: a replaced link)
        services.survey_answer(first, overall=5)


def test_the_link_stays_out_of_webhook_payloads(customer, product, engineer, monkeypatch):
    endpoint = WebhookEndpoint.objects.create(
        name="crm", url="https://crm.example.com/hook", topics=["ticket.resolved"], secret="s" * 40
    )
    monkeypatch.setattr(webhooks, "_active_endpoints", lambda: [(endpoint.pk, ["ticket.resolved"])])
    resolve(create_ticket(customer, product), engineer)
    hook = OutboxMessage.objects.get(recipient=f"webhook:{endpoint.pk}")
    assert "survey_path" not in str(hook.payload) and "/s/" not in str(hook.payload)


def test_notice_switched_off_sends_no_link_by_mail(customer, product, engineer):
    from servicedesk.notifications import preferences_set

    preferences_set(customer, {"ticket.resolved": "off"})
    resolve(create_ticket(customer, product), engineer)
    assert not OutboxMessage.objects.filter(
        recipient=customer.email, topic__in=["ticket.resolved", "survey.invitation"]
    ).exists()
