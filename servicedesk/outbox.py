"""Deliver pending outbox rows by email, at most once each, with bounded retries."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from .models import OutboxMessage

CLOCK_LABELS = {
    "response": pgettext_lazy("SLA clock", "response"),
    "resolution": pgettext_lazy("SLA clock", "resolution"),
}
ROLE_LABELS = {
    "assignee": gettext_lazy("the assignee"),
    "team_lead": gettext_lazy("the service group lead"),
    "manager": gettext_lazy("service-center manager"),
    "contract_owner": gettext_lazy("the contract owner"),
}

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

SUBJECTS = {
    "ticket.created": gettext_noop("Your request %(ticket)s was received"),
    "ticket.replied": gettext_noop("New reply on %(ticket)s"),
    "ticket.status_changed": gettext_noop("%(ticket)s changed status"),
    "ticket.assigned": gettext_noop("%(ticket)s was assigned to you"),
    "sla.warning": gettext_noop("SLA warning: %(ticket)s"),
    "sla.breach": gettext_noop("SLA breached: %(ticket)s"),
}
# Topics with a body template of their own (templates/email/<topic>.txt, "." -> "_").
BODY_TEMPLATES = frozenset({"sla.warning", "sla.breach"})


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
        if message.topic in BODY_TEMPLATES:
            body = render_to_string(
                f"email/{message.topic.replace('.', '_')}.txt", _sla_context(payload)
            )
        else:
            body = "\n".join(f"{k}: {v}" for k, v in payload.items())
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient])


def _sla_context(payload: dict) -> dict:
    due = parse_datetime(payload.get("due_at") or "")
    return {
        **payload,
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "-",
        "clock_label": CLOCK_LABELS.get(payload.get("clock", ""), payload.get("clock", "")),
        "role_label": ROLE_LABELS.get(payload.get("role", ""), payload.get("role", "")),
        "percent": f"{payload.get('percent', 75)}%",
    }
