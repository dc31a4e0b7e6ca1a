"""The SLA sweep: find the clocks whose time has come, warn, breach and escalate them.

Run by beat every ``SLA_SWEEP_SECONDS``. It reads the partial index on ``next_check_at``
(only clocks with something pending are in it), so its cost grows with what is due, not
with what is open. Each batch is one transaction: the clock rows are claimed with
``FOR UPDATE SKIP LOCKED`` (two sweeps at once share the work instead of doubling it), and
the escalation rows carry a unique constraint per clock and level, so a sweep killed half
way, a broker restarted empty or a beat stopped for a while delays an escalation, never
loses or repeats one. The batches write no mail: after them the digest step
(``sla.digest``) tells each recipient everything escalated to them in one message, and marks
the escalations notified in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from servicedesk.choices import Role
from servicedesk.models import User

from .bulk import insert_rows, set_based, update_rows
from .digest import escalations_notify
from .models import (
    BusinessCalendar,
    ClockState,
    EscalationLevel,
    SlaClock,
    SlaClockEvent,
    SlaEscalation,
)
from .services import level_times, next_check, reached

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    digests: int = 0
    batches: int = 0

    def add(self, other: SweepResult) -> None:
        for name in ("clocks", "warnings", "breaches", "escalations"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.batches += 1


def sla_sweep(
    *, now: datetime | None = None, batch: int = BATCH, max_batches: int = 100
) -> SweepResult:
    """Process every clock due at ``now`` (default: the current time), batch by batch, then
    send the digests of every escalation not yet notified."""
    result = clocks_sweep(now=now, batch=batch, max_batches=max_batches)
    result.digests = escalations_notify().digests
    return result


def clocks_sweep(
    *, now: datetime | None = None, batch: int = BATCH, max_batches: int = 100
) -> SweepResult:
    """The batches alone: warnings, breaches and escalation rows, no notification.

    Each batch claims from where the last one stopped (``next_check_at`` at or after the
    last claimed): the index entries of the clocks already swept stay in the index until
    vacuum, and starting every claim from the oldest would read them all again, batch after
    batch. A clock skipped because another transaction held it is left to the next sweep.
    """
    total = SweepResult()
    after: datetime | None = None
    for _i in range(max_batches):
        result, after = _sweep_batch(now or timezone.now(), batch, after)
        if not result.clocks:
            break
        total.add(result)
        if result.clocks < batch:
            break
    return total


CLOCK_FIELDS = [
    "warned_at",
    "breached_at",
    "state",
    "escalated_level",
    "next_check_at",
    "updated_at",
]


@transaction.atomic
def _sweep_batch(
    now: datetime, batch: int, after: datetime | None
) -> tuple[SweepResult, datetime | None]:
    """One transaction with a fixed number of statements whatever the batch holds: the
    claim, the manager addresses (once), one INSERT each for the escalations and the clock
    events, and one UPDATE of the clocks.

    ``due_at`` and ``warn_at`` are read as stored (decision 20: a calendar edited since does
    not move them silently); only the levels at other shares of the target are computed.
    """
    result = SweepResult()
    _commit_without_waiting()
    # The recipients' addresses come as annotations, not as five related instances per
    # clock (building them cost more than the rest of the batch's Python).
    clocks = list(
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .annotate(
            assignee_email=F("ticket__assignee__email"),
            lead_email=F("ticket__team__lead__email"),
            owner_email=F("ticket__contract__owner__email"),
        )
        .filter(next_check_at__lte=now, **({"next_check_at__gte": after} if after else {}))
        .order_by("next_check_at")[:batch]
    )
    if not clocks:
        return result, after
    last = clocks[-1].next_check_at
    calendars = BusinessCalendar.objects.in_bulk({clock.calendar_id for clock in clocks})
    for clock in clocks:
        clock.calendar = calendars[clock.calendar_id]
    managers: list[str] | None = None
    stamp = timezone.now()
    # Per clock, in order: its events and the escalation levels it reached. A level's event
    # is kept only if its row is new (see _insert_escalations).
    timeline: list[dict[str, Any] | _Reached] = []
    reached_levels: list[_Reached] = []
    for clock in clocks:
        result.clocks += 1
        if clock.warned_at is None and clock.warn_at and now >= clock.warn_at:
            clock.warned_at = now
            result.warnings += 1
            timeline.append(_event(clock, "warned", now, {"percent": clock.warn_percent}))
        if clock.breached_at is None and clock.due_at and now > clock.due_at:
            clock.breached_at = clock.due_at
            clock.state = ClockState.BREACHED
            result.breaches += 1
            timeline.append(_event(clock, "breached", now, {}))
        times = level_times(clock)
        for level, at in times:
            if level.level <= clock.escalated_level:
                continue
            if not reached(level.after_percent is not None and level.after_percent >= 100, at, now):
                break
            if managers is None and "manager" in level.notify:
                managers = _manager_emails()
            item = _Reached(clock, level, at, _recipients(clock, level, managers or []))
            reached_levels.append(item)
            timeline.append(item)
            clock.escalated_level = level.level
        clock.next_check_at = next_check(clock, times)
        clock.updated_at = stamp
    new = _insert_escalations(reached_levels, now)
    events: list[dict[str, Any]] = []
    for entry in timeline:
        if isinstance(entry, dict):
            events.append(entry)
            continue
        if (entry.clock.pk, entry.level.level) not in new:
            logger.info("escalation %s/%s exists already", entry.clock.pk, entry.level.level)
            continue
        result.escalations += 1
        roles = list(dict.fromkeys(role for role, _email in entry.recipients))
        events.append(
            _event(entry.clock, "escalated", now, {"level": entry.level.level, "recipients": roles})
        )
    update_rows(SlaClock, clocks, CLOCK_FIELDS)
    insert_rows(SlaClockEvent, events)
    return result, last


def _commit_without_waiting() -> None:
    """Let this batch's commit return before its WAL is flushed (PostgreSQL's asynchronous
    commit, for this transaction only). A server crash can then lose the last batches: their
    clocks are still due and the next sweep redoes them. Nobody has been told of them yet:
    the digest step, the only one that writes mail, commits synchronously, and its flush
    covers every commit written before it, so a digest is never durable without the
    escalations it tells."""
    if set_based():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@dataclass
class _Reached:
    """An escalation level a clock reached in this batch, with its recipients."""

    clock: SlaClock
    level: EscalationLevel
    at: datetime
    recipients: list[tuple[str, str]]


def _event(clock: SlaClock, kind: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"clock_id": clock.pk, "kind": kind, "at": at, "data": data}


def _insert_escalations(items: list[_Reached], now: datetime) -> set[tuple[int, int]]:
    """Write the escalation rows in one statement; the (clock, level) pairs that are new.

    ``ON CONFLICT DO NOTHING`` on the unique constraint is the last guard: a level written
    before (by a sweep that claimed the clock before this one) is neither written nor
    notified again.
    """
    rows = [
        {
            "clock_id": item.clock.pk,
            "level": item.level.level,
            "due_at": item.at,
            "recipients": [email for _role, email in item.recipients],
            "roles": [role for role, _email in item.recipients],
            "created_at": now,
        }
        for item in items
    ]
    if not set_based():
        return _insert_escalations_one_by_one(rows)
    new = insert_rows(
        SlaEscalation, rows, "ON CONFLICT (clock_id, level) DO NOTHING RETURNING clock_id, level"
    )
    return {(clock_id, level) for clock_id, level in new}


def _insert_escalations_one_by_one(rows: list[dict[str, Any]]) -> set[tuple[int, int]]:
    new = set()
    for row in rows:
        try:
            with transaction.atomic():  # a savepoint: the unique constraint is the guard
                SlaEscalation.objects.create(**row)
        except IntegrityError:
            continue
        new.add((row["clock_id"], row["level"]))
    return new


def _manager_emails() -> list[str]:
    return list(
        User.objects.filter(role=Role.MANAGER, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _recipients(clock: Any, level: EscalationLevel, managers: list[str]) -> list[tuple[str, str]]:
    """(role, email) pairs for the level, without duplicates and empty addresses."""
    found: list[tuple[str, str]] = []
    for role in level.notify:
        if role == "assignee":
            found.append((role, clock.assignee_email))
        elif role == "team_lead":
            found.append((role, clock.lead_email))
        elif role == "manager":
            found += [(role, email) for email in managers]
        elif role == "contract_owner":
            found.append((role, clock.owner_email))
    seen: set[str] = set()
    unique = []
    for role, email in found:
        if email and email not in seen:
            seen.add(email)
            unique.append((role, email))
    return unique
