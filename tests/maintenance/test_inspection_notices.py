"""The daily "inspection due" notice: the assignee, else the service group's lead, told once
per inspection and day, by the channel they chose; done inspections tell nobody."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from maintenance.models import InspectionDueNotice
from maintenance.services.notices import inspections_due_notify
from maintenance.tasks import inspections_due_notify_task
from maintenance.visit_emails import inspection_due_email
from servicedesk.models import Notification, NotificationChannel, OutboxMessage
from servicedesk.notifications import preferences_set
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team):
    user = f.UserFactory(username="lead")
    team.lead = user
    team.save()
    return user


def _notices() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(topic="inspection.due").order_by("pk"))


def test_due_inspection_tells_the_lead_once_a_day(open_inspection, lead):
    today = timezone.localdate()
    assert inspections_due_notify(today=today) == 1
    assert inspections_due_notify(today=today) == 0  # a rerun tells nobody again
    assert inspections_due_notify_task.delay().get() == 0  # nor does the beat task
    [row] = _notices()
    assert row.recipient == lead.email
    assert row.payload["work_order"] == open_inspection.number
    assert row.payload["days_late"] == 0
    assert Notification.objects.filter(user=lead, topic="inspection.due").count() == 1
    # the next day, still open: told again, as late
    assert inspections_due_notify(today=today + dt.timedelta(days=1)) == 1
    assert _notices()[-1].payload["days_late"] == 1
    assert InspectionDueNotice.objects.count() == 2


def test_the_assignee_is_told_rather_than_the_lead_and_off_means_nothing(
    open_inspection, lead, engineer
):
    open_inspection.assignee = engineer
    open_inspection.save(update_fields=["assignee"])
    preferences_set(engineer, {"inspection.due": NotificationChannel.OFF})
    assert inspections_due_notify() == 1
    assert _notices() == []
    assert not Notification.objects.exists()


def test_a_done_or_future_inspection_tells_nobody(open_inspection, lead):
    assert inspections_due_notify(today=open_inspection.occurrence - dt.timedelta(days=1)) == 0
    open_inspection.status = "done"
    open_inspection.save(update_fields=["status"])
    assert inspections_due_notify() == 0
    assert _notices() == []


def test_the_mail_in_both_languages(open_inspection, lead):
    inspections_due_notify(today=open_inspection.occurrence + dt.timedelta(days=2))
    payload = _notices()[0].payload
    with translation.override("en"):
        rendered = inspection_due_email("inspection.due", payload)
        assert "Inspection due: Monthly health check" in rendered.subject
        assert "was due on" in rendered.text
    with translation.override("zh-hans"):
        rendered = inspection_due_email("inspection.due", payload)
        assert "巡检到期" in rendered.subject
        assert "巡检" in rendered.text
    assert mail.outbox == []  # nothing sent directly: the outbox delivers
