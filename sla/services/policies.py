"""SLA policies: the default policy of DESIGN.md, new policies and their immutable
versions, and which version a contract's tickets get."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_manager

from .. import calendar as bcal
from ..arithmetic import target_minutes
from ..models import (
    BusinessCalendar,
    ContractPolicy,
    EscalationLevel,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    TargetUnit,
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


# Bounds of what a policy may say (the API schema states them): a target of at most a year of
# business time, an escalation at most at 1000% of it, at most 10 escalation levels.
MAX_TARGET_MINUTES = 366 * 24 * 60
MAX_TARGET_VALUE = {
    TargetUnit.MINUTES: MAX_TARGET_MINUTES,
    TargetUnit.HOURS: 366 * 24,
    TargetUnit.BUSINESS_DAYS: 366,
}
MAX_AFTER_PERCENT = 1000
MAX_LEVEL = 10


def _reachable(calendar: BusinessCalendar, minutes: int) -> bool:
    """Whether a clock started now on ``calendar`` gets a deadline for ``minutes``: what a
    ticket would compute at intake, checked when the policy is saved instead."""
    try:
        cal = bcal.BusinessCalendar.from_spec(calendar.spec)
        cal.add_business_minutes(timezone.now(), minutes)
    except (bcal.CalendarSpecError, ValueError, OverflowError):
        return False
    return True


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
            unit = target.get(f"{which}_unit")
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                errors[f"targets[{i}].{which}_value"] = [_("A whole number above zero.")]
            elif unit in MAX_TARGET_VALUE and value > MAX_TARGET_VALUE[unit]:
                errors[f"targets[{i}].{which}_value"] = [
                    _("At most %(max)d %(unit)s (a year).")
                    % {"max": MAX_TARGET_VALUE[unit], "unit": TargetUnit(unit).label}
                ]
            if unit not in TargetUnit.values:
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
        if not isinstance(number, int) or not 1 <= number <= MAX_LEVEL or number in numbers:
            errors[f"escalation_levels[{i}].level"] = [
                _("A unique whole number from 1 to %(max)d.") % {"max": MAX_LEVEL}
            ]
        numbers.add(number)
        after = level.get("after_percent")
        if after is not None and (
            not isinstance(after, int) or not 1 <= after <= MAX_AFTER_PERCENT
        ):
            errors[f"escalation_levels[{i}].after_percent"] = [
                _("A whole number from 1 to %(max)d, or empty for the warning threshold.")
                % {"max": MAX_AFTER_PERCENT}
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
    known = {c.pk: c for c in BusinessCalendar.objects.filter(pk__in=calendar_ids)}
    for i, target in enumerate(targets):
        for which in ("response", "resolution"):
            calendar = known.get(target.get(f"{which}_calendar"))  # type: ignore[arg-type]
            if calendar is None:
                errors[f"targets[{i}].{which}_calendar"] = [_("Unknown calendar.")]
            elif f"targets[{i}].{which}_value" not in errors and not errors.get(
                f"targets[{i}].{which}_unit"
            ):
                minutes = target_minutes(
                    target[f"{which}_value"], target[f"{which}_unit"], calendar.spec
                )
                if not _reachable(calendar, minutes):
                    errors[f"targets[{i}].{which}_value"] = [
                        _("This calendar cannot reach the target within a few years.")
                    ]
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


@transaction.atomic
def policy_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    targets: list[dict[str, Any]],
    levels: list[dict[str, Any]],
    note: str = "",
) -> SlaPolicy:
    """A new policy with its first version (``policy_version_create``). The permission is
    checked first: someone who may not change policies learns nothing, not even which
    names are taken."""
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may change SLA policies."))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("A name is required."), fields={"name": [_("Required.")]})
    if SlaPolicy.objects.filter(name=name).exists():
        raise ValidationFailed(
            _("A policy with this name exists."), fields={"name": [_("Already used.")]}
        )
    policy = SlaPolicy.objects.create(name=name, description=(description or "")[:300])
    policy_version_create(policy, actor=actor, targets=targets, levels=levels, note=note)
    return policy
