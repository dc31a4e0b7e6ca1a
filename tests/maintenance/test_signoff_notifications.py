"""Sign-off notifications: a submitted work order asks the managers (not the submitter) for
their signature; the decision reaches the drafter with the comment or the reason; both read
well in English and Chinese, with the work order's number, title and link."""

from __future__ import annotations

import pytest

from maintenance import services as wo
from servicedesk.models import Notification, OutboxMessage
from servicedesk.outbox import build_email, render_payload
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_submitted_order_asks_every_manager_once(drafted, agent, manager, settings):
    settings.SITE_URL = "https://desk.example.com"
    second = f.UserFactory(username="manager2", role="manager", language="zh-hans")
    f.UserFactory(username="gone", role="manager", is_active=False)
    order = wo.work_order_submit(drafted, actor=agent)
    rows = OutboxMessage.objects.filter(topic="work_order.approval_needed").order_by("pk")
    assert [r.recipient for r in rows] == [manager.email, second.email]
    english, chinese = (build_email(r) for r in rows)
    assert english.subject == f"[{order.number}] Sign-off needed: Blank second page"
    assert "submitted a Fault work order for your sign-off" in english.body
    assert f"https://desk.example.com/maintenance/work-orders/{order.pk}/" in english.body
    assert "待签发" in chinese.subject
    assert english.extra_headers["References"] == f"<work-order.{order.number}@localhost>"
    assert Notification.objects.filter(user=second, topic="work_order.approval_needed").exists()


def test_the_decision_reaches_the_drafter_with_the_reason(submitted, agent, manager):
    wo.work_order_reject(submitted, actor=manager, reason="Attach the customer's log first.")
    rejected = OutboxMessage.objects.get(topic="work_order.decided", recipient=agent.email)
    mail = build_email(rejected)
    assert "Rejected: Blank second page" in mail.subject
    assert "Attach the customer's log first." in mail.body and "submit it again" in mail.body
    order = wo.work_order_submit(submitted.__class__.objects.get(pk=submitted.pk), actor=agent)
    wo.work_order_approve(order, actor=manager, comment="Go ahead.")
    approved = OutboxMessage.objects.filter(topic="work_order.decided").order_by("pk").last()
    assert "Approved: Blank second page" in build_email(approved).subject


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_sign_off_mails_read_well_in_both_languages(language):
    base = {
        "work_order": "WO-2026-0007",
        "title": "Blank second page",
        "kind": "corrective",
        "path": "/maintenance/work-orders/7/",
        "language": language,
        "time_zone": "Asia/Shanghai",
    }
    needed = render_payload(
        "work_order.approval_needed",
        {**base, "submitted_by": "Zhao Min", "submitted_at": "2026-12-03T06:05:00+00:00"},
    )
    decided = render_payload(
        "work_order.decided",
        {**base, "approved": False, "decided_by": "Zhao Min", "body": "Needs the log."},
    )
    for mail in (needed, decided):
        assert "WO-2026-0007" in mail.subject and "Blank second page" in mail.subject
        assert "/maintenance/work-orders/7/" in mail.text and "Zhao Min" in mail.text
        assert "+00:00" not in mail.text and "Blank second page" in mail.html
    assert "Needs the log." in decided.text
    if language == "zh-hans":
        assert "14:05" in needed.text and "故障处理任务单" in needed.text
        assert "驳回" in decided.subject
    else:
        assert "2:05 p.m." in needed.text and "Rejected" in decided.subject
