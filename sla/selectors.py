"""Reads of SLA data: calendars as objects, escalation levels, a ticket's clocks explained."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.choices import choice_label
from servicedesk.errors import Conflict

from . import calendar as bcal
from .arithmetic import ordinary_day_minutes, parse_pauses  # noqa: F401  (re-exported)
from .models import (
    BusinessCalendar,
    ClockState,
    ContractPolicy,
    EscalationLevel,
    Recipient,
    SlaClock,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
)

_calendars: dict[tuple[int, str], bcal.BusinessCalendar] = {}


def calendar_of(calendar: BusinessCalendar) -> bcal.BusinessCalendar:
    """The calendar object of a row, built once per process and per saved version (every
    save moves ``updated_at``); an unsaved row is built each time."""
    if not (calendar.pk and calendar.updated_at):
        return bcal.BusinessCalendar.from_spec(calendar.spec)
    key = (calendar.pk, calendar.updated_at.isoformat())
    found = _calendars.get(key)
    if found is None:
        if len(_calendars) > 256:
            _calendars.clear()
        found = _calendars[key] = bcal.BusinessCalendar.from_spec(calendar.spec)
    return found


@lru_cache(maxsize=512)
def _levels(version_id: int) -> tuple[EscalationLevel, ...]:
    return tuple(EscalationLevel.objects.filter(version_id=version_id).order_by("level"))


def levels_cache_clear() -> None:
    _levels.cache_clear()


def levels_of(version_id: int) -> tuple[EscalationLevel, ...]:
    """A policy version's escalation levels; versions are immutable, so cached per process."""
    return _levels(version_id)


def remaining_minutes(clock: SlaClock, now: datetime) -> float | None:
    """Business minutes left before the deadline (negative once overdue); None when stopped."""
    if clock.due_at is None or clock.stopped_at is not None:
        return None
    cal = calendar_of(clock.calendar)
    if clock.paused_since is not None:
        pauses = parse_pauses(clock.pauses)
        used = cal.business_minutes_between(clock.started_at, clock.paused_since, pauses)
        return clock.target_minutes - used
    if now <= clock.due_at:
        return cal.business_minutes_between(now, clock.due_at)
    return -cal.business_minutes_between(clock.due_at, now)


def _duration(minutes: float) -> str:
    minutes = round(minutes)
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


EVENT_TEXT = {
    "started": lambda e: (
        _("Started: target %(target)s of business time.")
        % {"target": _duration(e.data.get("target_minutes", 0))}
    ),
    "paused": lambda e: _("Paused while waiting for the customer."),
    "resumed": lambda e: (
        _("Resumed after %(d)s of paused business time.")
        % {"d": _duration(e.data.get("minutes", 0))}
    ),
    "reopened": lambda e: (
        _("Reopened; %(d)s of business time while resolved is not counted.")
        % {"d": _duration(e.data.get("minutes", 0))}
    ),
    "warned": lambda e: _("Warning: %(p)s%% of the target used.") % {"p": e.data.get("percent")},
    "breached": lambda e: _("Breached: the deadline passed."),
    "met": lambda e: _("Met before the deadline."),
    "cancelled": lambda e: _("Stopped: the ticket was cancelled."),
    "stopped": lambda e: (
        _("Stopped: the ticket was cancelled after the deadline had passed.")
        if e.data.get("cancelled")
        else _("Stopped after the deadline had passed.")
    ),
    "escalated": lambda e: (
        _("Escalated to level %(level)s: %(who)s.")
        % {"level": e.data.get("level"), "who": ", ".join(e.data.get("recipients", [])) or "-"}
    ),
    "severity_changed": lambda e: (
        _("Severity changed to %(s)s: deadline recomputed from the start.")
        % {"s": e.data.get("severity")}
    ),
    "policy_reapplied": lambda e: (
        _("Policy version %(v)s re-applied by a manager.") % {"v": e.data.get("version")}
    ),
}


def _escalated_text(data: dict[str, Any]) -> str:
    roles = [
        str(choice_label(Recipient, role)) for role in dict.fromkeys(data.get("recipients", []))
    ]
    if not roles:
        return _("Escalation level %(level)s reached; nobody to notify.") % {
            "level": data.get("level")
        }
    return _("Escalated to level %(level)s: %(who)s notified.") % {
        "level": data.get("level"),
        "who": ", ".join(roles),
    }


def clock_explanation(clock: SlaClock, now: datetime) -> list[dict[str, Any]]:
    """The clock's story: its events, and the closed hours and holidays not counted."""
    items = [
        {"at": e.at, "kind": e.kind, "text": EVENT_TEXT.get(e.kind, lambda e: e.kind)(e)}
        for e in clock.events.all()
    ]
    end = clock.stopped_at or min(clock.due_at or now, now) if clock.due_at else now
    end = max(end, clock.started_at)
    closed_minutes = 0.0
    cal = calendar_of(clock.calendar)
    for start, stop, reason in cal.closed_spans(clock.started_at, end):
        if reason == "holiday":
            items.append(
                {
                    "at": start,
                    "kind": "holiday",
                    "text": _("Holiday %(day)s not counted.")
                    % {
                        "day": timezone.localtime(start, ZoneInfo(clock.calendar.spec["timezone"]))
                        .date()
                        .isoformat()
                    },
                }
            )
        else:
            closed_minutes += (stop - start).total_seconds() / 60
    if closed_minutes:
        items.append(
            {
                "at": clock.started_at,
                "kind": "closed_hours",
                "text": _("%(d)s outside business hours not counted.")
                % {"d": _duration(closed_minutes)},
            }
        )
    if clock.due_at and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        items.append({"at": clock.due_at, "kind": "due", "text": _("Deadline.")})
    items.sort(key=lambda item: item["at"])
    return items


def ticket_clocks(ticket_id: int) -> list[SlaClock]:
    """A ticket's clocks, response first, with what their summaries and explanations need."""
    clocks = SlaClock.objects.filter(ticket_id=ticket_id).select_related(
        "calendar", "policy_version__policy"
    )
    return sorted(clocks.prefetch_related("events"), key=lambda c: c.kind != "response")


def clock_summary(clock: SlaClock, now: datetime, explain: bool = True) -> dict[str, Any]:
    """What a ticket page and API response show of one clock."""
    data: dict[str, Any] = {
        "kind": clock.kind,
        "state": clock.state,
        "state_display": str(ClockState(clock.state).label),
        "policy": f"{clock.policy_version.policy.name} v{clock.policy_version.number}",
        "calendar": clock.calendar.name,
        "target_minutes": clock.target_minutes,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "warn_at": clock.warn_at,
        "remaining_minutes": remaining_minutes(clock, now),
        "paused_minutes": round(clock.paused_minutes, 2),
        "paused_since": clock.paused_since,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
    }
    if explain:
        data["explanation"] = clock_explanation(clock, now)
    return data


def clocks_for_page(ticket_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The clock summaries of a ticket with durations written out, for the HTML pages."""
    now = now or timezone.now()
    out = []
    for clock in ticket_clocks(ticket_id):
        data = clock_summary(clock, now)
        left = data["remaining_minutes"]
        data["remaining_text"] = _duration(left) if left is not None else ""
        data["paused_text"] = _duration(data["paused_minutes"])
        data["target_text"] = _duration(clock.target_minutes)
        out.append(data)
    return out


def calendar_dependents(calendar: BusinessCalendar) -> tuple[list[str], int]:
    """The policies (by name) and the number of clocks that use a calendar."""
    targets = SlaTarget.objects.filter(
        Q(response_calendar=calendar) | Q(resolution_calendar=calendar)
    ).select_related("version__policy")
    policies = sorted({str(t.version.policy) for t in targets})
    return policies, SlaClock.objects.filter(calendar=calendar).count()


def newest_target(contract_id: int | None, severity: str) -> SlaTarget | None:
    """``target_for(current_version_for(contract_id), severity)`` in one query, or None when
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


def target_for(version: SlaPolicyVersion, severity: str) -> SlaTarget:
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
