"""The sweep's digest step: what one staff member gets from one sweep is one message.

The sweep's batches write the escalation rows (with their recipients) and no mail. This
step then claims every escalation not yet notified (``FOR UPDATE SKIP LOCKED``, on the
partial index of the unnotified ones), groups them by recipient, writes one ``sla.digest``
outbox row per recipient and marks the escalations notified, all in one transaction: either
every escalation it claimed is told to all its recipients and marked, or nothing is. A
sweep stopped before this step leaves its escalations unnotified; the next sweep's digest
step tells them. Two sweeps at once claim disjoint escalations, so each is told once.

The digest lists the tickets, the most escalated and the oldest deadline first, up to
``DIGEST_ITEMS``, with the totals; one line per ticket clock (two levels of one clock reached
in one sweep are one line, at the higher level).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from typing import Any

from django.db import transaction
from django.utils import timezone

from servicedesk.models import OutboxMessage, User

from .bulk import insert_rows
from .models import SlaEscalation
from .selectors import levels_of

TOPIC = "sla.digest"
DIGEST_ITEMS = 100  # tickets listed in one digest; the totals count them all
# Escalations per transaction: more than one sweep writes (100 batches of 500 clocks, three
# levels each), so one sweep's escalations are one digest per recipient; the cap only bounds
# the memory of a step that finds the backlog of many stopped sweeps.
CHUNK = 200_000
MARK_CHUNK = 10_000  # ids per UPDATE (SQLite's limit of bound parameters)


@dataclass
class DigestResult:
    escalations: int = 0
    digests: int = 0


def escalations_notify(*, now: datetime | None = None, chunk: int = CHUNK) -> DigestResult:
    """Tell every escalation not yet notified to its recipients, one digest per recipient
    per transaction of up to ``chunk`` escalations."""
    total = DigestResult()
    while True:
        part = _notify_chunk(now or timezone.now(), chunk)
        total.escalations += part.escalations
        total.digests += part.digests
        if part.escalations < chunk:
            return total


@dataclass
class _Entry:
    """One line of a digest: a ticket clock at the highest level this recipient is told."""

    level: int
    breach: bool
    deadline: datetime | None
    reached: datetime
    number: str
    title: str
    clock: str
    role: str

    def key(self) -> tuple[int, float]:
        """Sort order: the most escalated first, then the oldest deadline."""
        return (-self.level, (self.deadline or self.reached).timestamp())


@transaction.atomic
def _notify_chunk(now: datetime, chunk: int) -> DigestResult:
    rows = list(
        SlaEscalation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(notified_at__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "level",
            "due_at",
            "recipients",
            "roles",
            "clock_id",
            "clock__kind",
            "clock__due_at",
            "clock__policy_version_id",
            "clock__ticket__number",
            "clock__ticket__title",
        )[:chunk]
    )
    if not rows:
        return DigestResult()
    # recipient -> clock id -> its line; recipient -> escalations told
    lines: dict[str, dict[int, _Entry]] = {}
    counts: dict[str, int] = {}
    for (
        _pk,
        level,
        reached,
        emails,
        roles,
        clock_id,
        kind,
        deadline,
        version,
        number,
        title,
    ) in rows:
        breach = _is_breach(version, level)
        for email, role in zip_longest(emails, roles, fillvalue=""):
            if not email:
                continue
            counts[email] = counts.get(email, 0) + 1
            mine = lines.setdefault(email, {})
            line = mine.get(clock_id)
            if line is None or level > line.level:
                mine[clock_id] = _Entry(
                    level, breach, deadline, reached, number, title, kind, role or ""
                )
    languages = dict(
        User.objects.filter(email__in=list(lines))
        .exclude(language="")
        .values_list("email", "language")
    )
    messages = []
    for email, mine in lines.items():
        payload = _payload(now, list(mine.values()), counts[email])
        if email in languages:
            payload["language"] = languages[email]
        messages.append({"topic": TOPIC, "recipient": email, "payload": payload})
    insert_rows(OutboxMessage, messages)
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), MARK_CHUNK):
        SlaEscalation.objects.filter(pk__in=ids[start : start + MARK_CHUNK]).update(notified_at=now)
    return DigestResult(escalations=len(rows), digests=len(messages))


def _is_breach(version_id: int, level: int) -> bool:
    """Whether a level of a policy version is at or past the deadline (100 % or more)."""
    for candidate in levels_of(version_id):
        if candidate.level == level:
            return (candidate.after_percent or 0) >= 100
    return False


def _payload(now: datetime, entries: list[_Entry], escalations: int) -> dict[str, Any]:
    listed = heapq.nsmallest(DIGEST_ITEMS, entries, key=_Entry.key)
    return {
        "at": now.isoformat(),
        "total": len(entries),
        "breaches": sum(1 for e in entries if e.breach),
        "escalations": escalations,
        "items": [
            {
                "ticket": e.number,
                "title": e.title,
                "clock": e.clock,
                "level": e.level,
                "breach": e.breach,
                "due_at": e.deadline.isoformat() if e.deadline else None,
                "role": e.role,
            }
            for e in listed
        ],
    }
