"""Per-integration API tokens: ``Authorization: Bearer sd_…`` (or ``Token sd_…``).

A token and its user are kept in a small per-process cache for ``TOKEN_CACHE_SECONDS``:
an integration polling the list would otherwise pay a database round trip per request
for the same row. Revoking a token (``servicedesk.services.api_token_revoke``), saving or
deleting a token or a user clears this process's cache at once; other processes drop
their copy when it expires, so a revoked token stops working everywhere within
``TOKEN_CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from servicedesk.models import ApiToken, User

TOKEN_CACHE_SECONDS = 3.0
TOKEN_CACHE_MAX = 1000  # distinct tokens per process; beyond that the cache starts over

_clock = time.monotonic
_lock = threading.Lock()
# key hash -> (expires at, token values, user values); values in concrete-field order
_cache: dict[str, tuple[float, list[Any], list[Any]]] = {}
_generation = 0  # bumped by every invalidation: a look-up that raced one is not stored


def forget_tokens(**_kwargs: Any) -> None:
    """Drop every cached token of this process (after a revocation or any token/user
    change). Also a signal receiver, hence the keyword arguments."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


for _model in (ApiToken, User):
    uid = f"forget-api-tokens-{_model.__name__}"
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"{uid}-save")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"{uid}-delete")

_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def _from_cache(key_hash: str) -> ApiToken | None:
    entry = _cache.get(key_hash)
    if entry is None:
        return None
    expires_at, token_values, user_values = entry
    if _clock() >= expires_at:
        _cache.pop(key_hash, None)
        return None
    # Fresh instances per request: nothing a request sets on them leaks into the next one.
    token = ApiToken.from_db("default", _TOKEN_FIELDS, token_values)
    token.user = User.from_db("default", _USER_FIELDS, user_values)
    return token


def _lookup(key_hash: str) -> ApiToken | None:
    cached = _from_cache(key_hash)
    if cached is not None:
        return cached
    generation = _generation
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        entry = (
            _clock() + TOKEN_CACHE_SECONDS,
            [getattr(token, name) for name in _TOKEN_FIELDS],
            [getattr(token.user, name) for name in _USER_FIELDS],
        )
        with _lock:
            if generation == _generation:  # no revocation since the read started
                if len(_cache) >= TOKEN_CACHE_MAX:
                    _cache.clear()
                _cache[key_hash] = entry
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        key_hash = ApiToken.hash_key(header[1].decode(errors="replace"))
        token = _lookup(key_hash)
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        # Write the last-use time at most once a minute: a hot integration must not turn
        # every read into a write.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            entry = _cache.get(key_hash)
            if entry is not None:
                entry[1][_TOKEN_FIELDS.index("last_used_at")] = now
        return token.user, token

    def authenticate_header(self, request):
        return "Bearer"
