"""Notification delivery: at least once, at most one duplicate per crash, recognisable.

How a row travels (docs/NOTIFICATIONS.md says the same for operators):

1. It is written in the transaction of the change that causes it (``outbox_enqueue``, or
   the SLA sweep in bulk), ``pending`` and due at once; a delivery task is published when
   that transaction commits (``servicedesk.tasks.outbox_kick``); beat runs one every
   ``OUTBOX_SWEEP_SECONDS`` as the safety net.
2. A delivery run claims up to ``OUTBOX_CLAIM_BATCH`` due rows in a short transaction: it
   sets their lease (``claimed_until``) under ``FOR UPDATE SKIP LOCKED``, so runs in other
   workers claim other rows, and no run takes a row whose lease still holds.
3. It sends them over one SMTP connection, each with a ``Message-ID`` derived from the row,
   and marks each row ``sent`` in a commit of its own right after the server accepted it.
   A crash between the server's "250" and that commit leaves one row claimed; when its
   lease runs out it is sent again: the one duplicate, with the same Message-ID.
4. A failed attempt moves ``next_attempt_at`` on (exponential backoff with jitter) until
   the row's retry window (``expires_at``) closes; then, or at once for a permanent refusal
   (a 5xx for the recipient or the content), the row is ``failed``: logged at error level,
   listed in the admin with a "retry" action and counted by the readiness check.

A run stops starting sends well before its lease could run out, and every task's hard time
limit is shorter than the lease (a system check says so), so no two runs ever hold the same
row at once.
"""

from __future__ import annotations

import contextlib
import logging
import random
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .mail import Rendered, sanitize_html
from .models import OutboxMessage

logger = logging.getLogger(__name__)

SUBJECTS = {
    "ticket.created": gettext_noop("Your request %(ticket)s was received"),
    "ticket.replied": gettext_noop("New reply on %(ticket)s"),
    "ticket.status_changed": gettext_noop("%(ticket)s changed status"),
    "ticket.assigned": gettext_noop("%(ticket)s was assigned to you"),
}


# topic -> renderer(topic, payload) -> Rendered, or (subject, body). An app that writes a
# topic registers what its messages say (``@renderer("sla.warning")``, imported from its
# AppConfig.ready); topics without one get the generic subject and the payload as text.
Renderer = Callable[[str, dict[str, Any]], "Rendered | tuple[str, str]"]
RENDERERS: dict[str, Renderer] = {}


def renderer(*topics: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        for topic in topics:
            RENDERERS[topic] = function
        return function

    return register


# topic -> attacher(payload) -> [(file name, content, MIME type)]. Attachments are built when
# the message is sent, from what the payload names (a report run's frozen snapshot), so the
# row stays small and every attempt sends the same file. One that cannot be built is a
# permanent refusal, like a body that cannot render.
Attachment = tuple[str, bytes, str]
Attacher = Callable[[dict[str, Any]], list[Attachment]]
ATTACHERS: dict[str, Attacher] = {}


def attacher(*topics: str) -> Callable[[Attacher], Attacher]:
    def register(function: Attacher) -> Attacher:
        for topic in topics:
            ATTACHERS[topic] = function
        return function

    return register


def attachments(message: OutboxMessage) -> list[Attachment]:
    function = ATTACHERS.get(message.topic)
    if function is None:
        return []
    payload = message.payload
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        return function(payload)


def render(message: OutboxMessage) -> Rendered:
    """What ``message`` says, in the recipient's language and time zone (both in the
    payload when it was written; the site's defaults otherwise)."""
    return render_payload(message.topic, message.payload)


def render_payload(topic: str, payload: dict[str, Any]) -> Rendered:
    zone = payload.get("time_zone") or settings.TIME_ZONE
    language = payload.get("language") or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(zone):
        result = RENDERERS.get(topic, generic_email)(topic, payload)
    if isinstance(result, Rendered):
        return result
    subject, text = result
    return Rendered(subject, text)


def generic_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    subject = _(SUBJECTS.get(topic, "%(ticket)s")) % {"ticket": payload.get("ticket", "")}
    return subject, "\n".join(f"{k}: {v}" for k, v in payload.items())


class Refused(Exception):
    """A permanent refusal: sending the same message again cannot succeed."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Due rows were left when the run's time budget ran out: another run should follow.
    more: bool = False


def outbox_deliver_pending(
    *,
    now: datetime | None = None,
    limit: int | None = None,
    budget_seconds: float | None = None,
) -> DeliveryResult:
    """Deliver due rows until none is left, ``limit`` rows were tried, or the time budget
    (default ``OUTBOX_RUN_SECONDS``) is spent. ``now`` fixes the clock (tests simulate
    hours of outage with it); by default each step reads the current time."""
    result = DeliveryResult()
    budget = settings.OUTBOX_RUN_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    sender = Sender()
    try:
        while limit is None or result.sent + result.retried + result.failed < limit:
            if time.monotonic() - started > budget:
                result.more = outbox_due_exists(now)
                break
            size = settings.OUTBOX_CLAIM_BATCH
            if limit is not None:
                size = min(size, limit - (result.sent + result.retried + result.failed))
            batch = outbox_claim(size, now=now)
            if not batch:
                break
            if not deliver_batch(batch, sender, result, now=now):
                break  # the mail server is unreachable: the rows wait for their backoff
    finally:
        sender.close()
    return result


def outbox_due_exists(now: datetime | None = None) -> bool:
    return OutboxMessage.objects.filter(due_filter(now or timezone.now())).exists()


def due_filter(now: datetime) -> Q:
    return Q(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def outbox_claim(size: int, *, now: datetime | None = None) -> list[OutboxMessage]:
    """Lease up to ``size`` due rows to this run, oldest due first (one short transaction:
    rows locked by another run's claim are skipped, not waited for)."""
    now = now or timezone.now()
    lease_end = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due_filter(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(claimed_until=lease_end)
    rows = {m.pk: m for m in OutboxMessage.objects.filter(pk__in=ids)}
    batch = [rows[pk] for pk in ids if pk in rows]
    lease_seconds = settings.OUTBOX_LEASE_SECONDS
    # The run's own deadline for starting a send, on its monotonic clock: the lease minus
    # a margin of a few SMTP timeouts for the send in progress.
    margin = min(lease_seconds / 2, 6 * (settings.EMAIL_TIMEOUT or 30))
    for message in batch:
        message.send_before = time.monotonic() + lease_seconds - margin  # type: ignore[attr-defined]
    return batch


def deliver_batch(
    batch: list[OutboxMessage], sender: Sender, result: DeliveryResult, *, now: datetime | None
) -> bool:
    """Send each claimed row and record the outcome in its own commit. False when the mail
    server cannot be reached: the rest of the batch is released with the same backoff."""
    for index, message in enumerate(batch):
        if time.monotonic() > message.send_before:  # type: ignore[attr-defined]
            outbox_release(batch[index:])
            return True
        try:
            sender.send(message)
        except Refused as exc:
            outbox_mark_failed(message, str(exc), now=now)
            result.failed += 1
            continue
        except Unreachable as exc:
            sender.close()
            state = outbox_mark_retry(message, str(exc), now=now)
            outbox_release(batch[index + 1 :], after=message if state == "retry" else None)
            result.retried += state == "retry"
            result.failed += state == "failed"
            return False
        except Exception as exc:  # a transient refusal (4xx) or an unexpected error
            sender.close()
            state = outbox_mark_retry(message, f"{type(exc).__name__}: {exc}", now=now)
            result.retried += state == "retry"
            result.failed += state == "failed"
            continue
        outbox_mark_sent(message, now=now)
        result.sent += 1
    return True


def outbox_mark_sent(message: OutboxMessage, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.SENT,
        sent_at=now,
        last_attempt_at=now,
        attempts=F("attempts") + 1,
        claimed_until=None,
        last_error="",
    )


def outbox_mark_retry(message: OutboxMessage, error: str, *, now: datetime | None = None) -> str:
    """Schedule the next attempt after a transient failure, or fail the row when its retry
    window has closed. Returns "retry" or "failed"."""
    now = now or timezone.now()
    attempts = message.attempts + 1
    if now >= message.expires_at:
        outbox_mark_failed(message, error, now=now)
        return "failed"
    delay = backoff_seconds(attempts)
    next_attempt = min(now + timedelta(seconds=delay), message.expires_at)
    logger.warning(
        "notification %s to %s: attempt %d failed (%s); next attempt at %s",
        message.pk,
        message.recipient,
        attempts,
        error,
        next_attempt.isoformat(),
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        last_attempt_at=now,
        next_attempt_at=next_attempt,
        claimed_until=None,
        last_error=error[:2000],
    )
    message.next_attempt_at = next_attempt
    return "retry"


def outbox_mark_failed(message: OutboxMessage, error: str, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    logger.error(
        "notification %s (%s) to %s failed for good after %d attempt(s): %s",
        message.pk,
        message.topic,
        message.recipient,
        message.attempts + 1,
        error,
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.FAILED,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        claimed_until=None,
        last_error=error[:2000],
    )


def outbox_release(batch: list[OutboxMessage], *, after: OutboxMessage | None = None) -> None:
    """Give claimed rows back unsent: due again at once, or with ``after``'s backoff when the
    server just proved unreachable (no attempt is counted: none was made)."""
    if not batch:
        return
    changes: dict[str, Any] = {"claimed_until": None}
    if after is not None:
        changes["next_attempt_at"] = after.next_attempt_at
    OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(**changes)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: after the n-th failed attempt wait between half and
    all of base * 2**(n-1), at most ``OUTBOX_RETRY_MAX_SECONDS``."""
    ceiling = min(
        settings.OUTBOX_RETRY_MAX_SECONDS,
        settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 30),
    )
    return random.uniform(ceiling / 2, ceiling)


class Unreachable(Exception):
    """The mail server could not be reached or dropped the connection."""


def build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The mail for ``message``: plain text, the sanitized HTML alternative when the topic
    has one, the topic's attachments (``attacher``), the row's Message-ID and the thread
    headers."""
    rendered = render(message)
    headers = {"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"}
    if rendered.thread:
        headers["In-Reply-To"] = rendered.thread
        headers["References"] = rendered.thread
    email = EmailMultiAlternatives(
        " ".join(rendered.subject.split()),
        rendered.text,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        headers=headers,
    )
    if rendered.html:
        email.attach_alternative(sanitize_html(rendered.html), "text/html")
    for name, content, mimetype in attachments(message):
        email.attach(name, content, mimetype)
    return email


class Sender:
    """One SMTP (or other backend) connection, opened on first use and reused for a batch."""

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: OutboxMessage) -> None:
        if message.recipient.startswith("webhook:"):
            from .webhooks import WebhookRefused, webhook_send  # webhooks import the models

            try:
                webhook_send(message)
            except WebhookRefused as exc:
                raise Refused(str(exc)) from exc
            return  # a transient failure (WebhookFailed) is retried like a 4xx from SMTP
        try:
            email = build_email(message)
        except Exception as exc:  # a template or payload that cannot render never will
            raise Refused(f"cannot render: {type(exc).__name__}: {exc}") from exc
        try:
            if self.connection is None:
                self.connection = get_connection(fail_silently=False)
                self.connection.open()
            email.connection = self.connection
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise Refused(f"recipient refused: {exc.recipients}") from exc
            raise
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                raise Refused(f"message refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPResponseException:
            raise  # another refusal with a code: this message is retried on its own
        except OSError as exc:  # refused, reset, timed out: smtplib's errors are OSErrors too
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(Exception):  # a connection that is already gone
            self.connection.close()
        self.connection = None
