"""Survey links: a token derived from the invitation's random nonce with the site's secret
(``django.utils.crypto.salted_hmac``), stored only as its SHA-256.

A link proves nothing but possession: it answers one invitation, once, before it expires.
The table holds the nonce and the hash, never the token: a copy of it opens no survey
without ``SECRET_KEY``, while the desk can write the same link again for a reminder.
Changing ``SECRET_KEY`` invalidates the links already sent (they answer 404).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.utils.crypto import salted_hmac

SALT = "surveys.invitation"
TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")


def nonce_new() -> str:
    return secrets.token_hex(16)


def token_for(nonce: str) -> str:
    """The link's token for an invitation's nonce (64 hex characters)."""
    return salted_hmac(SALT, nonce, algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def token_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))


__all__ = ["nonce_new", "token_for", "token_hash", "token_well_formed"]
