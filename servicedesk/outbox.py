"""Deliver pending outbox rows by email, at most once each, with bounded retries."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import OutboxMessage

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

SUBJECTS = {
    "ticket.created": "Your request %(ticket)s was received",
    "ticket.replied": "New reply on %(ticket)s",
    "ticket.status_changed": "%(ticket)s changed status",
    "ticket.assigned": "%(ticket)s was assigned to you",
}


def outbox_deliver_pending(*, limit: int = 200) -> int:
    """Send up to ``limit`` pending messages; rows are claimed with SKIP LOCKED."""
    sent = 0
    with transaction.atomic():
        batch = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxMessage.State.PENDING)
            .order_by("created_at")[:limit]
        )
        for message in batch:
            try:
                _send(message)
            except Exception as exc:  # any transport error: count it, retry next sweep
                logger.warning("outbox %s failed: %s", message.pk, exc)
                message.attempts += 1
                message.last_error = str(exc)[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.state = OutboxMessage.State.FAILED
                message.save(update_fields=["attempts", "last_error", "state"])
                continue
            message.state = OutboxMessage.State.SENT
            message.sent_at = timezone.now()
            message.save(update_fields=["state", "sent_at"])
            sent += 1
    return sent


def _send(message: OutboxMessage) -> None:
    payload = message.payload
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        template = SUBJECTS.get(message.topic, "%(ticket)s")
        subject = _(template) % {"ticket": payload.get("ticket", "")}
        body = "\n".join(f"{k}: {v}" for k, v in payload.items())
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
