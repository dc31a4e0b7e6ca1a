"""Webhooks: events sent to integrations' HTTP endpoints, through the notification outbox.

An admin registers an endpoint (URL, event types; a signing secret is generated). When an
event of one of its types happens, the service that causes it writes one outbox row per
endpoint (``webhooks_enqueue``, in the same transaction; recipient ``webhook:<id>``), and
delivery (servicedesk.outbox) sends it like a mail: leased, marked per row, retried with
backoff over the retry window, then failed. What differs is the transport:

- the body is JSON ``{"id", "event", "created_at", "data"}``; ``id`` is the row's stable
  delivery id (a retry carries the same one, so a receiver can drop a duplicate);
- headers ``X-Servicedesk-Event``, ``X-Servicedesk-Delivery``, ``X-Servicedesk-Timestamp``
  (Unix seconds) and ``X-Servicedesk-Signature: sha256=<hex>``, the HMAC-SHA256 with the
  endpoint's secret of ``<timestamp>.<body>``; receivers check it and the timestamp's age
  (``signature_valid``), which stops replays;
- a 2xx is delivered; a 408, 429, 5xx, timeout or refused connection is retried; any other
  4xx is refused for good (retrying the same body cannot help); redirects are not followed;
- every attempt is a ``WebhookDelivery`` row (status code, latency, attempt, error): the
  log admins read; after ``WEBHOOK_MAX_FAILURES`` consecutive failed attempts the endpoint
  is disabled and its remaining rows fail at once, until an admin enables it again.

Targets must be http(s); addresses that resolve to loopback, private, link-local or
reserved networks are refused unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` (tests, intranets).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OutboxMessage, WebhookDelivery, WebhookEndpoint

PREFIX = "webhook:"
SIGNATURE_HEADER = "X-Servicedesk-Signature"
TIMESTAMP_HEADER = "X-Servicedesk-Timestamp"
EVENT_HEADER = "X-Servicedesk-Event"
DELIVERY_HEADER = "X-Servicedesk-Delivery"
# How old a signed request a receiver should still accept (``signature_valid``).
TOLERANCE_SECONDS = 300


class WebhookRefused(Exception):
    """The endpoint refused the delivery for good, or is disabled or gone."""


class WebhookFailed(Exception):
    """A transient failure: retried with the outbox's backoff."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signature_valid(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature over this body and timestamp, and a timestamp
    no older (or newer) than ``tolerance`` seconds."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def url_errors(url: str) -> list[str]:
    """Why ``url`` cannot be a webhook target ([] when it can)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [_("Enter an http:// or https:// address.")]
    if parts.username or parts.password:
        return [_("Put no user name or password in the address.")]
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False):
        return []
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return [_("This host name does not resolve.")]
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            return [_("This address is on a private or local network.")]
    return []


# The active endpoints and their topics, read at most every CACHE_SECONDS per process: every
# ticket change asks, and endpoints are few and rarely change. Saving or deleting one in this
# process clears it at once (signals, apps.py); other processes see a change within the TTL,
# and a row for an endpoint disabled meanwhile fails at send time.
CACHE_SECONDS = 30.0
_endpoints: tuple[float, list[tuple[int, list[str]]]] | None = None


def endpoints_cache_clear(**kwargs: Any) -> None:
    global _endpoints
    _endpoints = None


def _active_endpoints() -> list[tuple[int, list[str]]]:
    global _endpoints
    now = time.monotonic()
    if _endpoints is None or now - _endpoints[0] > CACHE_SECONDS:
        rows = WebhookEndpoint.objects.filter(is_active=True, disabled_at=None)
        _endpoints = (now, [(pk, topics or []) for pk, topics in rows.values_list("pk", "topics")])
    return _endpoints[1]


def webhooks_enqueue(topic: str, data: dict[str, Any]) -> int:
    """Write one outbox row per active endpoint subscribed to ``topic``, in the caller's
    transaction (endpoints filtered here: JSON lists on SQLite too)."""
    endpoints = [pk for pk, topics in _active_endpoints() if topic in topics]
    if not endpoints:
        return 0
    OutboxMessage.objects.bulk_create(
        OutboxMessage(topic=topic, recipient=f"{PREFIX}{pk}", payload=data) for pk in endpoints
    )
    from .tasks import outbox_kick  # tasks import the outbox, which imports this lazily

    outbox_kick()
    return len(endpoints)


def delivery_id(message: OutboxMessage) -> str:
    return message.message_id.strip("<>").split("@")[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not an instruction to post elsewhere


def webhook_send(message: OutboxMessage) -> None:
    """POST ``message`` to its endpoint, log the attempt, count failures (servicedesk.outbox
    calls this for ``webhook:`` rows)."""
    endpoint = WebhookEndpoint.objects.filter(pk=message.recipient.removeprefix(PREFIX)).first()
    if endpoint is None or not endpoint.is_active or endpoint.disabled_at is not None:
        raise WebhookRefused("the endpoint is disabled or was deleted")
    problems = url_errors(endpoint.url)  # again at send time: a name may now resolve inside
    if problems:
        raise WebhookRefused(f"target refused: {problems[0]}")
    body = json.dumps(
        {
            "id": delivery_id(message),
            "event": message.topic,
            "created_at": message.created_at,
            "data": message.payload,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()))
    # http(s) only, checked by url_errors just above
    request = urllib.request.Request(  # noqa: S310
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "servicedesk-webhooks",
            EVENT_HEADER: message.topic,
            DELIVERY_HEADER: delivery_id(message),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        },
    )
    status: int | None = None
    error = ""
    started = time.monotonic()
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:  # refused, reset, timed out, unresolvable
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency = int((time.monotonic() - started) * 1000)
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        message=message,
        topic=message.topic,
        attempt=message.attempts + 1,
        status_code=status,
        latency_ms=latency,
        error=error,
    )
    if status is not None and 200 <= status < 300:
        if endpoint.failures:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures=0)
        return
    _count_failure(endpoint)
    reason = f"HTTP {status}" if status is not None else error
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        raise WebhookRefused(reason)
    raise WebhookFailed(reason)


def _count_failure(endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures=F("failures") + 1)
    WebhookEndpoint.objects.filter(
        pk=endpoint.pk, failures__gte=settings.WEBHOOK_MAX_FAILURES, disabled_at=None
    ).update(disabled_at=timezone.now())
    endpoints_cache_clear()


def endpoint_enable(endpoint: WebhookEndpoint) -> None:
    """An admin's "enable again": the failure count starts over."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, failures=0
    )
    endpoints_cache_clear()
