"""Redis down: the web keeps working. A ticket created through the API while the broker
cannot be reached is committed with its notification row, and the request does not wait
long for the broker; the row stays pending for delivery once the broker is back.

Two kinds of outage: nothing listens on the broker's port (connection refused at once), and
a broker that accepts connections but never answers (a hung Redis, a half-open network
path), where only timeouts end the wait. The app runs under gunicorn on the pytest
PostgreSQL database (skipped on SQLite, failed under CI).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection

from servicedesk.choices import TokenScope
from servicedesk.models import OutboxMessage
from servicedesk.services import api_token_create
from tests.server_support import gunicorn, http
from tests.worker_support import celery_env, database_url, free_port, unavailable
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

# A create may wait this long for a broker that is gone (CELERY_BROKER_CONNECTION_TIMEOUT
# is 2 s; the rest is the request itself on a loaded machine).
MAX_SECONDS = 6.0


@pytest.fixture
def silent_broker() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in held:
            sock.close()
        server.close()


def _create_ticket(broker: str, tmp_path, customer, product) -> tuple[int, float, str]:
    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL: the server process must share the test database")
    key = api_token_create(name="erp", user=customer, scope=TokenScope.WRITE, created_by=None)[1]
    env = celery_env(broker=broker, var_dir=tmp_path / "var", email_url="dummymail://")
    env = {k: v for k, v in env.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log) as base:
        started = time.monotonic()
        status, _headers, body = http(
            f"{base}/api/v1/tickets/",
            data=json.dumps(
                {"kind": "fault", "title": "Mail gateway down", "product": product.pk}
            ).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        elapsed = time.monotonic() - started
    assert status == 201, body
    return status, elapsed, log.read_text()


def test_a_refused_broker_does_not_fail_or_hold_a_web_request(tmp_path, customer, product):
    broker = f"redis://127.0.0.1:{free_port()}/0"
    _status, elapsed, log = _create_ticket(broker, tmp_path, customer, product)
    assert elapsed < MAX_SECONDS, f"the create took {elapsed:.1f} s"
    assert Ticket.objects.count() == 1
    message = OutboxMessage.objects.get(topic="ticket.created")
    assert message.state == OutboxMessage.State.PENDING
    assert "could not publish outbox delivery" in log


def test_a_broker_that_never_answers_does_not_hold_a_web_request(
    tmp_path, customer, product, silent_broker
):
    broker = f"redis://127.0.0.1:{silent_broker}/0"
    _status, elapsed, log = _create_ticket(broker, tmp_path, customer, product)
    assert elapsed < MAX_SECONDS, f"the create took {elapsed:.1f} s"
    assert OutboxMessage.objects.get(topic="ticket.created").state == OutboxMessage.State.PENDING
    assert "could not publish outbox delivery" in log
