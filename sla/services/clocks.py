"""The clocks tickets start, pause, resume, stop and retarget.

Tickets call these functions from their own services, inside their transaction, and copy
the returned ``Deadlines`` onto the ticket: sla never writes ticket fields. Each clock
change recomputes ``due_at``, ``warn_at`` and ``next_check_at`` from the clock's calendar,
start, target and pauses, and appends a ``SlaClockEvent``.

Locks: callers hold the ticket row lock; clock rows are then locked in ``kind`` order. The
sweep (``sla.sweep``) locks clock rows with SKIP LOCKED and never locks tickets, so the two
cannot deadlock.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from servicedesk.models import User

from .. import calendar as bcal
from ..arithmetic import Deadlines, deadlines, parse_pauses, target_minutes
from ..models import (
    ClockKind,
    ClockState,
    EscalationLevel,
    SlaClock,
    SlaClockEvent,
    SlaPolicyVersion,
    SlaTarget,
)
from ..selectors import (
    calendar_of,
    levels_cache_clear,
    levels_of,
    newest_target,
    target_for,
)
from .policies import current_version_for

# Which target a new ticket gets, per (contract, severity), for a few seconds per process:
# intake is the hottest write path and the answer changes only when a manager edits a policy,
# a calendar or a contract's policy. Those saves clear this process's cache at once (signals
# in apps.py); other processes see the change within PLAN_CACHE_SECONDS.
PLAN_CACHE_SECONDS = 10.0


_plan_cache: dict[tuple[int | None, str], tuple[float, SlaTarget]] = {}


def plan_cache_clear(**_kwargs: Any) -> None:
    _plan_cache.clear()
    levels_cache_clear()


def _intake_target(contract_id: int | None, severity: str) -> SlaTarget:
    key = (contract_id, severity)
    now = time.monotonic()
    hit = _plan_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    target = newest_target(contract_id, severity)
    if target is None:  # first use (no default policy yet), or a policy without targets
        target = target_for(current_version_for(contract_id), severity)
    _plan_cache[key] = (now + PLAN_CACHE_SECONDS, target)
    return target


def _apply_target(clock: SlaClock, target: SlaTarget) -> None:
    calendar = getattr(target, f"{clock.kind}_calendar")
    clock.calendar = calendar
    clock.target_minutes = target_minutes(
        getattr(target, f"{clock.kind}_value"), getattr(target, f"{clock.kind}_unit"), calendar.spec
    )
    clock.warn_percent = target.warn_percent
    clock.policy_version = target.version  # read with the target: events and responses use it
    clock.severity = target.severity


def level_times(clock: SlaClock) -> list[tuple[EscalationLevel, datetime]]:
    """Each escalation level of the clock's policy with the instant it is reached.

    A level at the warning threshold is reached at ``warn_at`` and one at 100 % at
    ``due_at``, as stored (``schedule`` computes them first); only the other shares of the
    target cost a calendar computation. The sweep calls this for every due clock.
    """
    out = []
    cal: bcal.BusinessCalendar | None = None
    pauses: list[tuple[datetime, datetime]] = []
    for level in levels_of(clock.policy_version_id):
        percent = clock.warn_percent if level.after_percent is None else level.after_percent
        if percent == clock.warn_percent and clock.warn_at is not None:
            at = clock.warn_at
        elif percent == 100 and clock.due_at is not None:
            at = clock.due_at
        else:
            if cal is None:
                cal, pauses = calendar_of(clock.calendar), parse_pauses(clock.pauses)
            minutes = clock.target_minutes * percent / 100
            at = cal.add_business_minutes(clock.started_at, minutes, pauses)
        out.append((level, at))
    return out


def schedule(clock: SlaClock) -> None:
    """Recompute due, warn and the next pending check of a clock from its own data."""
    if clock.stopped_at is not None or clock.paused_since is not None:
        clock.next_check_at = None
        return
    cal = calendar_of(clock.calendar)
    pauses = parse_pauses(clock.pauses)
    clock.due_at = cal.add_business_minutes(clock.started_at, clock.target_minutes, pauses)
    clock.warn_at = cal.add_business_minutes(
        clock.started_at, clock.target_minutes * clock.warn_percent / 100, pauses
    )
    clock.next_check_at = next_check(clock, level_times(clock))


def next_check(clock: SlaClock, times: list[tuple[EscalationLevel, datetime]]) -> datetime | None:
    """The earliest of the clock's pending warning, breach and escalation levels (``times``
    from ``level_times``); None when nothing is pending or the clock does not run."""
    if clock.stopped_at is not None or clock.paused_since is not None:
        return None
    pending = [t for lv, t in times if lv.level > clock.escalated_level]
    if clock.warned_at is None and clock.warn_at is not None:
        pending.append(clock.warn_at)
    if clock.breached_at is None and clock.due_at is not None:
        pending.append(clock.due_at)
    return min(pending) if pending else None


def _event(clock: SlaClock, kind: str, at: datetime, actor: User | None, **data: Any):
    return SlaClockEvent(clock=clock, kind=kind, at=at, actor=actor, data=data)


def clocks_plan(
    *, contract_id: int | None, severity: str, at: datetime
) -> tuple[list[SlaClock], Deadlines]:
    """The response and resolution clocks of a ticket raised at ``at``, not yet saved: the
    ticket is created with their deadlines, then ``clocks_save`` stores them."""
    target = _intake_target(contract_id, severity)
    clocks = []
    for kind in (ClockKind.RESPONSE, ClockKind.RESOLUTION):
        clock = SlaClock(kind=kind, started_at=at)
        _apply_target(clock, target)
        schedule(clock)
        clocks.append(clock)
    return clocks, deadlines(clocks)


def clocks_save(ticket_id: int, clocks: list[SlaClock], *, actor: User | None = None) -> None:
    for clock in clocks:
        clock.ticket_id = ticket_id
    SlaClock.objects.bulk_create(clocks)
    events = [
        _event(
            c,
            "started",
            c.started_at,
            actor,
            target_minutes=c.target_minutes,
            version=c.policy_version.number,
        )
        for c in clocks
    ]
    SlaClockEvent.objects.bulk_create(events)
    for clock, started in zip(clocks, events, strict=True):
        # What a response about the new ticket shows, without reading it back.
        clock._prefetched_objects_cache = {"events": [started]}  # type: ignore[attr-defined]


def _locked(ticket_id: int) -> list[SlaClock]:
    return list(
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("calendar", "policy_version")
        .filter(ticket_id=ticket_id)
        .order_by("kind")
    )


def _close_interval(clock: SlaClock, since: datetime, until: datetime) -> float:
    """Take ``[since, until)`` out of the clock's business time; the minutes it held."""
    minutes = calendar_of(clock.calendar).business_minutes_between(since, until)
    clock.pauses = [*clock.pauses, [since.isoformat(), until.isoformat()]]
    clock.paused_minutes += minutes
    return minutes


def elapsed_minutes(clock: SlaClock, at: datetime) -> float:
    """Business minutes the clock ran from its start to ``at``, its pauses taken out."""
    ran = calendar_of(clock.calendar).business_minutes_between(clock.started_at, at)
    return max(0.0, ran - clock.paused_minutes)


def _running_state(clock: SlaClock) -> str:
    return ClockState.BREACHED if clock.breached_at else ClockState.RUNNING


def _resume(clock: SlaClock, at: datetime, actor: User | None) -> SlaClockEvent | None:
    if clock.paused_since is None:
        return None
    since = clock.paused_since
    minutes = _close_interval(clock, since, at)
    clock.paused_since = None
    if clock.stopped_at is None:
        clock.state = _running_state(clock)
    return _event(clock, "resumed", at, actor, since=since.isoformat(), minutes=minutes)


def _reopen(clock: SlaClock, at: datetime, actor: User | None) -> SlaClockEvent | None:
    if clock.stopped_at is None:
        return None
    since = clock.stopped_at
    minutes = _close_interval(clock, since, at)
    clock.stopped_at = clock.met_at = clock.elapsed_minutes = None
    clock.state = _running_state(clock)
    return _event(clock, "reopened", at, actor, since=since.isoformat(), minutes=minutes)


def _pause(clock: SlaClock, at: datetime, actor: User | None, reason: str) -> SlaClockEvent | None:
    if clock.stopped_at is not None or clock.paused_since is not None:
        return None
    clock.paused_since = at
    if clock.state == ClockState.RUNNING:
        clock.state = ClockState.PAUSED
    return _event(clock, "paused", at, actor, reason=reason)


def _stop(
    clock: SlaClock, at: datetime, actor: User | None, cancelled: bool
) -> SlaClockEvent | None:
    if clock.stopped_at is not None:
        return None
    if clock.paused_since is not None:
        _close_interval(clock, clock.paused_since, at)
        clock.paused_since = None
        schedule(clock)  # the deadline as it stands after the pause, to judge met or breached
    clock.stopped_at = at
    clock.elapsed_minutes = elapsed_minutes(clock, at)
    # One "breached" event per breach, whoever notices it first: the sweep, a retarget, or
    # this stop. A clock breached already gets a "stopped" event (its timeline showed
    # "Breached" twice when the sweep had marked it before the ticket was resolved).
    already_breached = clock.breached_at is not None
    if not already_breached and clock.due_at is not None and at > clock.due_at:
        clock.breached_at = clock.due_at
    if clock.breached_at is not None:
        clock.state = ClockState.BREACHED
    elif cancelled:
        clock.state = ClockState.CANCELLED
    else:
        clock.state, clock.met_at = ClockState.MET, at
    if already_breached:
        return _event(clock, "stopped", at, actor, cancelled=cancelled)
    return _event(clock, clock.state, at, actor)


def clocks_update(
    ticket_id: int,
    *,
    at: datetime,
    actor: User | None,
    resume: bool = False,
    reopen: tuple[str, ...] = (),
    pause: tuple[str, ...] = (),
    stop: tuple[str, ...] = (),
    cancel: bool = False,
    reason: str = "",
) -> Deadlines:
    """Apply what happened to a ticket to its clocks, in this order: a pause ends
    (``resume``), stopped clocks of the kinds in ``reopen`` run again (the stopped time is
    not counted), clocks of the kinds in ``pause`` pause (waiting for the customer), clocks
    of the kinds in ``stop`` stop (met, or breached if late); ``cancel`` stops every clock.
    One lock, one save per clock; each change is a clock event."""
    clocks, events = _locked(ticket_id), []
    for clock in clocks:
        before = (clock.state, clock.paused_since, clock.stopped_at)
        steps = [
            _resume(clock, at, actor) if resume else None,
            _reopen(clock, at, actor) if clock.kind in reopen else None,
            _pause(clock, at, actor, reason) if clock.kind in pause else None,
            _stop(clock, at, actor, cancel) if (clock.kind in stop or cancel) else None,
        ]
        events += [e for e in steps if e is not None]
        if (clock.state, clock.paused_since, clock.stopped_at) != before:
            schedule(clock)
            clock.save()
    SlaClockEvent.objects.bulk_create(events)
    return deadlines(clocks)


def clocks_retarget(
    ticket_id: int,
    *,
    severity: str,
    at: datetime,
    actor: User | None,
    version: SlaPolicyVersion | None = None,
    reason: str = "severity_changed",
) -> Deadlines:
    """New severity (or a policy version re-applied): recompute from the start, keeping pauses.

    A breach the new target undoes is cleared (its escalation rows stay, as history).
    """
    clocks, events = _locked(ticket_id), []
    if not clocks:
        return deadlines(clocks)
    target = target_for(version or clocks[0].policy_version, severity)
    for clock in clocks:
        old_due = clock.due_at
        _apply_target(clock, target)
        clock.paused_since, paused = None, clock.paused_since
        clock.stopped_at, stopped = None, clock.stopped_at
        schedule(clock)
        clock.paused_since, clock.stopped_at = paused, stopped
        assert clock.due_at is not None
        end = stopped or at
        was_breached = clock.breached_at is not None
        clock.breached_at = clock.due_at if end > clock.due_at else None
        clock.warned_at = clock.warned_at if clock.warn_at and end >= clock.warn_at else None
        if stopped is not None:
            clock.met_at = None if clock.breached_at else stopped
            clock.state = ClockState.BREACHED if clock.breached_at else ClockState.MET
        elif paused is None:
            clock.state = _running_state(clock)
        schedule(clock)
        events.append(
            _event(
                clock,
                reason,
                at,
                actor,
                severity=severity,
                version=target.version.number,
                old_due=old_due.isoformat() if old_due else None,
                new_due=clock.due_at.isoformat(),
            )
        )
        if clock.breached_at is not None and not was_breached:
            events.append(_event(clock, "breached", at, actor))  # the new target is passed
    for clock in clocks:
        clock.save()
    SlaClockEvent.objects.bulk_create(events)
    return deadlines(clocks)
