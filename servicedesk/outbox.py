"""Deliver pending outbox rows by email, at most once each, with bounded retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import OutboxMessage

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

SUBJECTS = {
    "ticket.created": gettext_noop("Your request %(ticket)s was received"),
    "ticket.replied": gettext_noop("New reply on %(ticket)s"),
    "ticket.status_changed": gettext_noop("%(ticket)s changed status"),
    "ticket.assigned": gettext_noop("%(ticket)s was assigned to you"),
}
# topic -> renderer(topic, payload) -> (subject, body). An app that writes a topic registers
# what its messages say (``@renderer("sla.warning")``, imported from its AppConfig.ready);
# topics without one get the generic subject and the payload as text.
Renderer = Callable[[str, dict[str, Any]], tuple[str, str]]
RENDERERS: dict[str, Renderer] = {}


def renderer(*topics: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        for topic in topics:
            RENDERERS[topic] = function
        return function

    return register


def render(message: OutboxMessage) -> tuple[str, str]:
    """Subject and plain-text body of ``message``, in the recipient's language."""
    payload = message.payload
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        function = RENDERERS.get(message.topic, generic_email)
        return function(message.topic, payload)


def generic_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    subject = _(SUBJECTS.get(topic, "%(ticket)s")) % {"ticket": payload.get("ticket", "")}
    return subject, "\n".join(f"{k}: {v}" for k, v in payload.items())


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
    subject, body = render(message)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient])
