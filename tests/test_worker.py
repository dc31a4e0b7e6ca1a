"""A real Celery worker process with a real Redis broker, on the pytest PostgreSQL database.

The outbox path end to end: a ticket written through the services leaves an outbox row; the
worker (a separate process, file-based email backend) delivers it and marks it sent; running
the task again, or twice at once, sends nothing new.

Skips without PostgreSQL (the worker must share the test database) or Redis; fails instead
under CI=true, where both must be there.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from celery import Celery
from django.db import connection

from servicedesk.models import OutboxMessage
from servicedesk.tasks import outbox_deliver_task
from tickets import services
from tickets.choices import Channel, TicketKind

# A worker process per test process that runs these (one with `make test`'s --dist loadfile).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"
START_TIMEOUT = 60.0
TASK_TIMEOUT = 30.0


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") in ("true", "1"):
        pytest.fail(f"{reason} (both are required under CI)", pytrace=False)
    pytest.skip(reason)


def _broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith(("redis://", "rediss://")) else DEFAULT_BROKER


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


def _database_url(settings_dict: dict) -> str:
    """The test database pytest-django created (``test_<name>[_gwN]``), as a URL."""
    auth = quote(settings_dict.get("USER") or "")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"])
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path
    mail_dir: Path
    queue: str
    sender: Celery

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def run_outbox_task(self) -> str:
        """Publish the task to the worker's queue through Redis; return its id."""
        return self.sender.send_task(outbox_deliver_task.name, queue=self.queue).id

    def result_of(self, task_id: str) -> int:
        """The task's return value, read from the worker's log (results are not stored)."""
        pattern = re.compile(
            rf"Task {re.escape(outbox_deliver_task.name)}\[{task_id}\] "
            r"(?:succeeded in [\d.e-]+s: (\d+)|(raised .*))"
        )
        found = _wait_for(lambda: pattern.search(self.output()), TASK_TIMEOUT, self)
        if found.group(2):
            pytest.fail(f"the task failed in the worker: {found.group(2)}")
        return int(found.group(1))

    def mails(self) -> dict[str, str]:
        """The messages sent so far, one file per SMTP-like connection, by file name."""
        return {p.name: p.read_text() for p in self.mail_dir.iterdir()}


def _wait_for(check, timeout: float, worker: Worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.output()}")
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s; worker output:\n{worker.output()[-4000:]}")


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql":
        _unavailable(
            "needs PostgreSQL: the worker process must share the test database "
            "(run `make test`, or set DATABASE_URL=postgres://...)"
        )
    broker = _broker_url()
    if not _answers(broker):
        _unavailable(f"needs Redis at {broker} (set CELERY_BROKER_URL=redis://host:port/db)")
    tmp = tmp_path_factory.mktemp("worker")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    queue = f"sdtest-{uuid.uuid4().hex[:12]}"  # private: parallel test processes never mix
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "SECRET_KEY": "worker-test-only",
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        "VAR_DIR": str(tmp / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "servicedesk", "worker"),
                *("--pool=solo", "--loglevel=INFO", "-Q", queue, "--hostname", f"{queue}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    sender = Celery("servicedesk-test-sender", broker=broker, set_as_current=False)
    handle = Worker(process, log, mail_dir, queue, sender)
    try:
        _wait_for(lambda: " ready." in handle.output(), START_TIMEOUT, handle)
        yield handle
    finally:
        sender.close()
        process.terminate()  # warm shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    assert message.attempts == 0
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
