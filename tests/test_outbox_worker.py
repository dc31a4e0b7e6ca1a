"""Notification delivery by a real Celery worker (Redis broker, the pytest PostgreSQL
database) to a real SMTP server in this process (``tests/smtp_support.py``).

- A commit that writes notifications starts their delivery: no beat, no explicit task.
- A worker SIGKILLed in the middle of a batch of 200: after its lease runs out another
  worker delivers the rest; every message arrives, at most one of them twice (the one in
  flight when the worker died), and that copy carries the same Message-ID.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

import pytest
from celery import Celery

from servicedesk.celery import app as celery_app
from servicedesk.models import OutboxMessage
from servicedesk.services import outbox_enqueue
from servicedesk.tasks import outbox_deliver_task
from tests.smtp_support import SmtpServer
from tests.worker_support import broker_url, celery_env, require_services, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Short enough for a test, in the proportions production needs: a run hands over after
# RUN seconds, its task is stopped by SOFT/HARD limits, and the lease outlives the task.
TIMING = {
    "OUTBOX_RUN_SECONDS": "2",
    "OUTBOX_CLAIM_BATCH": "20",
    "CELERY_TASK_SOFT_TIME_LIMIT": "4",
    "CELERY_TASK_TIME_LIMIT": "5",
    "OUTBOX_LEASE_SECONDS": "6",
    "EMAIL_TIMEOUT": "2",
}


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def cluster(django_db_setup, tmp_path, smtp):
    broker = broker_url()
    require_services(broker)
    queue = f"sdtest-outbox-{uuid.uuid4().hex[:10]}"
    env = celery_env(
        broker=broker,
        var_dir=tmp_path / "var",
        email_url=smtp.email_url(),
        CELERY_TASK_DEFAULT_QUEUE=queue,  # the worker's hand-overs stay on its queue
        **TIMING,
    )
    workers = []

    def worker(name: str):
        process = start_worker(queue=queue, env=env, log=tmp_path / f"{name}.log", hostname=name)
        workers.append(process)
        return process

    sender = Celery("outbox-test-sender", broker=broker, set_as_current=False)
    try:
        yield worker, queue, sender
    finally:
        sender.close()
        for process in workers:
            process.kill()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_a_commit_starts_delivery_through_the_worker(cluster, smtp, monkeypatch):
    worker, queue, _sender = cluster
    worker("w1")
    # This process publishes as a web process would: through Redis, to the worker's queue.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    monkeypatch.setitem(celery_app.conf, "broker_url", broker_url())
    message = outbox_enqueue(
        topic="ticket.created", recipient="li.lei@example.com", payload={"ticket": "T-1"}
    )
    wait_until(lambda: len(smtp.received) == 1, 30, "the mail")
    assert smtp.message_ids() == [message.message_id]
    wait_until(
        lambda: OutboxMessage.objects.get(pk=message.pk).state == OutboxMessage.State.SENT,
        10,
        "the row marked sent",
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_one(cluster, smtp):
    worker, queue, sender = cluster
    smtp.set("accept", delay=0.03)  # ~6 s for 200: time to kill the worker half way
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(topic="ticket.created", recipient=f"u{i}@example.com", payload={})
        for i in range(200)
    )
    ids = {m.pk: m for m in OutboxMessage.objects.filter(pk__in=[r.pk for r in rows])}
    first = worker("w1")
    sender.send_task(outbox_deliver_task.name, queue=queue)
    wait_until(lambda: len(smtp.received) >= 50, 60, "50 mails")
    first.kill()  # SIGKILL: no shutdown, a row may be sent and not yet marked
    received_at_kill = len(smtp.received)
    assert received_at_kill < 200

    worker("w2")
    deadline = time.monotonic() + 90
    while OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists():
        assert time.monotonic() < deadline, "not all delivered"
        sender.send_task(outbox_deliver_task.name, queue=queue)  # as beat would
        time.sleep(1)

    counts = Counter(smtp.message_ids())
    assert set(counts) == {m.message_id for m in ids.values()}  # every one arrived
    twice = [mid for mid, n in counts.items() if n > 1]
    assert len(twice) <= 1, twice  # one kill, at most one duplicate
    assert max(counts.values()) <= 2
    assert len(smtp.received) <= 201
    assert not OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED).exists()
