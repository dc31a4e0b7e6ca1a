"""Write paths of the shared directory: the notification outbox and API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Heartbeat, OutboxMessage, User


def outbox_enqueue(*, topic: str, recipient: str, payload: dict[str, Any]) -> OutboxMessage | None:
    """Write a notification row in the caller's transaction; delivery starts when it commits."""
    if not recipient:
        return None
    message = OutboxMessage.objects.create(topic=topic, recipient=recipient, payload=payload)
    from .tasks import outbox_kick  # tasks import this module

    outbox_kick()
    return message


@transaction.atomic
def outbox_retry(ids: list[int]) -> list[int]:
    """Send failed notifications again: each gets a new retry window from now. Returns the
    ids that were failed (others are left as they are)."""
    now = timezone.now()
    retried = list(
        OutboxMessage.objects.select_for_update()
        .filter(pk__in=ids, state=OutboxMessage.State.FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=retried).update(
        state=OutboxMessage.State.PENDING,
        next_attempt_at=now,
        expires_at=now + timedelta(hours=settings.OUTBOX_RETRY_WINDOW_HOURS),
        claimed_until=None,
    )
    if retried:
        from .tasks import outbox_kick

        outbox_kick()
    return retried


@transaction.atomic
def api_token_create(
    *, name: str, user: User, scope: str, created_by: User | None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    key = "sd_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        scope=scope,
        prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
        created_by=created_by,
    )
    return token, key


def api_token_revoke(token: ApiToken) -> None:
    from .api.authentication import forget_tokens  # this process's token cache

    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_tokens()


def heartbeat_record(name: str, **data: Any) -> None:
    """Note that the periodic job ``name`` just completed (the readiness check reads it)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now(), "data": data})
