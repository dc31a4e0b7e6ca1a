"""Write paths of the shared directory: the notification outbox and API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, Heartbeat, OutboxMessage, User


def outbox_enqueue(*, topic: str, recipient: str, payload: dict[str, Any]) -> OutboxMessage | None:
    """Write a notification row in the caller's transaction; a worker delivers it later."""
    if not recipient:
        return None
    return OutboxMessage.objects.create(topic=topic, recipient=recipient, payload=payload)


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
