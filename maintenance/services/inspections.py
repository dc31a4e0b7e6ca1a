"""Scheduled inspections (定期巡检) of signed maintenance plans: generating the preventive
work orders ahead of each occurrence (a beat task, idempotent), recording an inspection's
checklist results, and raising a corrective order from an issue found in one click.

Plans themselves (drafting, sign-off, closing) are in ``maintenance.services.plans``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, NamedTuple, TypedDict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotFound, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import can_draft, can_engineer

from .. import recurrence as rec
from ..choices import CheckOutcome, PlanStatus, WorkOrderKind
from ..choices import WorkOrderStatus as S
from ..models import InspectionCheck, PlanItem, WorkOrder, WorkOrderEvent, WorkOrderSequence
from ..permissions import work_order_visibility_q
from ..workflow import PREVENTIVE_TRANSITIONS, assert_can_move
from ._common import event, lock, require, save
from .work_orders import work_order_draft

logger = logging.getLogger(__name__)

# A plan item is created at most this many days before its occurrence.
MAX_LEAD_DAYS = 365
# An occurrence missed while beat was down this many days is still created (late); one from
# before the plan was signed never is.
CATCH_UP_DAYS = 3
GENERATE_BATCH = 2000


class CheckResult(TypedDict, total=False):
    """One checklist item's result: ``outcome`` is ``ok`` or ``issue`` (an issue needs a note)."""

    item: str
    outcome: str
    note: str


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
