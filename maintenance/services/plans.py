"""Maintenance plans (产品维护计划 / 用户服务计划): drafting, sign-off and closing.

A plan is drafted with its items, submitted, and signed off by a service-center manager like a
work order (compare-and-set on status and version; the drafter never signs their own plan; a
deputy signs "for" their manager; a rejection goes back to draft with the reason). Every step
appends a ``PlanEvent``. The scheduled inspections of signed plans (generation, results,
corrective orders) are in ``maintenance.services.inspections``; their public names are
importable from here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, StaleVersion, ValidationFailed
from servicedesk.models import Contract, Product, Team, User
from servicedesk.permissions import can_draft, is_staff_user

from .. import recurrence as rec
from ..choices import PlanStatus
from ..models import MaintenancePlan, PlanEvent, PlanItem
from ..permissions import can_sign, work_order_visibility_q
from ..workflow import PLAN_TRANSITIONS, assert_can_move
from . import signoff
from .inspections import (
    CATCH_UP_DAYS,
    MAX_LEAD_DAYS,
    CheckResult,
    inspection_complete,
    inspection_raise_corrective,
    inspections_generate,
)

__all__ = [
    "CATCH_UP_DAYS",
    "MAX_CHECKLIST",
    "MAX_LEAD_DAYS",
    "PLAN_FIELDS",
    "CheckResult",
    "PlanItemInput",
    "inspection_complete",
    "inspection_raise_corrective",
    "inspections_generate",
    "plan_approve",
    "plan_close",
    "plan_draft",
    "plan_reject",
    "plan_submit",
    "plan_update",
]

PLAN_FIELDS = ("title", "starts_on", "ends_on", "goals", "team")
MAX_CHECKLIST = 100


class PlanItemInput(TypedDict, total=False):
    """One scheduled inspection as the API or a form gives it (see ``maintenance.recurrence``
    for what ``recurrence``, ``day``, ``month`` and ``rrule`` mean)."""

    title: str
    product: Product | None
    recurrence: str
    day: int | None
    month: int | None
    rrule: str
    lead_days: int
    checklist: list[str]


# ---------------------------------------------------------------------------- drafting


@transaction.atomic
def plan_draft(
    *,
    actor: User,
    contract: Contract,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    goals: str = "",
    team: Team | None = None,
    items: Sequence[PlanItemInput] = (),
) -> MaintenancePlan:
    """Draft a plan for a contract with its scheduled inspections.

    400 (``ValidationFailed``) with errors by field: ``title``, ``ends_on`` (a period that ends
    before it starts), and per item ``items.<index>.<field>`` (e.g. ``items.0.rrule`` for a
    rule that never falls inside the period, ``items.1.product`` for a product the contract
    does not cover).
    """
    _require(actor, can_draft(actor), _("You may not draft maintenance plans."))
    plan = MaintenancePlan(
        contract=contract,
        title=(title or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        goals=(goals or "").strip(),
        team=team,
        drafted_by=actor,
    )
    built = _validated(plan, items)
    plan.save()
    _items_save(plan, built)
    _plan_event(plan, actor, "drafted", items=len(built))
    return plan


@transaction.atomic
def plan_update(
    plan: MaintenancePlan,
    *,
    actor: User,
    changes: Mapping[str, Any] | None = None,
    items: Sequence[PlanItemInput] | None = None,
    expected_version: int | None = None,
) -> MaintenancePlan:
    """Change a draft plan: ``changes`` may hold ``title``, ``starts_on``, ``ends_on``,
    ``goals``, ``team``; ``items``, when given, replaces all items (``None`` keeps them, and
    they are checked again against a changed period). Only drafts: 409 ``plan_not_draft``
    once submitted (the signer reads what was submitted) or signed. A stale
    ``expected_version`` is a 409."""
    _require(actor, can_draft(actor), _("You may not change maintenance plans."))
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(PLAN_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here."),
            fields={name: [_("Not editable.")] for name in unknown},
        )
    plan = _lock(plan, actor, expected_version)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(
            _("Only a draft plan can be edited."),
            code="plan_not_draft",
            extra={"status": plan.status},
        )
    for name in ("title", "goals"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    changed = [name for name in PLAN_FIELDS if name in changes and _differs(plan, name, changes)]
    if not changed and items is None:
        return plan
    for name in changed:
        setattr(plan, name, changes[name])
    if items is None:
        # kept, but checked again against the (maybe changed) period
        built = _validated(plan, [_as_input(item) for item in plan.items.order_by("id")])
    else:
        built = _validated(plan, items)
    plan.version += 1
    plan.save(update_fields=[*changed, "version"])
    if items is not None:
        plan.items.all().delete()  # a draft was never signed: it has no inspections yet
        _items_save(plan, built)
    _plan_event(
        plan, actor, "updated", fields=changed, items=len(built) if items is not None else None
    )
    return plan


@transaction.atomic
def plan_submit(
    plan: MaintenancePlan, *, actor: User, expected_version: int | None = None
) -> MaintenancePlan:
    """Send a draft for sign-off; it needs at least one scheduled inspection."""
    _require(actor, can_draft(actor), _("You may not submit maintenance plans."))
    plan = _lock(plan, actor, expected_version)
    assert_can_move(PLAN_TRANSITIONS, plan.status, PlanStatus.SUBMITTED)
    if not plan.items.exists():
        raise ValidationFailed(
            _("A plan needs at least one scheduled inspection."),
            fields={"items": [_("Add a scheduled inspection.")]},
        )
    plan.status, plan.rejection_reason = PlanStatus.SUBMITTED, ""
    plan.version += 1
    plan.save(update_fields=["status", "rejection_reason", "version"])
    _plan_event(plan, actor, "submitted")
    return plan


# ---------------------------------------------------------------------------- sign-off


def plan_approve(
    plan: MaintenancePlan, *, actor: User, comment: str = "", expected_version: int | None = None
) -> MaintenancePlan:
    """签发: a manager, or their deputy (recorded "for" the manager), signs the plan off;
    its inspections are generated from then on. 403 for other roles and for the drafter
    (``own_plan``); 409 ``already_decided`` when another decision came first."""
    with transaction.atomic():
        current = _read(plan, actor, expected_version)
        signing_for = _signing_for(current, actor)
        current = _decide(
            current,
            PlanStatus.APPROVED,
            approved_by=actor,
            approved_for=signing_for,
            approved_at=timezone.now(),
        )
        _plan_event(
            current,
            actor,
            "approved",
            comment=(comment or "").strip(),
            signed_for=signing_for.username if signing_for else None,
        )
        return current


def plan_reject(
    plan: MaintenancePlan, *, actor: User, reason: str, expected_version: int | None = None
) -> MaintenancePlan:
    """驳回: back to draft with the reason (required), for the drafter to fix and resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the plan is rejected."), fields={"reason": [_("Required.")]}
        )
    with transaction.atomic():
        current = _read(plan, actor, expected_version)
        signing_for = _signing_for(current, actor)
        current = _decide(current, PlanStatus.DRAFT, rejection_reason=reason)
        _plan_event(
            current,
            actor,
            "rejected",
            reason=reason,
            signed_for=signing_for.username if signing_for else None,
        )
        return current


@transaction.atomic
def plan_close(
    plan: MaintenancePlan, *, actor: User, reason: str = "", expected_version: int | None = None
) -> MaintenancePlan:
    """Stop a signed plan: no more inspections are generated. Inspections already created
    stay open (cancel them one by one if they are no longer wanted)."""
    _require(actor, can_sign(actor), _("Only a service-center manager may close plans."))
    plan = _lock(plan, actor, expected_version)
    assert_can_move(PLAN_TRANSITIONS, plan.status, PlanStatus.CLOSED)
    plan.status = PlanStatus.CLOSED
    plan.version += 1
    plan.save(update_fields=["status", "version"])
    _plan_event(plan, actor, "closed", reason=(reason or "").strip())
    return plan


# ---------------------------------------------------------------------------- helpers


def _require(actor: User, allowed: bool, message: str) -> None:
    """403 for staff without the role; 404 for customers (they never see plans)."""
    if allowed:
        return
    if not is_staff_user(actor):
        raise NotFound(_("Maintenance plan not found."))
    raise NotAllowed(message)


def _visible(actor: User):
    return MaintenancePlan.objects.filter(work_order_visibility_q(actor))


def _lock(plan: MaintenancePlan, actor: User, expected_version: int | None) -> MaintenancePlan:
    try:
        locked = _visible(actor).select_for_update().get(pk=plan.pk)
    except MaintenancePlan.DoesNotExist:
        raise NotFound(_("Maintenance plan not found.")) from None
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersion(
            _("This plan was changed by someone else. Reload it and try again."),
            extra={"current_version": locked.version},
        )
    return locked


def _read(plan: MaintenancePlan, actor: User, expected_version: int | None) -> MaintenancePlan:
    """The plan as it is now, without a lock (decisions are compare-and-set)."""
    try:
        current = _visible(actor).get(pk=plan.pk)
    except MaintenancePlan.DoesNotExist:
        raise NotFound(_("Maintenance plan not found.")) from None
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleVersion(
            _("This plan was changed by someone else. Reload it and try again."),
            extra={"current_version": current.version},
        )
    return current


def _signing_for(plan: MaintenancePlan, actor: User) -> User | None:
    return signoff.signing_for(
        plan,
        actor,
        require=_require,
        own_message=_("You drafted this plan: another manager must sign it."),
        own_code="own_plan",
    )


def _decide(plan: MaintenancePlan, to_status: str, **fields: Any) -> MaintenancePlan:
    return signoff.decide(
        plan,
        PLAN_TRANSITIONS,
        to_status,
        conflict=_("This plan was decided by someone else in the meantime."),
        **fields,
    )


def _plan_event(plan: MaintenancePlan, actor: User | None, kind: str, **data: Any) -> PlanEvent:
    return PlanEvent.objects.create(plan=plan, actor=actor, kind=kind, data=data)


def _differs(plan: MaintenancePlan, name: str, changes: Mapping[str, Any]) -> bool:
    return getattr(plan, name) != changes[name]


def _as_input(item: PlanItem) -> PlanItemInput:
    return PlanItemInput(
        title=item.title,
        product=item.product,
        recurrence=item.recurrence,
        day=item.day,
        month=item.month,
        rrule=item.rrule,
        lead_days=item.lead_days,
        checklist=list(item.checklist or []),
    )


def _validated(plan: MaintenancePlan, items: Sequence[PlanItemInput]) -> list[PlanItem]:
    """The plan's and its items' errors together (400), or the unsaved items."""
    errors: dict[str, list[str]] = {}
    if not plan.title:
        errors["title"] = [_("A title is required.")]
    elif len(plan.title) > 200:
        errors["title"] = [_("At most 200 characters.")]
    period_ok = isinstance(plan.starts_on, dt.date) and isinstance(plan.ends_on, dt.date)
    if not period_ok:
        errors["starts_on" if not isinstance(plan.starts_on, dt.date) else "ends_on"] = [
            _("A date is required.")
        ]
    elif plan.ends_on < plan.starts_on:  # the database's check constraint, as a 400
        errors["ends_on"] = [_("The period ends before it starts.")]
    if plan.team is not None and not isinstance(plan.team, Team):
        errors["team"] = [_("Unknown service group.")]
    products = set(plan.contract.products.values_list("pk", flat=True))
    built = []
    for i, data in enumerate(items):
        item, item_errors = _item(data, products, plan if "ends_on" not in errors else None)
        errors.update({f"items.{i}.{name}": messages for name, messages in item_errors.items()})
        built.append(item)
    if errors:
        raise ValidationFailed(_("The plan has errors."), fields=errors)
    return built


def _item(
    data: PlanItemInput, products: set[int], plan: MaintenancePlan | None
) -> tuple[PlanItem, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        errors["title"] = [_("A title is required (at most 200 characters).")]
    product = data.get("product")
    if product is not None and product.pk not in products:
        errors["product"] = [_("The contract does not cover this product.")]
    lead_days = data.get("lead_days", 7)
    lead_ok = isinstance(lead_days, int) and not isinstance(lead_days, bool)
    if not lead_ok or not 0 <= lead_days <= MAX_LEAD_DAYS:
        errors["lead_days"] = [_("0 to %(max)s days.") % {"max": MAX_LEAD_DAYS}]
    checklist = data.get("checklist") or []
    entries = [str(e).strip() for e in checklist] if isinstance(checklist, list) else []
    if (
        not isinstance(checklist, list)
        or len(entries) > MAX_CHECKLIST
        or any(not e or len(e) > 300 for e in entries)
        or len(set(entries)) != len(entries)
    ):
        errors["checklist"] = [
            _("A list of up to %(n)s different items of at most 300 characters.")
            % {"n": MAX_CHECKLIST}
        ]
    kind = str(data.get("recurrence") or "")
    # Only the fields of the chosen kind are kept (an RRULE left over in a form is dropped).
    item = PlanItem(
        title=title,
        product=product,
        recurrence=kind,
        day=data.get("day") if kind != rec.RRULE_KIND else None,
        month=data.get("month") if kind in (rec.QUARTERLY_KIND, rec.YEARLY_KIND) else None,
        rrule=str(data.get("rrule") or "").strip() if kind == rec.RRULE_KIND else "",
        lead_days=lead_days if lead_ok else 7,
        checklist=entries,
    )
    if plan is not None:
        errors.update(rec.validate(item, starts_on=plan.starts_on, ends_on=plan.ends_on))
    return item, errors


def _items_save(plan: MaintenancePlan, items: list[PlanItem]) -> None:
    for item in items:
        item.plan = plan
    PlanItem.objects.bulk_create(items)
