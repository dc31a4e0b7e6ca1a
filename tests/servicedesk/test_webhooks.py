"""Webhooks against a real HTTP receiver on loopback: the HMAC-SHA256 signature and timestamp
a receiver checks, delivery through the outbox (log, retries with backoff, refusal), the
automatic disabling after repeated failure, target validation and the admin pages."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from servicedesk.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from servicedesk.outbox import outbox_deliver_pending
from servicedesk.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    endpoint_enable,
    endpoints_cache_clear,
    sign,
    signature_valid,
    url_errors,
    webhooks_enqueue,
)
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


@pytest.fixture(autouse=True)
def _fresh_endpoints():
    """Endpoints are cached per process; a rolled-back test's must not outlive it."""
    endpoints_cache_clear()
    yield
    endpoints_cache_clear()


class Receiver:
    """An HTTP server on 127.0.0.1 answering every POST with ``status``; keeps requests."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    settings.WEBHOOK_TIMEOUT = 3
    with Receiver() as server:
        yield server


def _endpoint(url, topics=("ticket.replied",)):
    return WebhookEndpoint.objects.create(name="ERP", url=url, topics=list(topics), secret=SECRET)


def test_a_signature_is_valid_only_for_its_body_secret_and_a_recent_timestamp():
    body = b'{"event": "ticket.replied"}'
    now = 1_800_000_000
    signature = sign(SECRET, now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert signature_valid(SECRET, str(now), body, signature, now=now + 10)
    assert not signature_valid(SECRET, str(now), body + b" ", signature, now=now)
    assert not signature_valid("another secret", str(now), body, signature, now=now)
    assert not signature_valid(SECRET, str(now + 1), body, signature, now=now)  # replayed stamp
    assert not signature_valid(SECRET, str(now), body, signature, now=now + 301)  # too old
    assert not signature_valid(SECRET, str(now), body, signature, now=now - 301)
    assert not signature_valid(SECRET, "1e9", body, signature, now=now)
    assert not signature_valid(SECRET, str(now), body, "sha256=" + "0" * 64, now=now)


def test_targets_must_be_http_and_outside_private_networks(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for url in (
        "ftp://example.com/x",
        "javascript:alert(1)",
        "http://u:p@example.com/",
        "http:///x",
    ):
        assert url_errors(url), url
    for url in (
        "http://127.0.0.1:8000/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://169.254.169.254/",
    ):
        assert url_errors(url), url
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert url_errors("http://127.0.0.1:8000/") == []
    assert url_errors("ftp://127.0.0.1/")


def test_an_event_is_delivered_signed_and_logged(receiver, customer, product, agent):
    endpoint = _endpoint(receiver.url)
    _endpoint(receiver.url, topics=["ticket.assigned"])  # not this event
    ticket = services.ticket_create(
        actor=customer,
        title="Export hangs",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )
    services.comment_add(ticket, actor=agent, body="Patch 5.4.3 fixes it.")
    rows = OutboxMessage.objects.filter(recipient__startswith="webhook:")
    assert [(r.topic, r.recipient) for r in rows] == [("ticket.replied", f"webhook:{endpoint.pk}")]
    result = outbox_deliver_pending()
    assert result.failed == 0
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert signature_valid(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 60
    assert headers["X-Servicedesk-Event"] == "ticket.replied"
    event = json.loads(body)
    assert event["event"] == "ticket.replied" and event["id"] == headers["X-Servicedesk-Delivery"]
    assert event["data"]["ticket"]["number"] == ticket.number
    assert event["data"]["body"] == "Patch 5.4.3 fixes it."
    log = WebhookDelivery.objects.get()
    assert (log.endpoint, log.status_code, log.attempt, log.error) == (endpoint, 200, 1, "")
    assert log.latency_ms >= 0
    assert rows.get().state == OutboxMessage.State.SENT
    assert outbox_deliver_pending().sent == 0 and len(receiver.requests) == 1


def test_failures_are_retried_with_backoff_then_the_endpoint_is_disabled(receiver, settings):
    settings.WEBHOOK_MAX_FAILURES = 3
    endpoint = _endpoint(receiver.url)
    receiver.status = 503
    webhooks_enqueue("ticket.replied", {"n": 1})
    row = OutboxMessage.objects.get()
    now = timezone.now()
    assert outbox_deliver_pending(now=now).retried == 1
    row.refresh_from_db()
    assert row.state == "pending" and row.next_attempt_at > now  # backoff
    assert outbox_deliver_pending(now=now).retried == 0  # not due yet
    for minutes in (5, 30):
        outbox_deliver_pending(now=now + timedelta(minutes=minutes))
    endpoint.refresh_from_db()
    assert endpoint.failures == 3 and endpoint.disabled_at is not None
    attempts = list(WebhookDelivery.objects.order_by("pk").values_list("attempt", "status_code"))
    assert attempts == [(1, 503), (2, 503), (3, 503)]
    # disabled: the row fails at once, visibly, and nothing more is sent or enqueued
    outbox_deliver_pending(now=now + timedelta(hours=2))
    row.refresh_from_db()
    assert row.state == "failed" and "disabled" in row.last_error
    assert len(receiver.requests) == 3
    assert webhooks_enqueue("ticket.replied", {"n": 2}) == 0
    endpoint_enable(endpoint)
    receiver.status = 204
    assert webhooks_enqueue("ticket.replied", {"n": 3}) == 1
    assert outbox_deliver_pending(now=now + timedelta(hours=3)).sent == 1
    endpoint.refresh_from_db()
    assert endpoint.failures == 0 and endpoint.disabled_at is None


def test_a_client_error_is_refused_at_once_and_an_unreachable_target_retried(receiver, settings):
    _endpoint(receiver.url)
    receiver.status = 400
    webhooks_enqueue("ticket.replied", {"n": 1})
    assert outbox_deliver_pending().failed == 1
    gone = _endpoint("http://127.0.0.1:9/hook")  # nothing listens on the discard port
    WebhookEndpoint.objects.exclude(pk=gone.pk).delete()
    webhooks_enqueue("ticket.replied", {"n": 2})
    assert outbox_deliver_pending().retried == 1
    assert WebhookDelivery.objects.filter(endpoint=gone).get().error


def test_admins_register_endpoints_and_read_the_log(client, settings, receiver):
    admin = f.UserFactory(username="root", is_staff=True, is_superuser=True, role="admin")
    client.force_login(admin)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    add = "/admin/servicedesk/webhookendpoint/add/"
    refused = client.post(
        add,
        {
            "name": "ERP",
            "url": "http://127.0.0.1:1/",
            "topics": ["ticket.replied"],
            "is_active": "on",
        },
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert "private or local network" in refused.content.decode()
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client.post(
        add,
        {
            "name": "ERP",
            "url": receiver.url,
            "topics": ["ticket.replied", "ticket.resolved"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.topics == ["ticket.replied", "ticket.resolved"] and len(endpoint.secret) >= 40
    webhooks_enqueue("ticket.resolved", {"n": 1})
    outbox_deliver_pending()
    log = client.get(f"/admin/servicedesk/webhookdelivery/?endpoint__id__exact={endpoint.pk}")
    assert log.status_code == 200 and "ticket.resolved" in log.content.decode()
    assert client.get("/admin/servicedesk/webhookendpoint/").status_code == 200


def test_customers_and_agents_cannot_reach_the_webhook_admin(client, customer, agent):
    for user in (customer, agent):
        client.force_login(user)
        response = client.get("/admin/servicedesk/webhookendpoint/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
