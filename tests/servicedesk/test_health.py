"""Liveness (/healthz) and readiness (/readyz): what each checks and when it says no."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicedesk.models import Heartbeat, OutboxMessage
from servicedesk.services import heartbeat_record
from sla.models import SlaClock
from tests.worker_support import free_port
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = pytest.mark.django_db

CHECKS = {"database", "broker", "sla_sweep", "outbox_failed", "outbox_overdue"}


@pytest.fixture(autouse=True)
def _embedded_broker(settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.SLA_SWEEP_SECONDS = 60
    settings.HEALTH_SLA_SWEEP_MAX_AGE_SECONDS = 240
    settings.HEALTH_OUTBOX_FAILED_MAX = 0
    settings.HEALTH_OUTBOX_OVERDUE_SECONDS = 600


def ready(client):
    response = client.get("/readyz")
    body = response.json()
    assert set(body["checks"]) == CHECKS
    return response.status_code, body


def failing(body) -> dict[str, str]:
    return {name: c["reason"] for name, c in body["checks"].items() if not c["ok"]}


def test_healthz_is_liveness_only_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_fresh_install_is_ready(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["broker"] == {"ok": True, "transport": "filesystem"}
    assert body["checks"]["sla_sweep"]["last_run"] is None
    assert body["checks"]["outbox_failed"]["failed"] == 0
    assert body["checks"]["outbox_overdue"]["overdue"] == 0


def test_readyz_is_not_cached_and_needs_no_login(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_a_broker_that_does_not_answer_fails_quickly(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    status, body = ready(client)
    assert time.monotonic() - started < settings.HEALTH_BROKER_TIMEOUT + 1
    assert status == 503
    assert body["status"] == "unavailable"
    assert set(failing(body)) == {"broker"}
    assert "refused" in failing(body)["broker"].lower()
    assert body["checks"]["broker"]["transport"] == "redis"


def test_a_running_redis_broker_is_up(client, settings):
    from tests.worker_support import answers, broker_url

    url = broker_url()
    if not answers(url):
        pytest.skip(f"no Redis at {url}")
    settings.CELERY_BROKER_URL = url
    status, body = ready(client)
    assert status == 200, body
    assert body["checks"]["broker"] == {"ok": True, "transport": "redis"}


def test_a_recent_sla_sweep_is_ready_a_stale_one_is_not(client):
    heartbeat_record("sla-sweep", clocks=3)
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["sla_sweep"]["age_seconds"] < 60
    assert body["checks"]["sla_sweep"]["max_age_seconds"] == 240

    Heartbeat.objects.filter(name="sla-sweep").update(at=timezone.now() - timedelta(seconds=241))
    status, body = ready(client)
    assert status == 503
    assert set(failing(body)) == {"sla_sweep"}
    assert "more than 240 s" in failing(body)["sla_sweep"]


def test_the_sweep_age_limit_follows_the_sweep_interval_by_default():
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTH_")}
    code = "from django.conf import settings; print(settings.HEALTH_SLA_SWEEP_MAX_AGE_SECONDS)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "SLA_SWEEP_SECONDS": "30", "DJANGO_SETTINGS_MODULE": "servicedesk.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(done.stdout) == 3 * 30 + 60


@pytest.fixture
def ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Invoices stay in draft",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )


def test_a_sweep_that_never_ran_fails_only_once_a_clock_is_late(client, ticket):
    clocks = SlaClock.objects.filter(ticket=ticket)
    assert clocks.exists()
    clocks.update(next_check_at=timezone.now() - timedelta(seconds=200))
    status, body = ready(client)
    assert status == 200, body  # due, but not yet longer than the sweep's allowed age

    clocks.update(next_check_at=timezone.now() - timedelta(seconds=241))
    status, body = ready(client)
    assert status == 503
    assert failing(body) == {"sla_sweep": "the SLA sweep has never run and clocks are due"}


def _message(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(topic="ticket.created", recipient="a@example.com", **fields)


def test_failed_notifications_make_the_desk_unready(client, settings):
    _message(state=OutboxMessage.State.SENT)
    status, body = ready(client)
    assert status == 200

    _message(state=OutboxMessage.State.FAILED)
    status, body = ready(client)
    assert status == 503
    assert failing(body) == {"outbox_failed": "1 notifications failed"}
    assert body["checks"]["outbox_failed"]["failed"] == 1

    settings.HEALTH_OUTBOX_FAILED_MAX = 1
    status, body = ready(client)
    assert status == 200


def test_pending_notifications_long_past_due_mean_delivery_is_not_running(client):
    now = timezone.now()
    _message(next_attempt_at=now - timedelta(seconds=590))  # due, within the grace
    _message(next_attempt_at=now + timedelta(hours=1))  # waiting for its retry
    _message(state=OutboxMessage.State.SENT, next_attempt_at=now - timedelta(days=1))
    status, body = ready(client)
    assert status == 200, body

    _message(next_attempt_at=now - timedelta(seconds=610))
    heartbeat_record("outbox", sent=0)
    status, body = ready(client)
    assert status == 503
    assert set(failing(body)) == {"outbox_overdue"}
    assert "delivery is not running" in failing(body)["outbox_overdue"]
    assert body["checks"]["outbox_overdue"]["overdue"] == 1
    assert body["checks"]["outbox_overdue"]["last_run"] is not None


def test_every_failing_check_is_reported_at_once(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    _message(state=OutboxMessage.State.FAILED)
    _message(next_attempt_at=timezone.now() - timedelta(hours=1))
    status, body = ready(client)
    assert status == 503
    assert set(failing(body)) == {"broker", "outbox_failed", "outbox_overdue"}


@pytest.mark.parametrize(
    ("where", "index"),
    [
        ("state = 'failed'", "outbox_failed"),
        ("state = 'pending' AND next_attempt_at < now()", "outbox_due"),
    ],
)
def test_the_outbox_counts_can_read_their_partial_index(where, index):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT count(*) FROM servicedesk_outboxmessage WHERE {where}")  # noqa: S608
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
