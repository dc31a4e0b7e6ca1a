"""Work orders: drafting from tickets, manager sign-off, analysis, fix, test, delivery.

Every function locks the order, checks the declared transition table and the role rules,
writes, and records an audit event, in one transaction. Delivery tells the linked tickets'
customers through the tickets' own services (maintenance never changes ticket state itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from releases.services import patch_notices_schedule
from servicedesk.errors import Conflict, NotFound, ValidationFailed
from servicedesk.models import ProductVersion, User
from servicedesk.permissions import can_draft, can_engineer, can_test
from servicedesk.text import one_line
from tickets import services as ticket_services
from tickets.choices import OPEN_STATUSES, TicketKind, TicketStatus
from tickets.models import Ticket

from ..choices import RootCause, TestResult, WorkOrderKind
from ..choices import WorkOrderStatus as S
from ..emails import notify_approval_needed, notify_decided
from ..models import FaultLogEntry, WorkOrder, WorkOrderTicket
from ..workflow import WORK_ORDER_TRANSITIONS, assert_can_move, cancellable
from . import signoff
from ._common import event, lock, next_number, require, save

REPORT_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "code", "pre", "h3", "h4", "table"}
REPORT_TAGS |= {"thead", "tbody", "tr", "th", "td", "blockquote", "a"}


def _visible_ticket(ticket: Ticket, actor: User) -> Ticket:
    try:
        return Ticket.objects.visible_to(actor).get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None


@transaction.atomic
def work_order_draft(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    tickets: Sequence[Ticket] = (),
    product=None,
    severity: str = "",
) -> WorkOrder:
    """Draft a work order, from tickets (their facts copied, each linked) or internally."""
    require(actor, can_draft(actor), _("You may not draft work orders."))
    errors: dict[str, list[str]] = {}
    if kind not in (WorkOrderKind.CORRECTIVE, WorkOrderKind.PERFECTIVE):
        errors["kind"] = [_("Corrective or perfective (inspections come from plans).")]
    if not (title or "").strip():
        errors["title"] = [_("A title is required.")]
    if severity and severity not in ("L1", "L2", "L3", "L4"):
        errors["severity"] = [_("Unknown severity.")]
    if errors:
        raise ValidationFailed(_("The work order has errors."), fields=errors)
    linked = [_visible_ticket(t, actor) for t in tickets]
    first = linked[0] if linked else None
    if first is not None and not description:
        description = _facts(first)
    now = timezone.now()
    order = WorkOrder.objects.create(
        number=next_number(now),
        kind=kind,
        title=one_line(title),
        description=description,
        product=product or (first.product if first else None),
        severity=severity or (first.severity if first else ""),
        drafted_by=actor,
        created_at=now,
    )
    WorkOrderTicket.objects.bulk_create(
        WorkOrderTicket(work_order=order, ticket=t, created_at=now) for t in linked
    )
    event(order, actor, "drafted", tickets=[t.number for t in linked])
    return order


def _facts(ticket: Ticket) -> str:
    parts = [
        # No severity text here: it would freeze in the drafter's language; the order's own
        # severity field is rendered in the reader's language when shown.
        f"{ticket.number} · {ticket.organization.name}",
        ticket.description,
        _("Impact: %(impact)s") % {"impact": ticket.impact} if ticket.impact else "",
    ]
    return "\n\n".join(p for p in parts if p)


def default_kind_for(ticket: Ticket) -> str:
    return (
        WorkOrderKind.PERFECTIVE
        if ticket.kind == TicketKind.CUSTOMIZATION
        else WorkOrderKind.CORRECTIVE
    )


@transaction.atomic
def work_order_link_ticket(order: WorkOrder, *, actor: User, ticket: Ticket) -> WorkOrder:
    """The same fault reported by another customer: one order covers several tickets."""
    require(actor, can_draft(actor), _("You may not change work orders."))
    order = lock(order, actor)
    if order.status not in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.ANALYSIS, S.FIXING, S.TESTING):
        raise Conflict(_("A finished work order takes no more tickets."), code="work_order_closed")
    ticket = _visible_ticket(ticket, actor)
    _link, created = WorkOrderTicket.objects.get_or_create(work_order=order, ticket=ticket)
    if created:
        event(order, actor, "ticket_linked", ticket=ticket.number)
        save(order, [])
    return order


@transaction.atomic
def work_order_submit(
    order: WorkOrder, *, actor: User, expected_version: int | None = None
) -> WorkOrder:
    require(actor, can_draft(actor), _("You may not submit work orders."))
    order = lock(order, actor, expected_version)
    assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.SUBMITTED)
    order.status, order.submitted_at = S.SUBMITTED, timezone.now()
    order.rejection_reason = ""
    save(order, ["status", "submitted_at", "rejection_reason"])
    event(order, actor, "submitted")
    notify_approval_needed(order, actor)
    return order


def _signing_for(order: WorkOrder, actor: User) -> User | None:
    return signoff.signing_for(
        order,
        actor,
        require=require,
        own_message=_("You drafted this work order: another manager must sign it."),
        own_code="own_work_order",
    )


def _decide(order: WorkOrder, actor: User, to_status: str, **fields: Any) -> WorkOrder:
    return signoff.decide(
        order,
        WORK_ORDER_TRANSITIONS,
        to_status,
        conflict=_("This work order was decided by someone else in the meantime."),
        **fields,
    )


def work_order_approve(
    order: WorkOrder, *, actor: User, comment: str = "", expected_version: int | None = None
) -> WorkOrder:
    """签发: a manager (or their deputy, recorded "for" the manager) signs the order off."""
    with transaction.atomic():
        current = _read(order, actor, expected_version)
        signing_for = _signing_for(current, actor)
        now = timezone.now()
        current = _decide(
            current,
            actor,
            S.APPROVED,
            approved_by=actor,
            approved_for=signing_for,
            approved_at=now,
            updated_at=now,
        )
        event(
            current,
            actor,
            "approved",
            comment=comment.strip(),
            signed_for=signing_for.username if signing_for else None,
        )
        notify_decided(current, actor, approved=True, text=comment.strip())
        return current


def work_order_reject(
    order: WorkOrder, *, actor: User, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """驳回: back to draft with the reason, for the drafter to fix and submit again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the work order is rejected."), fields={"reason": [_("Required.")]}
        )
    with transaction.atomic():
        current = _read(order, actor, expected_version)
        signing_for = _signing_for(current, actor)
        current = _decide(
            current, actor, S.DRAFT, rejection_reason=reason, updated_at=timezone.now()
        )
        event(
            current,
            actor,
            "rejected",
            reason=reason,
            signed_for=signing_for.username if signing_for else None,
        )
        notify_decided(current, actor, approved=False, text=reason)
        return current


def _read(order: WorkOrder, actor: User, expected_version: int | None) -> WorkOrder:
    """The order as it is now, without a lock (decisions are compare-and-set)."""
    from ..permissions import work_order_visibility_q

    try:
        current = WorkOrder.objects.filter(work_order_visibility_q(actor)).get(pk=order.pk)
    except WorkOrder.DoesNotExist:
        raise NotFound(_("Work order not found.")) from None
    if expected_version is not None and int(expected_version) != current.version:
        raise Conflict(
            _("This work order was changed by someone else. Reload it and try again."),
            code="stale_version",
            extra={"current_version": current.version},
        )
    return current


@transaction.atomic
def work_order_start_analysis(order: WorkOrder, *, actor: User) -> WorkOrder:
    require(actor, can_engineer(actor), _("Only engineers analyse work orders."))
    order = lock(order, actor)
    assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.ANALYSIS)
    order.status = S.ANALYSIS
    if order.assignee_id is None:
        order.assignee = actor
    save(order, ["status", "assignee"])
    event(order, actor, "analysis_started")
    return order


@transaction.atomic
def work_order_analyse(
    order: WorkOrder,
    *,
    actor: User,
    root_cause: str,
    cause: str,
    confirmed_severity: str,
    software_change: bool,
    affected_versions: Sequence[ProductVersion] = (),
    report: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """故障分析: cause, confirmed severity, affected versions, whether software must change.

    A corrective order's analysis writes (or updates) its line in the product fault log.
    With a software change the order goes on to fixing; without one it waits for delivery
    of the workaround or configuration.
    """
    require(actor, can_engineer(actor), _("Only engineers analyse work orders."))
    order = lock(order, actor, expected_version)
    if order.status != S.ANALYSIS:
        assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.ANALYSIS)
    errors: dict[str, list[str]] = {}
    if root_cause not in RootCause.values:
        errors["root_cause"] = [_("Unknown cause category.")]
    if confirmed_severity not in ("L1", "L2", "L3", "L4"):
        errors["confirmed_severity"] = [_("Unknown severity.")]
    if not (cause or "").strip():
        errors["cause"] = [_("Describe the cause.")]
    foreign = [
        v for v in affected_versions if order.product_id and v.product_id != order.product_id
    ]
    if foreign:
        errors["affected_versions"] = [_("A version of another product.")]
    if errors:
        raise ValidationFailed(_("The analysis has errors."), fields=errors)
    order.root_cause, order.root_cause_text = root_cause, cause.strip()
    order.confirmed_severity, order.software_change = confirmed_severity, bool(software_change)
    order.analysis_report = nh3.clean(report or "", tags=REPORT_TAGS)
    order.analysed_at = timezone.now()
    fields = ["root_cause", "root_cause_text", "confirmed_severity", "software_change"]
    fields += ["analysis_report", "analysed_at"]
    if software_change:
        order.status = S.FIXING
        fields.append("status")
    save(order, fields)
    order.affected_versions.set(affected_versions)
    if order.kind == WorkOrderKind.CORRECTIVE and order.product_id:
        _fault_log_write(order)
    event(
        order,
        actor,
        "analysed",
        root_cause=root_cause,
        severity=confirmed_severity,
        software_change=bool(software_change),
    )
    return order


def _fault_log_write(order: WorkOrder) -> FaultLogEntry:
    assert order.product_id is not None and order.analysed_at is not None
    entry, _created = FaultLogEntry.objects.update_or_create(
        work_order=order,
        defaults={
            "product_id": order.product_id,
            "recorded_on": timezone.localdate(order.analysed_at),
            "severity": order.confirmed_severity,
            "cause": order.root_cause,
            "summary": order.title[:200],
            "fixed_version": order.delivered_version,
        },
    )
    entry.affected_versions.set(order.affected_versions.all())
    entry.tickets.set(order.tickets.all())
    return entry


@transaction.atomic
def work_order_record_fix(
    order: WorkOrder,
    *,
    actor: User,
    change: str,
    manual_updated: bool = False,
    manual_section: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """The engineer records the change; the order goes to testing."""
    require(actor, can_engineer(actor), _("Only engineers record fixes."))
    order = lock(order, actor, expected_version)
    assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.TESTING)
    if not (change or "").strip():
        raise ValidationFailed(_("Describe the change."), fields={"change": [_("Required.")]})
    if manual_updated and not (manual_section or "").strip():
        raise ValidationFailed(
            _("Name the section of the user manual that was updated."),
            fields={"manual_section": [_("Required.")]},
        )
    order.change_summary, order.fixed_by = change.strip(), actor
    order.manual_updated, order.manual_section = bool(manual_updated), manual_section.strip()
    order.status, order.test_result = S.TESTING, ""
    save(order, ["change_summary", "fixed_by", "manual_updated", "manual_section", "status"])
    event(order, actor, "fixed", manual_section=order.manual_section or None)
    return order


@transaction.atomic
def work_order_record_test(
    order: WorkOrder,
    *,
    actor: User,
    passed: bool,
    notes: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """A tester other than the fixer records pass or fail; a failure goes back to fixing."""
    require(actor, can_test(actor), _("Only testers record test results."))
    order = lock(order, actor, expected_version)
    if order.status != S.TESTING:
        assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.TESTING)
    if order.fixed_by_id == actor.pk:
        raise Conflict(_("You made the fix: another person must test it."), code="own_fix")
    if not passed and not (notes or "").strip():
        raise ValidationFailed(
            _("Say what failed."), fields={"notes": [_("Required when the test fails.")]}
        )
    order.tested_by, order.test_notes = actor, (notes or "").strip()
    order.test_result = TestResult.PASSED if passed else TestResult.FAILED
    fields = ["tested_by", "test_notes", "test_result"]
    if not passed:
        order.status = S.FIXING
        fields.append("status")
    save(order, fields)
    event(order, actor, "tested", result=order.test_result)
    return order


@transaction.atomic
def work_order_deliver(
    order: WorkOrder,
    *,
    actor: User,
    note: str,
    version: ProductVersion | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Deliver the fix (or the workaround): each linked open ticket gets a public reply with
    the fix and the version, and is resolved, through the tickets' services."""
    require(actor, can_engineer(actor), _("Only engineers deliver work orders."))
    order = lock(order, actor, expected_version)
    assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.DELIVERED)
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = [_("Tell the customer what was done.")]
    if order.status == S.TESTING and order.test_result != TestResult.PASSED:
        raise Conflict(_("The fix has not passed its test yet."), code="test_not_passed")
    if order.status == S.ANALYSIS and order.software_change is not False:
        raise Conflict(
            _("Record the analysis (no software change) before delivering from analysis."),
            code="analysis_missing",
        )
    if order.software_change and version is None:
        errors["version"] = [_("Name the release or patch that contains the fix.")]
    if version is not None and order.product_id and version.product_id != order.product_id:
        errors["version"] = [_("A version of another product.")]
    elif version is not None:
        later = [v for v in order.affected_versions.all() if version.precedes(v)]
        if later:
            errors["version"] = [
                _("%(fix)s is older than the affected version %(affected)s: name a later one.")
                % {"fix": version.version, "affected": later[0].version}
            ]
    if errors:
        raise ValidationFailed(_("The delivery has errors."), fields=errors)
    now = timezone.now()
    order.status, order.delivered_version = S.DELIVERED, version
    order.delivery_note, order.delivered_at = note, now
    save(order, ["status", "delivered_version", "delivery_note", "delivered_at"])
    FaultLogEntry.objects.filter(work_order=order).update(fixed_version=version)
    message = note
    if version is not None:
        message = _("%(note)s\n\nFixed in %(product)s %(version)s.") % {
            "note": note,
            "product": version.product.name,
            "version": version.version,
        }
    resolved = []
    for ticket in order.tickets.order_by("pk"):
        if ticket.status in OPEN_STATUSES:
            ticket_services.ticket_transition(
                ticket, actor=actor, to_status=TicketStatus.RESOLVED, comment=message
            )
            resolved.append(ticket.number)
        elif ticket.status == TicketStatus.RESOLVED:
            ticket_services.comment_add(ticket, actor=actor, body=message)
    event(order, actor, "delivered", version=str(version) if version else None, resolved=resolved)
    if version is not None and order.kind == WorkOrderKind.CORRECTIVE:
        patch_notices_schedule(version)  # already published: its new fault's customers hear now
    return order


@transaction.atomic
def work_order_close(order: WorkOrder, *, actor: User) -> WorkOrder:
    require(actor, can_engineer(actor), _("You may not close work orders."))
    order = lock(order, actor)
    assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.DONE)
    order.status = S.DONE
    save(order, ["status"])
    event(order, actor, "done")
    return order


@transaction.atomic
def work_order_cancel(order: WorkOrder, *, actor: User, reason: str) -> WorkOrder:
    require(actor, can_draft(actor), _("You may not cancel work orders."))
    order = lock(order, actor)
    if not cancellable(order.status):
        assert_can_move(WORK_ORDER_TRANSITIONS, order.status, S.CANCELLED)
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why."), fields={"reason": [_("Required.")]})
    order.status, order.cancel_reason = S.CANCELLED, reason.strip()
    save(order, ["status", "cancel_reason"])
    event(order, actor, "cancelled", reason=order.cancel_reason)
    return order
