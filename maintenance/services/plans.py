"""Maintenance plans (产品维护计划 / 用户服务计划) and their scheduled inspections (定期巡检).

A plan is drafted with its items, submitted, and signed off by a service-center manager like a
work order (compare-and-set on status and version; the drafter never signs their own plan; a
deputy signs "for" their manager; a rejection goes back to draft with the reason). Every step
appends a ``PlanEvent``. For signed plans ``inspections_generate`` (a beat task) creates the
preventive work orders ahead of each occurrence, idempotently; an engineer records each
checklist item of an inspection, and an issue found raises a corrective order in one click.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypedDict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, StaleVersion, ValidationFailed
from servicedesk.models import Contract, Product, Team, User
from tickets.permissions import is_staff_user

from .. import recurrence as rec
from ..choices import CheckOutcome, PlanStatus, WorkOrderKind
from ..choices import WorkOrderStatus as S
from ..models import (
    InspectionCheck,
    MaintenancePlan,
    PlanEvent,
    PlanItem,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderSequence,
)
from ..permissions import (
    can_draft,
    can_engineer,
    can_sign,
    deputised_managers,
    is_manager,
    work_order_visibility_q,
)
from ..workflow import PLAN_TRANSITIONS, PREVENTIVE_TRANSITIONS, assert_can_move
from ._common import event, lock, require, save
from .work_orders import work_order_draft

logger = logging.getLogger(__name__)

PLAN_FIELDS = ("title", "starts_on", "ends_on", "goals", "team")
MAX_LEAD_DAYS = 365
MAX_CHECKLIST = 100
# An occurrence missed while beat was down this many days is still created (late); one from
# before the plan was signed never is.
CATCH_UP_DAYS = 3
GENERATE_BATCH = 2000


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


class CheckResult(TypedDict, total=False):
    """One checklist item's result: ``outcome`` is ``ok`` or ``issue`` (an issue needs a note)."""

    item: str
    outcome: str
    note: str


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


# ---------------------------------------------------------------------------- generation


class _Due(NamedTuple):
    item_id: int
    occurrence: dt.date
    row: tuple[Any, ...]


class _Schedule(NamedTuple):
    recurrence: str
    day: int | None
    month: int | None
    rrule: str


_ROW = (
    "id",
    "title",
    "product_id",
    "recurrence",
    "day",
    "month",
    "rrule",
    "lead_days",
    "checklist",
    "plan_id",
    "plan__title",
    "plan__starts_on",
    "plan__ends_on",
    "plan__team_id",
    "plan__approved_at",
    "plan__approved_by_id",
    "plan__approved_for_id",
)


def inspections_generate(*, today: dt.date | None = None) -> int:
    """Create the preventive work orders that are due; returns how many were created.

    For each item of a signed plan, every occurrence in [today - CATCH_UP_DAYS, today +
    lead_days] that lies in the plan period and not before the sign-off day gets one order:
    already signed (status ``approved``, the plan's signer copied), the plan's team, the
    item's product and checklist, titled "<item> <date>". Idempotent: one order per item
    and occurrence (the ``wo_one_per_plan_occurrence`` constraint); a second run creates
    nothing.

    Locking: the occurrences, the orders that already exist and the new orders' rows are
    worked out without a lock, so a run with nothing new (every run but the first of a
    day) takes none. Then, in one transaction, the year's number sequence row is locked
    (``SELECT ... FOR UPDATE``), the existing orders are read again (a concurrent run may
    have created some), numbers for the rest are taken in one ``UPDATE ... RETURNING`` and
    orders and events are inserted in batches. Two concurrent runs serialise on that row
    and the second finds everything created: no duplicate, no gap in the numbers. A work
    order drafted meanwhile waits for the inserts (about 2 s at 15,000 new orders, see
    docs/PERFORMANCE.md).
    """
    today = today or timezone.localdate()
    due = _due(today)
    if not due:
        return 0
    low, high = min(d.occurrence for d in due), max(d.occurrence for d in due)
    existing = _existing(low, high)
    now = timezone.now()
    pending = {
        (d.item_id, d.occurrence): _preventive(d, now)
        for d in due
        if (d.item_id, d.occurrence) not in existing
    }
    if not pending:
        return 0
    year = timezone.localtime(now).year
    with transaction.atomic():
        _sequence_lock(year)
        existing = _existing(low, high)
        orders = [order for key, order in pending.items() if key not in existing]
        if not orders:
            return 0
        numbers = _numbers_take(year, len(orders))
        for order, number in zip(orders, numbers, strict=True):
            order.number = number
        WorkOrder.objects.bulk_create(
            orders,
            batch_size=GENERATE_BATCH,
            ignore_conflicts=True,  # the constraint is the last word on "one per occurrence"
        )
        created = list(
            WorkOrder.objects.filter(number__in=numbers).values_list(
                "pk", "plan_item__plan_id", "occurrence"
            )
        )
        WorkOrderEvent.objects.bulk_create(
            [
                WorkOrderEvent(
                    work_order_id=pk,
                    actor=None,
                    kind="generated",
                    data={"plan": plan_id, "occurrence": str(occurrence)},
                    created_at=now,
                )
                for pk, plan_id, occurrence in created
            ],
            batch_size=GENERATE_BATCH,
        )
    logger.info("inspections generated: %s (due %s)", len(created), len(due))
    return len(created)


def _existing(low: dt.date, high: dt.date) -> set[tuple[int, dt.date | None]]:
    return set(
        WorkOrder.objects.filter(
            plan_item__isnull=False, occurrence__gte=low, occurrence__lte=high
        ).values_list("plan_item_id", "occurrence")
    )


def _due(today: dt.date) -> list[_Due]:
    earliest = today - dt.timedelta(days=CATCH_UP_DAYS)
    rows = (
        PlanItem.objects.filter(
            plan__status=PlanStatus.APPROVED,
            plan__ends_on__gte=earliest,
            plan__starts_on__lte=today + dt.timedelta(days=MAX_LEAD_DAYS),
        )
        .order_by("id")
        .values_list(*_ROW)
        .iterator(chunk_size=GENERATE_BATCH)
    )
    due: list[_Due] = []
    for row in rows:
        item_id, lead_days = int(row[0]), int(row[7])
        starts_on, ends_on, approved_at = row[11], row[12], row[14]
        signed_on = timezone.localdate(approved_at) if approved_at else today
        low = max(starts_on, signed_on, earliest)
        high = min(ends_on, today + dt.timedelta(days=lead_days))
        if low > high:
            continue
        schedule = _Schedule(row[3], row[4], row[5], row[6])
        try:
            dates = rec.occurrences(schedule, dtstart=starts_on, start=low, end=high)
        except rec.RecurrenceInvalid as exc:  # written around the services (admin, SQL)
            logger.warning("plan item %s has an invalid schedule: %s", item_id, exc)
            continue
        due.extend(_Due(item_id, occurrence, row) for occurrence in dates)
    return due


def _preventive(due: _Due, now: dt.datetime) -> WorkOrder:
    """The order's row without its number (taken later, under the sequence lock)."""
    row = due.row
    title = f"{row[1][:188]} {due.occurrence.isoformat()}"
    return WorkOrder(
        kind=WorkOrderKind.PREVENTIVE,
        status=S.APPROVED,
        title=title,
        description=row[10],
        product_id=row[2],
        team_id=row[13],
        plan_item_id=due.item_id,
        occurrence=due.occurrence,
        checklist=list(row[8] or []),
        approved_by_id=row[15],
        approved_for_id=row[16],
        approved_at=row[14],
        created_at=now,
    )


def _sequence_lock(year: int) -> None:
    WorkOrderSequence.objects.get_or_create(year=year)
    WorkOrderSequence.objects.select_for_update().filter(year=year).get()


def _numbers_take(year: int, count: int) -> list[str]:
    """``count`` consecutive numbers of the year in one statement (the row is locked)."""
    table = connection.ops.quote_name(WorkOrderSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + %s WHERE year = %s RETURNING last",  # noqa: S608
            [count, year],
        )
        last = int(cursor.fetchone()[0])
    return [f"WO-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


# ---------------------------------------------------------------------------- inspections


@transaction.atomic
def inspection_complete(
    order: WorkOrder,
    *,
    actor: User,
    results: Sequence[CheckResult],
    expected_version: int | None = None,
) -> WorkOrder:
    """Record an inspection: one result per checklist item (each item exactly once; results
    for items not on the checklist are recorded as additional findings), then the order is
    done. An ``issue`` needs a note. 400 with errors ``results.<index>.<field>`` or
    ``results`` (items left out); 409 for an order that is not an open inspection."""
    require(actor, can_engineer(actor), _("Only engineers record inspections."))
    order = lock(order, actor, expected_version)
    if order.kind != WorkOrderKind.PREVENTIVE:
        raise Conflict(_("This work order is not an inspection."), code="not_an_inspection")
    assert_can_move(PREVENTIVE_TRANSITIONS, order.status, S.DONE)
    checks = _checks(order, results)
    InspectionCheck.objects.bulk_create(checks)
    order.status = S.DONE
    if order.assignee_id is None:
        order.assignee = actor
    save(order, ["status", "assignee"])
    issues = sum(1 for c in checks if c.outcome == CheckOutcome.ISSUE)
    event(order, actor, "inspected", ok=len(checks) - issues, issues=issues)
    return order


def _checks(order: WorkOrder, results: Sequence[CheckResult]) -> list[InspectionCheck]:
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    checks = []
    for i, result in enumerate(results):
        item = str(result.get("item") or "").strip()
        outcome = str(result.get("outcome") or "")
        note = str(result.get("note") or "").strip()
        if not item or len(item) > 300:
            errors[f"results.{i}.item"] = [_("A checklist item (at most 300 characters).")]
        elif item in seen:
            errors[f"results.{i}.item"] = [_("This item was already recorded.")]
        seen.add(item)
        if outcome not in CheckOutcome.values:
            errors[f"results.{i}.outcome"] = [_("OK or issue found.")]
        elif outcome == CheckOutcome.ISSUE and not note:
            errors[f"results.{i}.note"] = [_("Describe the issue found.")]
        checks.append(InspectionCheck(work_order=order, item=item, outcome=outcome, note=note))
    left_out = [item for item in order.checklist if item not in seen]
    if left_out:
        errors["results"] = [
            _("Record every checklist item; missing: %(items)s") % {"items": "; ".join(left_out)}
        ]
    if errors:
        raise ValidationFailed(_("The inspection has errors."), fields=errors)
    return checks


def inspection_raise_corrective(
    check: InspectionCheck, *, actor: User, title: str = "", severity: str = ""
) -> WorkOrder:
    """One click on an issue found: a corrective work order in draft, with the inspection's
    facts, linked both ways (``raised_from`` on the order, ``raised`` on the check). 409
    ``no_issue`` for an item found OK, ``already_raised`` (naming the order) the second time.
    """
    require(actor, can_draft(actor), _("You may not draft work orders."))
    with transaction.atomic():
        try:
            check = (
                InspectionCheck.objects.select_for_update(of=("self",))
                .select_related("work_order", "raised")
                .filter(work_order__in=WorkOrder.objects.filter(work_order_visibility_q(actor)))
                .get(pk=check.pk)
            )
        except InspectionCheck.DoesNotExist:
            raise NotFound(_("Inspection result not found.")) from None
        if check.outcome != CheckOutcome.ISSUE:
            raise Conflict(_("This item was found OK."), code="no_issue")
        if check.raised is not None:
            raise Conflict(
                _("A work order was already raised for this issue: %(number)s.")
                % {"number": check.raised.number},
                code="already_raised",
                extra={"work_order": check.raised.number},
            )
        inspection = check.work_order
        facts = _("Found in inspection %(number)s on %(date)s: %(item)s") % {
            "number": inspection.number,
            "date": inspection.occurrence.isoformat() if inspection.occurrence else "-",
            "item": check.item,
        }
        order = work_order_draft(
            actor=actor,
            kind=WorkOrderKind.CORRECTIVE,
            title=(title or "").strip() or check.item[:200],
            description="\n\n".join(p for p in (facts, check.note) if p),
            product=inspection.product,
            severity=severity,
        )
        WorkOrder.objects.filter(pk=order.pk).update(raised_from=inspection)
        order.raised_from = inspection
        check.raised = order
        check.save(update_fields=["raised"])
        event(order, actor, "raised_from_inspection", inspection=inspection.number)
        event(inspection, actor, "corrective_raised", work_order=order.number, item=check.item)
        return order


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
    """Whom the actor signs for: None as a manager; the manager when signing as a deputy."""
    _require(actor, can_sign(actor), _("Only a service-center manager (or their deputy) may sign."))
    if plan.drafted_by_id == actor.pk:
        raise NotAllowed(_("You drafted this plan: another manager must sign it."), code="own_plan")
    if is_manager(actor):
        return None
    return User.objects.get(pk=deputised_managers(actor)[0])


def _decide(plan: MaintenancePlan, to_status: str, **fields: Any) -> MaintenancePlan:
    """Compare-and-set from "submitted" at the version read: of two decisions one wins."""
    if plan.status != PlanStatus.SUBMITTED:
        assert_can_move(PLAN_TRANSITIONS, plan.status, to_status)
    count = MaintenancePlan.objects.filter(
        pk=plan.pk, status=PlanStatus.SUBMITTED, version=plan.version
    ).update(status=to_status, version=plan.version + 1, **fields)
    if count != 1:
        raise Conflict(
            _("This plan was decided by someone else in the meantime."), code="already_decided"
        )
    plan.refresh_from_db()
    return plan


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
