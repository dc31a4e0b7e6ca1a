"""What notification mails say, tried as their readers would read them: every ticket topic in
English and in Chinese (the recipient's language), with the reply's text, the ticket's title
and number, local times, a link to the right page, plain text plus sanitized HTML, and the
ticket's thread headers; and the mails the ticket services write, sent to a real SMTP
server on loopback, including one that is stopped and started again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.mail import sanitize_html
from servicedesk.models import OutboxMessage
from servicedesk.outbox import build_email, outbox_deliver_pending, render_payload
from tests.smtp_support import SmtpServer
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = pytest.mark.django_db

AT = "2026-12-03T06:05:00+00:00"  # 14:05 in Asia/Shanghai
BASE = {
    "ticket": "SD-2026-000123",
    "ticket_id": 123,
    "title": "Login fails after upgrade",
    "time_zone": "Asia/Shanghai",
}
PORTAL = "/portal/tickets/SD-2026-000123/"
STAFF = "/staff/tickets/123/"

# topic -> (payload, what an English reader needs, what a Chinese reader needs)
CASES = {
    "ticket.created": (
        {
            "audience": "customer",
            "path": PORTAL,
            "created_at": AT,
            "severity": "L2",
            "response_due_at": "2026-12-03T08:05:00+00:00",
            "resolution_due_at": "2026-12-03T10:05:00+00:00",
        },
        ["We have received your request", "ticket number SD-2026-000123", "Resolution expected by",
         "6:05 p.m.", "4:05 p.m.", "L2"],
        ["我们已收到您的请求", "工单编号为 SD-2026-000123", "2026年12月3日 18:05", "16:05"],
    ),
    "ticket.replied": (
        {
            "audience": "customer",
            "path": PORTAL,
            "author": "Wang Fang",
            "body": "Please clear the browser cache and sign in again.",
            "created_at": AT,
            "attachments": ["steps.pdf"],
        },
        ["Wang Fang replied on your request", "Please clear the browser cache", "2:05 p.m.",
         "steps.pdf"],
        ["Wang Fang 回复了您的请求", "Please clear the browser cache", "14:05", "steps.pdf"],
    ),
    "ticket.status_changed": (
        {
            "audience": "customer",
            "path": PORTAL,
            "old": "accepted",
            "new": "waiting_customer",
            "created_at": AT,
        },
        ["Waiting for customer", "before: Accepted"],
        ["等待客户", "之前"],
    ),
    "ticket.resolved": (
        {
            "audience": "customer",
            "path": PORTAL,
            "old": "in_progress",
            "new": "resolved",
            "body": "The session timeout was fixed in patch 5.4.2.",
            "created_at": AT,
        },
        ["We have resolved your request", "confirm it on the ticket page", "patch 5.4.2"],
        ["您的请求已解决", "重新打开工单", "patch 5.4.2"],
    ),
    "ticket.assigned": (
        {
            "audience": "staff",
            "path": STAFF,
            "actor": "Zhao Min",
            "organization": "Acme Steel",
            "severity": "L1",
            "resolution_due_at": AT,
        },
        ["Zhao Min assigned this ticket to you", "Acme Steel", "2:05 p.m."],
        ["Zhao Min 已将此工单分派给您", "Acme Steel", "14:05"],
    ),
    "ticket.customer_replied": (
        {
            "audience": "staff",
            "path": STAFF,
            "author": "Li Lei",
            "body": "Still failing on the second server.",
            "created_at": AT,
        },
        ["Li Lei replied on a ticket assigned to you", "Still failing on the second server"],
        ["Li Lei 回复了分派给您的工单", "Still failing on the second server"],
    ),
}  # fmt: skip


SUBJECTS = {
    "ticket.created": ("We received your request", "我们已收到您的请求"),
    "ticket.replied": ("New reply", "新回复"),
    "ticket.status_changed": ("Status is now Waiting for customer", "状态变更为等待客户"),
    "ticket.resolved": ("Resolved, please confirm", "已解决，请确认"),
    "ticket.assigned": ("Assigned to you", "分派给您"),
    "ticket.customer_replied": ("Customer reply", "客户回复"),
}


@pytest.mark.parametrize("topic", sorted(CASES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_ticket_mail_reads_well_in_both_languages(topic, language, settings):
    settings.SITE_URL = "https://desk.example.com"
    payload, english, chinese = CASES[topic]
    mail = render_payload(topic, {**BASE, **payload, "language": language})
    expected = english if language == "en" else chinese
    for part in (mail.text, mail.html):
        for needed in expected:
            assert needed in part, (topic, language, needed)
        assert "SD-2026-000123" in part and "Login fails after upgrade" in part
        path = STAFF if payload["audience"] == "staff" else PORTAL
        assert f"https://desk.example.com{path}" in part
        assert "notifications/preferences/" in part
    assert mail.subject.startswith("[SD-2026-000123] ")
    assert SUBJECTS[topic][language == "zh-hans"] in mail.subject
    assert "Login fails after upgrade" in mail.subject
    assert mail.thread == "<ticket.SD-2026-000123@localhost>"
    # nothing internal leaks: no raw payload keys, ids or UTC ISO stamps
    for raw in ("ticket_id", "comment:", "T06:05", "+00:00", "new: ", "audience"):
        assert raw not in mail.text, (topic, raw)
    if language == "zh-hans":
        assert not any(word in mail.text for word in ("Ticket:", "Open the ticket"))


def test_an_old_row_with_a_bare_payload_still_renders():
    mail = render_payload("ticket.replied", {"ticket": "T-1", "comment": 401})
    assert "T-1" in mail.subject and "401" not in mail.text
    assert "/portal/" in mail.text  # a link to the customer's list
    assert render_payload("ticket.created", {}).subject


def test_the_html_alternative_is_sanitized():
    payload = {
        **BASE,
        "audience": "customer",
        "path": PORTAL,
        "body": "<script>alert(1)</script><img src=x onerror=alert(2)>"
        '<a href="javascript:x">go</a>',
    }
    mail = render_payload("ticket.replied", payload)
    for tag in ("<script", "<img", '<a href="javascript'):
        assert tag not in mail.html
    assert "&lt;script&gt;" in mail.html  # the reply's text is shown as text
    raw = '<p onclick="x()">hi<style>p{}</style><iframe src="https://e.com"></iframe></p>'
    assert sanitize_html(raw) == "<p>hi</p>"


def _ticket(customer, product, **kw):
    return services.ticket_create(
        actor=customer,
        title="Invoices cannot be printed",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L2",
        **kw,
    )


def test_services_write_mails_in_the_recipients_language_with_the_replys_text(
    customer, product, agent, settings
):
    settings.SITE_URL = "https://desk.example.com"
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    ticket = _ticket(customer, product)
    services.comment_add(ticket, actor=agent, body="请重启打印服务后再试。")
    services.comment_add(ticket, actor=agent, body="internal: printer driver", is_internal=True)
    rows = list(OutboxMessage.objects.filter(recipient=customer.email).order_by("pk"))
    assert [r.topic for r in rows] == ["ticket.created", "ticket.replied"]
    created, replied = (build_email(r) for r in rows)
    assert "我们已收到您的请求" in created.subject and ticket.number in created.subject
    assert "受理时间: " in created.body and "(Asia/Shanghai)" in created.body
    assert "请重启打印服务后再试。" in replied.body
    assert "internal: printer driver" not in replied.body
    link = f"https://desk.example.com/portal/tickets/{ticket.number}/"
    assert link in replied.body
    html, mimetype = replied.alternatives[0]
    assert mimetype == "text/html" and "请重启打印服务后再试。" in html
    thread = f"<ticket.{ticket.number}@localhost>"
    for mail in (created, replied):
        assert mail.extra_headers["In-Reply-To"] == thread
        assert mail.extra_headers["References"] == thread
    assert created.extra_headers["Message-ID"] != replied.extra_headers["Message-ID"]


def test_a_resolution_asks_the_customer_to_confirm_and_their_reply_reaches_the_assignee(
    customer, product, agent, engineer, team
):
    ticket = _ticket(customer, product)
    services.ticket_assign(ticket, actor=agent, team=team, assignee=engineer)
    services.comment_add(ticket, actor=customer, body="It also fails on the second printer.")
    ticket.refresh_from_db()
    services.ticket_transition(ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS)
    services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Driver 2.1 installed."
    )
    to_engineer = OutboxMessage.objects.filter(recipient=engineer.email).order_by("pk")
    assert [m.topic for m in to_engineer] == ["ticket.assigned", "ticket.customer_replied"]
    reply = build_email(to_engineer[1])
    assert "It also fails on the second printer." in reply.body
    assert f"/staff/tickets/{ticket.pk}/" in reply.body
    resolved = OutboxMessage.objects.get(recipient=customer.email, topic="ticket.resolved")
    mail = build_email(resolved)
    assert "Driver 2.1 installed." in mail.body and "Confirm and rate" in mail.body
    assert "/s/" in mail.body  # the survey link rides in the one resolution mail
    # the customer's own reopen is not mailed back to them
    changes = OutboxMessage.objects.filter(recipient=customer.email, topic="ticket.status_changed")
    assert changes.count() == 1  # accepted -> in progress, by the engineer
    services.ticket_transition(
        ticket, actor=customer, to_status=TicketStatus.IN_PROGRESS, comment="Not fixed."
    )
    assert changes.count() == 1


def test_a_stopped_mail_server_leaves_notifications_pending_and_sends_each_once_when_back(
    settings, customer, product, agent
):
    """The outage: the SMTP server is gone (connection refused), then starts again on the
    same port. Nothing is dropped while it is down; each mail arrives once when it is back."""
    settings.EMAIL_TIMEOUT = 2
    server = SmtpServer()
    with server:
        for name, value in server.email_settings().items():
            setattr(settings, name, value)
    # stopped: the port refuses connections
    tickets = [_ticket(customer, product) for _ in range(3)]
    for ticket in tickets:
        services.comment_add(ticket, actor=agent, body=f"Answer for {ticket.number}")
    assert OutboxMessage.objects.count() == 6
    now = timezone.now()
    for minutes in (0, 1, 3):
        result = outbox_deliver_pending(now=now + timedelta(minutes=minutes))
        assert result.sent == 0 and result.failed == 0
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}
    restarted = SmtpServer()
    restarted.controller.port = server.port  # the same address, as after a restart
    restarted._port = server.port
    with restarted:
        later = now + timedelta(hours=2)
        assert outbox_deliver_pending(now=later).sent == 6
        assert outbox_deliver_pending(now=later + timedelta(hours=1)).sent == 0
        ids = Counter(restarted.message_ids())
    assert len(ids) == 6 and set(ids.values()) == {1}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}
    bodies = [m.get_payload(0).get_payload(decode=True).decode() for m in restarted.received]
    assert sum(f"Answer for {t.number}" in b for b in bodies for t in tickets) == 3
