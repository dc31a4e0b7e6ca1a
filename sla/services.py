"""Every state change of SLA data: policies, and the clocks tickets start, pause and stop.

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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_manager

from . import calendar as bcal
from .models import (
    BusinessCalendar,
    ClockKind,
    ClockState,
    ContractPolicy,
    EscalationLevel,
    SlaClock,
    SlaClockEvent,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    TargetUnit,
)
from .selectors import (
    calendar_of,
    levels_cache_clear,
    levels_of,
    ordinary_day_minutes,
    parse_pauses,
)

DEFAULT_POLICY_NAME = "Default"
CALENDAR_24X7 = "24x7"
CALENDAR_STANDARD = "Standard (Mon-Fri 9-18, China)"

# DESIGN.md: response 2 h for every level on 24x7; resolution L1 2 h and L2 4 h on 24x7,
# L3 3 and L4 7 business days on the standard calendar.
DEFAULT_TARGETS: dict[str, dict[str, Any]] = {
    "L1": {"resolution": (2, TargetUnit.HOURS, CALENDAR_24X7)},
    "L2": {"resolution": (4, TargetUnit.HOURS, CALENDAR_24X7)},
    "L3": {"resolution": (3, TargetUnit.BUSINESS_DAYS, CALENDAR_STANDARD)},
    "L4": {"resolution": (7, TargetUnit.BUSINESS_DAYS, CALENDAR_STANDARD)},
}
DEFAULT_LEVELS: list[dict[str, Any]] = [
    {"level": 1, "after_percent": None, "notify": ["assignee", "team_lead"]},
    {"level": 2, "after_percent": 100, "notify": ["manager"]},
    {"level": 3, "after_percent": 200, "notify": ["manager", "contract_owner"]},
]


@dataclass(frozen=True)
class Deadlines:
    """What a ticket keeps of its clocks: the two deadlines and the next running one."""

    response_due_at: datetime | None
    resolution_due_at: datetime | None
    next_due_at: datetime | None


# --- policies -----------------------------------------------------------------------------


@transaction.atomic
def policy_ensure_default() -> SlaPolicy:
    """The default policy of DESIGN.md, created with its two calendars on first use."""
    policy = SlaPolicy.objects.filter(is_default=True).first()
    if policy is not None:
        return policy
    calendars = {
        CALENDAR_24X7: BusinessCalendar.objects.get_or_create(
            name=CALENDAR_24X7, defaults={"spec": bcal.TWENTY_FOUR_SEVEN_SPEC}
        )[0],
        CALENDAR_STANDARD: BusinessCalendar.objects.get_or_create(
            name=CALENDAR_STANDARD, defaults={"spec": bcal.STANDARD_SPEC}
        )[0],
    }
    policy, _created = SlaPolicy.objects.get_or_create(
        name=DEFAULT_POLICY_NAME, defaults={"is_default": True}
    )
    if not policy.is_default:
        policy.is_default = True
        policy.save(update_fields=["is_default"])
    targets = []
    for severity, spec in DEFAULT_TARGETS.items():
        value, unit, cal = spec["resolution"]
        targets.append(
            {
                "severity": severity,
                "response_value": 2,
                "response_unit": TargetUnit.HOURS,
                "response_calendar": calendars[CALENDAR_24X7].pk,
                "resolution_value": value,
                "resolution_unit": unit,
                "resolution_calendar": calendars[cal].pk,
                "warn_percent": 75,
            }
        )
    if not policy.versions.exists():
        policy_version_create(
            policy,
            actor=None,
            targets=targets,
            levels=DEFAULT_LEVELS,
            note="DESIGN.md defaults",
        )
    return policy


def _validate_targets(targets: list[dict[str, Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen = set()
    for i, target in enumerate(targets):
        sev = target.get("severity")
        if sev not in ("L1", "L2", "L3", "L4"):
            errors[f"targets[{i}].severity"] = [_("Unknown severity.")]
        elif sev in seen:
            errors[f"targets[{i}].severity"] = [_("Given twice.")]
        seen.add(sev)
        for which in ("response", "resolution"):
            value = target.get(f"{which}_value")
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                errors[f"targets[{i}].{which}_value"] = [_("A whole number above zero.")]
            if target.get(f"{which}_unit") not in TargetUnit.values:
                errors[f"targets[{i}].{which}_unit"] = [_("Unknown unit.")]
        warn = target.get("warn_percent", 75)
        if not isinstance(warn, int) or not 1 <= warn <= 99:
            errors[f"targets[{i}].warn_percent"] = [_("A whole number from 1 to 99.")]
    missing = {"L1", "L2", "L3", "L4"} - seen
    if missing:
        errors["targets"] = [
            _("Targets are missing for: %(levels)s.") % {"levels": ", ".join(sorted(missing))}
        ]
    return errors


def _validate_levels(levels: list[dict[str, Any]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    numbers = set()
    for i, level in enumerate(levels):
        number = level.get("level")
        if not isinstance(number, int) or number < 1 or number in numbers:
            errors[f"escalation_levels[{i}].level"] = [_("A unique whole number from 1.")]
        numbers.add(number)
        after = level.get("after_percent")
        if after is not None and (not isinstance(after, int) or after < 1):
            errors[f"escalation_levels[{i}].after_percent"] = [
                _("A whole number above zero, or empty for the warning threshold.")
            ]
        notify = level.get("notify")
        allowed = {"assignee", "team_lead", "manager", "contract_owner"}
        if not isinstance(notify, list) or not notify or not set(notify) <= allowed:
            errors[f"escalation_levels[{i}].notify"] = [
                _("A list of: %(allowed)s.") % {"allowed": ", ".join(sorted(allowed))}
            ]
    return errors


@transaction.atomic
def policy_version_create(
    policy: SlaPolicy,
    *,
    actor: User | None,
    targets: list[dict[str, Any]],
    levels: list[dict[str, Any]],
    note: str = "",
) -> SlaPolicyVersion:
    """A new immutable version of ``policy``: new tickets use it, existing ones keep theirs.

    ``targets`` items: severity, response_value/unit/calendar (a calendar id),
    resolution_value/unit/calendar, warn_percent. ``levels`` items: level, after_percent
    (null = at the warning threshold), notify (roles).
    """
    if actor is not None and not is_manager(actor):
        raise NotAllowed(_("Only managers may change SLA policies."))
    errors = _validate_targets(targets) | _validate_levels(levels)
    calendar_ids = {
        value
        for t in targets
        for w in ("response", "resolution")
        if isinstance(value := t.get(f"{w}_calendar"), int)
    }
    known = set(BusinessCalendar.objects.filter(pk__in=calendar_ids).values_list("pk", flat=True))
    for i, target in enumerate(targets):
        for which in ("response", "resolution"):
            if target.get(f"{which}_calendar") not in known:
                errors[f"targets[{i}].{which}_calendar"] = [_("Unknown calendar.")]
    if errors:
        raise ValidationFailed(_("The SLA policy has errors."), fields=errors)
    locked = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = SlaPolicyVersion.objects.create(
        policy=locked, number=last + 1, note=note, created_by=actor
    )
    SlaTarget.objects.bulk_create(
        SlaTarget(
            version=version,
            severity=t["severity"],
            response_value=t["response_value"],
            response_unit=t["response_unit"],
            response_calendar_id=t["response_calendar"],
            resolution_value=t["resolution_value"],
            resolution_unit=t["resolution_unit"],
            resolution_calendar_id=t["resolution_calendar"],
            warn_percent=t.get("warn_percent", 75),
        )
        for t in targets
    )
    EscalationLevel.objects.bulk_create(
        EscalationLevel(
            version=version,
            level=lv["level"],
            after_percent=lv.get("after_percent"),
            notify=lv["notify"],
        )
        for lv in levels
    )
    return version


def current_version_for(contract_id: int | None) -> SlaPolicyVersion:
    """The newest version of the contract's policy, or of the default policy."""
    policy_id = None
    if contract_id is not None:
        policy_id = (
            ContractPolicy.objects.filter(contract_id=contract_id)
            .values_list("policy_id", flat=True)
            .first()
        )
    if policy_id is None:
        policy_id = policy_ensure_default().pk
    version = SlaPolicyVersion.objects.filter(policy_id=policy_id).order_by("-number").first()
    if version is None:
        raise Conflict(_("The SLA policy has no targets yet."), code="sla_policy_empty")
    return version


# --- calendars ----------------------------------------------------------------------------


def calendar_validate(spec: Any) -> dict[str, Any]:
    """The canonical spec, or a ValidationFailed naming the field."""
    if not isinstance(spec, dict):
        raise ValidationFailed(
            _("A calendar is a JSON object."), fields={"spec": [_("Not an object.")]}
        )
    try:
        return bcal.BusinessCalendar.from_spec(spec).to_spec()
    except bcal.CalendarSpecError as exc:
        raise ValidationFailed(
            _("The calendar has errors."),
            code="calendar_invalid",
            fields={f"spec.{exc.field}" if exc.field else "spec": [str(exc.message)]},
        ) from None


@transaction.atomic
def calendar_save(
    *, actor: User, name: str, spec: Any, description: str = "", calendar=None
) -> BusinessCalendar:
    """Create or replace a calendar. Running clocks keep the deadlines already computed."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may change business calendars."))
    canonical = calendar_validate(spec)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), fields={"name": [_("Required.")]})
    clash = BusinessCalendar.objects.filter(name=name)
    if calendar is not None:
        clash = clash.exclude(pk=calendar.pk)
    if clash.exists():
        raise ValidationFailed(
            _("A calendar with this name exists."), fields={"name": [_("Already used.")]}
        )
    if calendar is None:
        return BusinessCalendar.objects.create(name=name, spec=canonical, description=description)
    calendar.name, calendar.spec, calendar.description = name, canonical, description
    calendar.save()
    return calendar


def calendar_dependents(calendar: BusinessCalendar) -> tuple[list[str], int]:
    """The policies (by name) and the number of clocks that use a calendar."""
    targets = SlaTarget.objects.filter(
        Q(response_calendar=calendar) | Q(resolution_calendar=calendar)
    ).select_related("version__policy")
    policies = sorted({str(t.version.policy) for t in targets})
    return policies, SlaClock.objects.filter(calendar=calendar).count()


@transaction.atomic
def calendar_delete(calendar: BusinessCalendar, *, actor: User) -> None:
    """Delete an unused calendar; one in use is a 409 naming what uses it."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may change business calendars."))
    policies, clocks = calendar_dependents(calendar)
    if policies or clocks:
        raise Conflict(
            _("This calendar is in use by %(policies)s and %(clocks)d clocks.")
            % {"policies": ", ".join(policies) or "-", "clocks": clocks},
            code="calendar_in_use",
            extra={"policies": policies, "clocks": clocks},
        )
    calendar.delete()


# --- clocks -------------------------------------------------------------------------------


def _minutes(value: int, unit: str, calendar: BusinessCalendar) -> int:
    if unit == TargetUnit.MINUTES:
        return value
    if unit == TargetUnit.HOURS:
        return value * 60
    return value * ordinary_day_minutes(calendar.spec)


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
    target = _newest_target(contract_id, severity)
    if target is None:  # first use (no default policy yet), or a policy without targets
        target = _target_for(current_version_for(contract_id), severity)
    _plan_cache[key] = (now + PLAN_CACHE_SECONDS, target)
    return target


def _newest_target(contract_id: int | None, severity: str) -> SlaTarget | None:
    """``_target_for(current_version_for(contract_id), severity)`` in one query, or None when
    that path has something to create or to report (``policy_ensure_default``, Conflict)."""
    default = SlaPolicy.objects.filter(is_default=True).values("pk")[:1]
    policy: Any = Subquery(default)
    if contract_id is not None:
        chosen = ContractPolicy.objects.filter(contract_id=contract_id).values("policy_id")[:1]
        policy = Coalesce(Subquery(chosen), policy)
    newest = SlaPolicyVersion.objects.filter(policy_id=policy).order_by("-number").values("pk")[:1]
    return (
        SlaTarget.objects.select_related(
            "response_calendar", "resolution_calendar", "version__policy"
        )
        .filter(version_id=Subquery(newest), severity=severity)
        .first()
    )


def _target_for(version: SlaPolicyVersion, severity: str) -> SlaTarget:
    target = (
        SlaTarget.objects.select_related(
            "response_calendar", "resolution_calendar", "version__policy"
        )
        .filter(version=version, severity=severity)
        .first()
    )
    if target is None:
        raise Conflict(
            _("The SLA policy has no target for %(severity)s.") % {"severity": severity},
            code="sla_target_missing",
        )
    return target


def _apply_target(clock: SlaClock, target: SlaTarget) -> None:
    calendar = getattr(target, f"{clock.kind}_calendar")
    clock.calendar = calendar
    clock.target_minutes = _minutes(
        getattr(target, f"{clock.kind}_value"), getattr(target, f"{clock.kind}_unit"), calendar
    )
    clock.warn_percent = target.warn_percent
    clock.policy_version = target.version  # read with the target: events and responses use it
    clock.severity = target.severity


def level_times(clock: SlaClock) -> list[tuple[EscalationLevel, datetime]]:
    """Each escalation level of the clock's policy with the instant it is reached."""
    cal = calendar_of(clock.calendar)
    pauses = parse_pauses(clock.pauses)
    out = []
    for level in levels_of(clock.policy_version_id):
        percent = clock.warn_percent if level.after_percent is None else level.after_percent
        minutes = clock.target_minutes * percent / 100
        out.append((level, cal.add_business_minutes(clock.started_at, minutes, pauses)))
    return out


def reached(percent_is_breach: bool, at: datetime, now: datetime) -> bool:
    """A warning is reached at its instant; a breach only strictly after the deadline."""
    return now > at if percent_is_breach else now >= at


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
    pending = []
    if clock.warned_at is None:
        pending.append(clock.warn_at)
    if clock.breached_at is None:
        pending.append(clock.due_at)
    pending += [t for lv, t in level_times(clock) if lv.level > clock.escalated_level]
    clock.next_check_at = min(pending) if pending else None


def _event(clock: SlaClock, kind: str, at: datetime, actor: User | None, **data: Any):
    return SlaClockEvent(clock=clock, kind=kind, at=at, actor=actor, data=data)


def deadlines(clocks: list[SlaClock]) -> Deadlines:
    by_kind = {c.kind: c for c in clocks}
    running = [c.due_at for c in clocks if c.state == ClockState.RUNNING and c.due_at]
    response, resolution = by_kind.get(ClockKind.RESPONSE), by_kind.get(ClockKind.RESOLUTION)
    return Deadlines(
        response_due_at=response.due_at if response else None,
        resolution_due_at=resolution.due_at if resolution else None,
        next_due_at=min(running) if running else None,
    )


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
    clock.stopped_at = clock.met_at = None
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
    target = _target_for(version or clocks[0].policy_version, severity)
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
