"""Notification delivery against a real SMTP server on loopback (``tests/smtp_support.py``).

What docs/NOTIFICATIONS.md promises, each tried here: every notification is delivered at
least once; a copy sent twice carries the same Message-ID; an outage shorter than the retry
window loses nothing and fails nothing; a stalled server costs one timeout, not a worker; a
permanent refusal fails at once, visibly, and an admin can send it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from servicedesk import tasks
from servicedesk.models import OutboxMessage
from servicedesk.outbox import backoff_seconds, outbox_claim, outbox_deliver_pending
from servicedesk.services import outbox_enqueue, outbox_retry
from tests import factories as f
from tests.smtp_support import SmtpServer, StalledServer

MINUTE = timedelta(minutes=1)


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        for name, value in server.email_settings().items():
            setattr(settings, name, value)
        settings.EMAIL_TIMEOUT = 2
        yield server


def rows(count: int, *, topic: str = "ticket.created") -> list[OutboxMessage]:
    return [
        OutboxMessage.objects.create(
            topic=topic, recipient=f"user{i}@example.com", payload={"ticket": f"T-{i:04d}"}
        )
        for i in range(count)
    ]


def states() -> Counter:
    return Counter(OutboxMessage.objects.values_list("state", flat=True))


@pytest.mark.django_db
def test_each_row_is_sent_once_with_a_message_id_derived_from_the_row(smtp):
    messages = rows(3)
    result = outbox_deliver_pending()
    assert (result.sent, result.retried, result.failed) == (3, 0, 0)
    assert sorted(smtp.message_ids()) == sorted(m.message_id for m in messages)
    assert len(set(smtp.message_ids())) == 3
    assert {m["To"] for m in smtp.received} == {m.recipient for m in messages}
    assert all(m["Auto-Submitted"] == "auto-generated" for m in smtp.received)
    for message in OutboxMessage.objects.all():
        assert message.state == OutboxMessage.State.SENT
        assert message.attempts == 1 and message.claimed_until is None
    assert outbox_deliver_pending().sent == 0  # nothing is sent twice
    assert len(smtp.received) == 3


@pytest.mark.django_db
def test_a_451_for_ten_minutes_delays_every_message_and_fails_none(smtp):
    rows(20)
    smtp.set("tempfail")
    start = timezone.now()
    at = start
    while at < start + 10 * MINUTE:  # a beat every 15 s through the outage
        outbox_deliver_pending(now=at)
        at += timedelta(seconds=15)
    assert states() == Counter({"pending": 20})
    assert smtp.received == []
    attempts = list(OutboxMessage.objects.values_list("attempts", flat=True))
    # backoff: 30 s doubling (with jitter) gives 4 to 6 tries in ten minutes, not 40
    assert all(3 <= n <= 7 for n in attempts), attempts
    smtp.set("accept")
    while at < start + 40 * MINUTE and states()["pending"]:
        outbox_deliver_pending(now=at)
        at += timedelta(seconds=15)
    assert states() == Counter({"sent": 20})
    assert Counter(smtp.message_ids()).most_common(1)[0][1] == 1
    assert len(smtp.received) == 20


@pytest.mark.django_db
def test_an_outage_longer_than_the_retry_window_fails_the_rows_visibly(smtp, settings, caplog):
    settings.OUTBOX_RETRY_WINDOW_HOURS = 1
    [message] = rows(1)
    smtp.set("tempfail")
    at = timezone.now()
    while at < message.created_at + 59 * MINUTE:
        outbox_deliver_pending(now=at)
        at += MINUTE
    assert states() == Counter({"pending": 1})
    with caplog.at_level(logging.ERROR, logger="servicedesk.outbox"):
        for _minute in range(5):
            at += MINUTE
            outbox_deliver_pending(now=at)
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.FAILED
    assert "451" in message.last_error
    assert any("failed for good" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_permanent_refusal_fails_at_once_and_an_admin_retry_sends_it(smtp):
    [message] = rows(1)
    smtp.set("refuse")
    result = outbox_deliver_pending()
    assert result.failed == 1
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.FAILED and "550" in message.last_error
    assert outbox_deliver_pending().sent == 0  # failed rows are not retried by themselves
    smtp.set("accept")
    assert outbox_retry([message.pk]) == [message.pk]
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING
    assert message.expires_at > timezone.now() + timedelta(hours=23)
    assert outbox_deliver_pending().sent == 1
    assert smtp.message_ids() == [message.message_id]


@pytest.mark.django_db
def test_a_stalled_server_costs_one_timeout_and_releases_the_rows(settings, smtp):
    rows(5)
    with StalledServer() as stalled:
        settings.EMAIL_PORT = stalled.port
        settings.EMAIL_TIMEOUT = 1
        began = time.monotonic()
        result = outbox_deliver_pending()
        elapsed = time.monotonic() - began
    assert elapsed < 4, elapsed  # one connection timed out; the batch did not wait 5 times
    assert stalled.connections == 1
    assert (result.sent, result.retried) == (0, 1)
    for message in OutboxMessage.objects.all():
        assert message.state == OutboxMessage.State.PENDING
        assert message.claimed_until is None  # released, not leased to a dead run
        assert message.next_attempt_at > timezone.now()  # the server's backoff
    settings.EMAIL_PORT = smtp.port  # the server is back
    assert outbox_deliver_pending(now=timezone.now() + 10 * MINUTE).sent == 5
    assert len(smtp.received) == 5


@pytest.mark.django_db
def test_a_reply_lost_after_data_gives_one_copy_with_the_same_message_id(smtp):
    first, *others = rows(4)
    smtp.set("drop_after_data", drops=1)
    outbox_deliver_pending()
    first.refresh_from_db()
    assert first.state == OutboxMessage.State.PENDING  # the client never heard "250"
    outbox_deliver_pending(now=timezone.now() + 10 * MINUTE)
    assert states() == Counter({"sent": 4})
    counts = Counter(smtp.message_ids())
    assert counts[first.message_id] == 2  # the one duplicate, recognisable by its id
    assert all(counts[m.message_id] == 1 for m in others)


@pytest.mark.django_db
def test_a_row_leased_to_another_run_is_left_alone_until_the_lease_ends(smtp, settings):
    [message] = rows(1)
    assert [m.pk for m in outbox_claim(10)] == [message.pk]  # a run that then died
    assert outbox_deliver_pending().sent == 0
    later = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    assert outbox_deliver_pending(now=later).sent == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_claim_disjoint_rows(smtp, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    settings.OUTBOX_CLAIM_BATCH = 5
    smtp.set("accept", delay=0.005)
    rows(60)
    results = []

    def run() -> None:
        try:
            results.append(outbox_deliver_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in results) == 60
    assert all(r.sent > 0 for r in results)  # both took part
    assert Counter(smtp.message_ids()).most_common(1)[0][1] == 1
    assert len(smtp.received) == 60


def test_backoff_doubles_with_jitter_up_to_its_ceiling(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_RETRY_MAX_SECONDS = 1800
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1800), (40, 1800)]:
        waits = {backoff_seconds(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1  # jittered: retries of many rows do not arrive in step


@pytest.mark.django_db(transaction=True)
def test_a_transaction_publishes_one_delivery_when_it_commits(settings):
    with mock.patch.object(tasks.outbox_deliver_task, "apply_async") as publish:
        with transaction.atomic():
            for i in range(3):
                outbox_enqueue(topic="ticket.created", recipient=f"u{i}@example.com", payload={})
            assert publish.call_count == 0  # not before the commit
        assert publish.call_count == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(topic="ticket.created", recipient="x@example.com", payload={})
            raise RuntimeError("rolled back")
        assert publish.call_count == 1  # nothing committed, nothing published


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_does_not_fail_the_change_that_wrote_the_notification(caplog):
    failing = mock.patch.object(
        tasks.outbox_deliver_task, "apply_async", side_effect=ConnectionError("broker down")
    )
    logs = caplog.at_level(logging.WARNING, logger="servicedesk.tasks")
    with failing, logs, transaction.atomic():
        outbox_enqueue(topic="ticket.created", recipient="a@example.com", payload={})
    assert OutboxMessage.objects.filter(state="pending").count() == 1  # kept for beat
    assert any("beat will deliver" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_admin_lists_failed_notifications_and_retries_them(client, smtp):
    root = f.UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(root)
    admin_client = client
    [message] = rows(1)
    OutboxMessage.objects.filter(pk=message.pk).update(state="failed", last_error="550 nope")
    page = admin_client.get("/admin/servicedesk/outboxmessage/?state__exact=failed")
    assert page.status_code == 200
    assert "550 nope" in page.content.decode()
    response = admin_client.post(
        "/admin/servicedesk/outboxmessage/",
        {"action": "retry", "_selected_action": [message.pk]},
        follow=True,
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING
    from django.contrib.admin.models import LogEntry

    entry = LogEntry.objects.get(object_id=str(message.pk))
    assert entry.user == root  # who retried it, and when, is recorded
