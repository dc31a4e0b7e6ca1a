"""The survey invitation mail, as its readers read it, in English and in Chinese."""

from __future__ import annotations

import pytest

from servicedesk.models import OutboxMessage
from servicedesk.outbox import render_payload

from .conftest import last_token

pytestmark = pytest.mark.django_db

BASE = {
    "ticket": "SD-2026-000123",
    "title": "Login fails after upgrade",
    "organization": "华东电网",
    "expires_at": "2026-12-03T06:05:00+00:00",  # 14:05 in Asia/Shanghai
    "path": "/s/" + "a" * 64 + "/",
    "time_zone": "Asia/Shanghai",
    "audience": "customer",
}
CASES = {
    # kind -> (English words, Chinese words)
    "per_case": (["Please confirm and rate", "works once, without signing in", "2:05 p.m."],
                 ["请确认并评价", "无需登录", "14:05"]),
    "random": (["A short satisfaction survey", "rate our service"],
               ["满意度调查", "无需登录"]),
    "campaign": (["Satisfaction survey", "responsiveness and professionalism"],
                 ["满意度调查", "响应性", "专业性"]),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_invitation_reads_well_in_both_languages(kind, language, settings):
    settings.SITE_URL = "https://desk.example.com"
    payload = {**BASE, "kind": kind, "language": language}
    if kind == "campaign":
        payload = {**payload, "ticket": "", "title": "2026 annual survey"}
    mail = render_payload("survey.invitation", payload)
    english, chinese = CASES[kind]
    for part in (mail.text, mail.html):
        for needed in english if language == "en" else chinese:
            assert needed in part or needed in mail.subject, (kind, language, needed)
        assert "https://desk.example.com/s/" + "a" * 64 + "/" in part
        assert "notifications/preferences/" in part
    assert "<script" not in mail.html
    for raw in ("+00:00", "per_case", "audience"):
        assert raw not in mail.text
    if language == "zh-hans":
        assert "Answer the survey" not in mail.text and "Ticket:" not in mail.text


def test_reminders_say_so(settings):
    payload = {**BASE, "kind": "campaign", "reminder": True, "ticket": ""}
    mail = render_payload("survey.invitation", payload)
    assert mail.subject.startswith("Reminder: ")


def test_the_link_goes_out_in_the_resolution_notice(resolved, customer):
    row = OutboxMessage.objects.get(topic="ticket.resolved", recipient=customer.email)
    assert row.payload["language"] and last_token(customer.email) in row.payload["survey_path"]
    assert not OutboxMessage.objects.filter(topic="survey.invitation").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_complaint_mail_for_managers(language):
    mail = render_payload(
        "ticket.complaint",
        {"ticket": "SD-2026-000200", "title": "Low score", "organization": "华东电网",
         "score": 1, "rated": "SD-2026-000123", "body": "Nobody came", "audience": "staff",
         "path": "/staff/tickets/200/", "language": language},
    )  # fmt: skip
    assert "SD-2026-000123" in mail.text and "Nobody came" in mail.text
    assert ("投诉" if language == "zh-hans" else "complaint") in mail.text.lower()
