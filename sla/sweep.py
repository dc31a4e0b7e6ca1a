"""The SLA sweep: find the clocks whose time has come, warn, breach and escalate them.

Run by beat every ``SLA_SWEEP_SECONDS``. It reads the partial index on ``next_check_at``
(only clocks with something pending are in it), so its cost grows with what is due, not
with what is open. Each batch is one transaction: the clock rows are claimed with
``FOR UPDATE SKIP LOCKED`` (two sweeps at once share the work instead of doubling it), and
the escalation rows carry a unique constraint per clock and level, so a sweep killed half
way, a broker restarted empty or a beat stopped for a while delays an escalation, never
loses or repeats one. The notifications are outbox rows written in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicedesk.choices import Role
from servicedesk.models import User
from servicedesk.services import outbox_enqueue

from .models import ClockState, EscalationLevel, SlaClock, SlaClockEvent, SlaEscalation
from .services import level_times, reached, schedule

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    clocks: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    notifications: int = 0
    batches: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        for name in ("clocks", "warnings", "breaches", "escalations", "notifications"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.batches += 1


def sla_sweep(
    *, now: datetime | None = None, batch: int = BATCH, max_batches: int = 100
) -> SweepResult:
    """Process every clock due at ``now`` (default: the current time), batch by batch."""
    total = SweepResult()
    for _i in range(max_batches):
        result = _sweep_batch(now or timezone.now(), batch)
        if not result.clocks:
            break
        total.add(result)
        if result.clocks < batch:
            break
    return total


@transaction.atomic
def _sweep_batch(now: datetime, batch: int) -> SweepResult:
    result = SweepResult()
    clocks = list(
        SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "calendar",
            "ticket__assignee",
            "ticket__team__lead",
            "ticket__contract__owner",
        )
        .filter(next_check_at__lte=now)
        .order_by("next_check_at")[:batch]
    )
    if not clocks:
        return result
    managers: list[str] | None = None
    events: list[SlaClockEvent] = []
    for clock in clocks:
        result.clocks += 1
        if clock.warned_at is None and clock.warn_at and now >= clock.warn_at:
            clock.warned_at = now
            result.warnings += 1
            events.append(
                SlaClockEvent(
                    clock=clock, kind="warned", at=now, data={"percent": clock.warn_percent}
                )
            )
        if clock.breached_at is None and clock.due_at and now > clock.due_at:
            clock.breached_at = clock.due_at
            clock.state = ClockState.BREACHED
            result.breaches += 1
            events.append(SlaClockEvent(clock=clock, kind="breached", at=now))
        for level, at in level_times(clock):
            if level.level <= clock.escalated_level:
                continue
            if not reached(level.after_percent is not None and level.after_percent >= 100, at, now):
                break
            if managers is None and "manager" in _all_roles(level):
                managers = _manager_emails()
            sent = _escalate(clock, level, at, now, managers or [], events)
            result.escalations += 1 if sent is not None else 0
            result.notifications += sent or 0
            clock.escalated_level = level.level
        schedule(clock)
        clock.save(
            update_fields=[
                "warned_at",
                "breached_at",
                "state",
                "escalated_level",
                "next_check_at",
                "due_at",
                "warn_at",
                "updated_at",
            ]
        )
    SlaClockEvent.objects.bulk_create(events)
    return result


def _all_roles(level: EscalationLevel) -> list[str]:
    return list(level.notify)


def _manager_emails() -> list[str]:
    return list(
        User.objects.filter(role=Role.MANAGER, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _recipients(
    clock: SlaClock, level: EscalationLevel, managers: list[str]
) -> list[tuple[str, str]]:
    """(role, email) pairs for the level, without duplicates and empty addresses."""
    ticket = clock.ticket
    found: list[tuple[str, str]] = []
    for role in level.notify:
        if role == "assignee" and ticket.assignee:
            found.append((role, ticket.assignee.email))
        elif role == "team_lead" and ticket.team and ticket.team.lead:
            found.append((role, ticket.team.lead.email))
        elif role == "manager":
            found += [(role, email) for email in managers]
        elif role == "contract_owner" and ticket.contract and ticket.contract.owner:
            found.append((role, ticket.contract.owner.email))
    seen: set[str] = set()
    unique = []
    for role, email in found:
        if email and email not in seen:
            seen.add(email)
            unique.append((role, email))
    return unique


def _escalate(
    clock: SlaClock,
    level: EscalationLevel,
    at: datetime,
    now: datetime,
    managers: list[str],
    events: list[SlaClockEvent],
) -> int | None:
    """Write the level's escalation row and its notifications once; None if already there."""
    recipients = _recipients(clock, level, managers)
    try:
        with transaction.atomic():  # a savepoint: the unique constraint is the last guard
            SlaEscalation.objects.create(
                clock=clock,
                level=level.level,
                due_at=at,
                created_at=now,
                recipients=[email for _role, email in recipients],
            )
    except IntegrityError:
        logger.info("escalation %s/%s exists already", clock.pk, level.level)
        return None
    topic = "sla.breach" if (level.after_percent or 0) >= 100 else "sla.warning"
    payload: dict[str, Any] = {
        "ticket": clock.ticket.number,
        "title": clock.ticket.title,
        "clock": clock.kind,
        "level": level.level,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "reached_at": at.isoformat(),
        "percent": clock.warn_percent if level.after_percent is None else level.after_percent,
    }
    for role, email in recipients:
        outbox_enqueue(topic=topic, recipient=email, payload={**payload, "role": role})
    events.append(
        SlaClockEvent(
            clock=clock,
            kind="escalated",
            at=now,
            data={"level": level.level, "recipients": [role for role, _email in recipients]},
        )
    )
    return len(recipients)
