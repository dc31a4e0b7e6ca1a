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

Warnings (lines before the deadline) are a topic of their own, ``sla.warning``, that each
member of staff chooses like any other (email, in-app, off); breaches stay mandatory. A
recipient who chose in-app or off gets a digest of the breaches only (none when there are
none), and with in-app one in-app entry for the sweep's warnings: still at most one mail
per recipient and sweep.
"""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from operator import attrgetter, itemgetter
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from servicedesk.models import (
    Notification,
    NotificationChannel,
    NotificationPreference,
    OutboxMessage,
    User,
)

from .bulk import insert_rows, update_value
from .models import SlaEscalation
from .selectors import levels_of

TOPIC = "sla.digest"
WARNING_TOPIC = "sla.warning"
DIGEST_ITEMS = 100  # tickets listed in one digest; the totals count them all
# Escalations per transaction: more than one sweep writes (100 batches of 500 clocks, three
# levels each), so one sweep's escalations are one digest per recipient; the cap only bounds
# the memory of a step that finds the backlog of many stopped sweeps.
CHUNK = 200_000


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
    """One line of a digest: a ticket clock at one level. Shared by the recipients of its
    group (``group``: the index of the escalations' level and recipients)."""

    level: int
    breach: bool
    deadline: datetime | None
    number: str
    title: str
    clock: str
    group: int
    order: tuple[int, float]  # the most escalated first, then the oldest deadline


@transaction.atomic
def _notify_chunk(now: datetime, chunk: int) -> DigestResult:
    rows = list(
        SlaEscalation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(notified_at__isnull=True)
        .order_by("pk")
        # the recipients as JSON text: a group key as they are, decoded once per group
        .annotate(emails=Cast("recipients", TextField()), as_roles=Cast("roles", TextField()))
        .values_list(
            "pk",
            "level",
            "due_at",
            "emails",
            "as_roles",
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
    # Escalations of one level told to the same people form a group, whose lines are built
    # once and shared by its recipients: a storm tells the same managers about thousands of
    # clocks. Groups come by ascending level, so a recipient's line of a clock ends at the
    # highest level the clock reached.
    groups: dict[tuple[Any, ...], dict[int, _Entry]] = {}
    sizes: dict[tuple[Any, ...], int] = {}
    rows.sort(key=itemgetter(1))
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
        key = (level, emails, roles)
        lines = groups.get(key)
        if lines is None:
            lines = groups[key] = {}
            sizes[key] = 0
        sizes[key] += 1
        shown = deadline or reached
        lines[clock_id] = _Entry(
            level,
            _is_breach(version, level),
            shown,
            number,
            title,
            kind,
            len(groups) - 1,
            (-level, shown.timestamp()),
        )
    told: dict[str, dict[int, _Entry]] = {}  # recipient -> clock id -> line
    counts: dict[str, int] = {}  # recipient -> escalations
    roles_of: dict[str, dict[int, str]] = {}  # recipient -> group -> role
    for index, (key, lines) in enumerate(groups.items()):
        _level, emails, roles = key
        for email, role in zip_longest(json.loads(emails), json.loads(roles), fillvalue=""):
            if email:
                told.setdefault(email, {}).update(lines)
                counts[email] = counts.get(email, 0) + sizes[key]
                roles_of.setdefault(email, {})[index] = role
    people = _people(list(told))
    messages, entries = [], []
    for email, lines in told.items():
        language, user_id, channel = people.get(email, ("", None, NotificationChannel.EMAIL))
        mailed, escalations = lines, counts[email]
        if channel != NotificationChannel.EMAIL:
            mailed = {pk: e for pk, e in lines.items() if e.breach}
            warnings = len({e.number for e in lines.values() if not e.breach})  # tickets
            escalations = len(mailed)
            if channel == NotificationChannel.IN_APP and warnings and user_id is not None:
                entries.append(_warning_entry(user_id, warnings, language))
        if not mailed:
            continue
        payload = _payload(now, mailed, escalations, roles_of[email])
        if language:
            payload["language"] = language
        messages.append({"topic": TOPIC, "recipient": email, "payload": payload})
    insert_rows(OutboxMessage, messages)
    update_value(SlaEscalation, [row[0] for row in rows], "notified_at", now)
    if entries:
        Notification.objects.bulk_create(entries)
    return DigestResult(escalations=len(rows), digests=len(messages))


def _people(emails: list[str]) -> dict[str, tuple[str, int | None, str]]:
    """Per recipient address: the user's language, id and channel for SLA warnings (one
    query per chunk, whatever the number of recipients)."""
    chosen = NotificationPreference.objects.filter(user=OuterRef("pk"), topic=WARNING_TOPIC).values(
        "channel"
    )[:1]
    people: dict[str, tuple[str, int | None, str]] = {}
    for email, pk, language, channel in (
        User.objects.filter(email__in=emails)
        .annotate(warning_channel=Subquery(chosen))
        .order_by("pk")
        .values_list("email", "pk", "language", "warning_channel")
    ):
        people.setdefault(email, (language, pk, channel or NotificationChannel.EMAIL))
    return people


def _warning_entry(user_id: int, warnings: int, language: str) -> Notification:
    """The in-app entry of one sweep's warnings, in the recipient's language."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import ngettext

    with translation.override(language or settings.LANGUAGE_CODE):
        subject = ngettext(
            "SLA warning: %(count)d ticket nears its deadline",
            "SLA warning: %(count)d tickets near their deadline",
            warnings,
        ) % {"count": warnings}
    return Notification(
        user_id=user_id,
        topic=WARNING_TOPIC,
        subject=subject[:300],
        url=f"{reverse('staff:queue')}?breaching_within=4",
    )


def _is_breach(version_id: int, level: int) -> bool:
    """Whether a level of a policy version is at or past the deadline (100 % or more)."""
    for candidate in levels_of(version_id):
        if candidate.level == level:
            return (candidate.after_percent or 0) >= 100
    return False


def _payload(
    now: datetime, lines: dict[int, _Entry], escalations: int, roles: dict[int, str]
) -> dict[str, Any]:
    listed = heapq.nsmallest(DIGEST_ITEMS, lines.values(), key=attrgetter("order"))
    return {
        "at": now.isoformat(),
        "total": len(lines),
        "breaches": sum(1 for e in lines.values() if e.breach),
        "escalations": escalations,
        "items": [
            {
                "ticket": e.number,
                "title": e.title,
                "clock": e.clock,
                "level": e.level,
                "breach": e.breach,
                "due_at": e.deadline.isoformat() if e.deadline else None,
                "role": roles.get(e.group, ""),
            }
            for e in listed
        ],
    }
