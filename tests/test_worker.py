"""A real Celery worker process with a real Redis broker, on the pytest PostgreSQL database.

The outbox path end to end: a ticket written through the services leaves an outbox row; the
worker (a separate process, file-based email backend) delivers it and marks it sent; running
the task again, or twice at once, sends nothing new.

Skips without PostgreSQL (the worker must share the test database) or Redis; fails instead
under CI=true, where both must be there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from celery import Celery

from servicedesk.models import OutboxMessage
from servicedesk.tasks import outbox_deliver_task
from tests.worker_support import (
    CeleryProcess,
    broker_url,
    celery_env,
    require_services,
    start_worker,
    task_outcome,
)
from tickets import services
from tickets.choices import Channel, TicketKind

# A worker process per test process that runs these (one with `make test`'s --dist loadfile).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@dataclass
class Worker:
    process: CeleryProcess
    mail_dir: Path
    queue: str
    sender: Celery

    def output(self) -> str:
        return self.process.output()

    def run_outbox_task(self) -> str:
        """Publish the task to the worker's queue through Redis; return its id."""
        return self.sender.send_task(outbox_deliver_task.name, queue=self.queue).id

    def result_of(self, task_id: str) -> int:
        """The task's return value, read from the worker's log (results are not stored)."""
        outcome, value = task_outcome(self.process, outbox_deliver_task.name, task_id)
        if outcome == "raised":
            pytest.fail(f"the task failed in the worker: {value}")
        return int(value)

    def mails(self) -> dict[str, str]:
        """The messages sent so far, one file per SMTP-like connection, by file name."""
        return {p.name: p.read_text() for p in self.mail_dir.iterdir()}


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    broker = broker_url()
    require_services(broker)
    tmp = tmp_path_factory.mktemp("worker")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    queue = f"sdtest-{uuid.uuid4().hex[:12]}"  # private: parallel test processes never mix
    env = celery_env(broker=broker, var_dir=tmp / "var", email_url=f"filemail:///{mail_dir}")
    process = start_worker(queue=queue, env=env, log=tmp / "worker.log")
    sender = Celery("servicedesk-test-sender", broker=broker, set_as_current=False)
    try:
        yield Worker(process, mail_dir, queue, sender)
    finally:
        sender.close()
        process.stop()  # warm shutdown


@pytest.fixture(autouse=True)
def _no_delivery_on_commit(settings):
    """These tests run the delivery task themselves (tests/test_outbox_worker.py covers the
    delivery a commit starts)."""
    settings.OUTBOX_DELIVER_ON_COMMIT = False


def _new_ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Billing run stops at month end",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )


def test_worker_delivers_the_outbox_row_of_a_new_ticket(worker, customer, product):
    mails_before = worker.mails()
    ticket = _new_ticket(customer, product)
    message = OutboxMessage.objects.get(topic="ticket.created")
    assert message.state == OutboxMessage.State.PENDING
    assert message.recipient == customer.email
    assert message.payload["ticket"] == ticket.number

    assert worker.result_of(worker.run_outbox_task()) == 1

    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    (mail,) = [text for name, text in worker.mails().items() if name not in mails_before]
    assert f"To: {customer.email}" in mail
    assert ticket.number in mail


def test_running_the_task_again_sends_nothing_new(worker, customer, product):
    _new_ticket(customer, product)
    assert worker.result_of(worker.run_outbox_task()) == 1
    message = OutboxMessage.objects.get(topic="ticket.created")
    first_sent_at, mails = message.sent_at, len(worker.mails())

    assert worker.result_of(worker.run_outbox_task()) == 0

    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert message.sent_at == first_sent_at
    assert len(worker.mails()) == mails


def test_a_duplicated_task_delivers_each_message_once(worker, customer, product, engineer):
    ticket = _new_ticket(customer, product)
    services.comment_add(ticket, actor=engineer, body="We are looking at the logs.")
    assert OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).count() == 2

    first, second = worker.run_outbox_task(), worker.run_outbox_task()
    results = [worker.result_of(first), worker.result_of(second)]

    assert sorted(results) == [0, 2]
    assert not OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).exists()
