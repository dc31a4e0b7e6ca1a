"""SLA warnings are a topic each member of staff chooses (email, in-app, off); breaches stay
mandatory, and a sweep still writes at most one mail per recipient."""

from __future__ import annotations

import pytest
from django.utils import timezone

from servicedesk.models import Notification, NotificationChannel, NotificationPreference
from servicedesk.notifications import PreferenceError, preferences_of, preferences_set
from sla.sweep import sla_sweep
from tests.sla.test_digest import LATER, digests, new_tickets, staff  # noqa: F401

pytestmark = pytest.mark.django_db


def test_staff_choose_sla_warnings_but_not_breaches(engineer, customer):
    topics = {row["topic"]: row for row in preferences_of(engineer)}
    assert topics["sla.warning"]["mandatory"] is False
    assert topics["sla.digest"]["mandatory"] is True
    assert "inspection.due" in topics
    preferences_set(engineer, {"sla.warning": NotificationChannel.OFF})
    assert NotificationPreference.objects.get(user=engineer, topic="sla.warning").channel == "off"
    with pytest.raises(PreferenceError):
        preferences_set(engineer, {"sla.digest": NotificationChannel.OFF})
    customer_topics = {row["topic"] for row in preferences_of(customer)}
    assert not customer_topics & {"sla.warning", "sla.digest", "inspection.due"}


def test_warnings_follow_each_recipients_choice_one_mail_per_sweep(customer, product, staff):  # noqa: F811
    preferences_set(staff.engineer, {"sla.warning": NotificationChannel.IN_APP})
    preferences_set(staff.lead, {"sla.warning": NotificationChannel.OFF})
    new_tickets(customer, product, staff, 3)
    sla_sweep(now=timezone.now() + LATER)
    mails = digests()
    recipients = [m.recipient for m in mails]
    # level 1 (the warning) told the assignee and the lead: no mail for them now
    assert sorted(recipients) == sorted({staff.manager.email, staff.owner.email})
    assert len(recipients) == len(set(recipients))  # one mail per recipient
    for mail in mails:
        assert all(item["breach"] for item in mail.payload["items"])
    entries = Notification.objects.filter(topic="sla.warning")
    assert [(n.user_id, n.subject) for n in entries] == [
        (staff.engineer.pk, "SLA warning: 3 tickets near their deadline")
    ]
    assert not Notification.objects.filter(user=staff.lead).exists()


def test_email_is_still_the_default_for_warnings(customer, product, staff):  # noqa: F811
    new_tickets(customer, product, staff, 2)
    sla_sweep(now=timezone.now() + LATER)
    recipients = {m.recipient for m in digests()}
    assert {staff.engineer.email, staff.lead.email} <= recipients
    assert not Notification.objects.filter(topic="sla.warning").exists()
