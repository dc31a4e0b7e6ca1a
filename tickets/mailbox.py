"""Polling the inbound IMAP mailbox (docs/INBOUND.md, "IMAP").

One run: take the mailbox's lease (compare-and-set on its ``MailboxLease`` row, so two beat
runs or a command and a beat run never read the mailbox at once), log in, search UNSEEN,
fetch each message with ``BODY.PEEK[]`` (fetching does not mark it), hand it to
``inbound_mail_receive`` and then mark it ``\\Seen`` (or copy it to the processed folder and
delete it). A message whose processing fails stays unseen and is tried again next run; the
others go on. Receiving is idempotent on the Message-ID, so a message processed but not
marked (a crash in between) makes nothing twice.

The IMAP calls used (``imaplib.IMAP4``): ``login``, ``select``, ``uid`` (SEARCH, FETCH,
STORE, COPY), ``expunge``, ``logout``.
"""

from __future__ import annotations

import imaplib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from servicedesk.errors import DomainError

from .models import MailboxLease
from .services import inbound_mail_receive

logger = logging.getLogger(__name__)


@dataclass
class PollResult:
    state: str  # "disabled", "busy" (another run holds the lease) or "done"
    received: int = 0
    failed: int = 0


def connect() -> imaplib.IMAP4:
    host, port = settings.INBOUND_IMAP_HOST, settings.INBOUND_IMAP_PORT
    timeout = 30
    if settings.INBOUND_IMAP_SSL:
        return imaplib.IMAP4_SSL(host, port, timeout=timeout)
    return imaplib.IMAP4(host, port, timeout=timeout)


def mailbox_name() -> str:
    return (
        f"imap://{settings.INBOUND_IMAP_USER}@{settings.INBOUND_IMAP_HOST}:"
        f"{settings.INBOUND_IMAP_PORT}/{settings.INBOUND_IMAP_FOLDER}"
    )[:300]


def lease_take(name: str, holder: str, seconds: int) -> bool:
    """Compare-and-set: the lease is ours if nobody holds it or the holder's time ran out."""
    MailboxLease.objects.get_or_create(mailbox=name)
    now = timezone.now()
    return bool(
        MailboxLease.objects.filter(mailbox=name)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(holder=holder, leased_until=now + timedelta(seconds=seconds))
    )


def lease_release(name: str, holder: str) -> None:
    MailboxLease.objects.filter(mailbox=name, holder=holder).update(leased_until=None)


def mailbox_poll(*, connector: Callable[[], Any] | None = None) -> PollResult:
    if not settings.INBOUND_IMAP_HOST:
        return PollResult("disabled")
    name, holder = mailbox_name(), uuid.uuid4().hex
    if not lease_take(name, holder, settings.INBOUND_IMAP_LEASE_SECONDS):
        return PollResult("busy")
    try:
        return _poll((connector or connect)())
    finally:
        lease_release(name, holder)


def _poll(imap: Any) -> PollResult:
    result = PollResult("done")
    imap.login(settings.INBOUND_IMAP_USER, settings.INBOUND_IMAP_PASSWORD)
    try:
        imap.select(settings.INBOUND_IMAP_FOLDER)
        _typ, data = imap.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[: settings.INBOUND_IMAP_BATCH]
        moved = False
        for uid in uids:
            if _one(imap, uid):
                result.received += 1
                moved = moved or bool(settings.INBOUND_IMAP_PROCESSED_FOLDER)
            else:
                result.failed += 1
        if moved:
            imap.expunge()
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.warning("IMAP logout failed", exc_info=True)
    return result


def _one(imap: Any, uid: bytes) -> bool:
    """Receive one message and mark it; False (left unseen) if that failed."""
    try:
        typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = next((part[1] for part in data or [] if isinstance(part, tuple)), None)
        if typ != "OK" or not isinstance(raw, bytes):
            raise imaplib.IMAP4.error(f"cannot fetch message {uid!r}")
        try:
            inbound_mail_receive(raw, source="imap")
        except DomainError as err:  # unreadable mail: never readable later either
            logger.warning("inbound mail %r not accepted: %s", uid, err.code)
        folder = settings.INBOUND_IMAP_PROCESSED_FOLDER
        if folder:
            imap.uid("COPY", uid, folder)
            imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        else:
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    except Exception:  # one message's failure never stops the rest
        logger.exception("inbound mail %r failed; left unseen for the next run", uid)
        return False
    return True
