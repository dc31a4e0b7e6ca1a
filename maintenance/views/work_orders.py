"""The work order list and page, and the thin views behind each of the page's forms.

Each POST parses its form and calls one service. A domain error re-renders the page with
the order as it is now, the message at the top and at the form, and the error's status
(400 invalid, 403 not your role, 409 refused step or stale version): nothing half-written,
since each service is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import DomainError, NotFound, ValidationFailed
from servicedesk.keyset import Key, keyset_page
from servicedesk.pages import (
    apply_domain_error,
    forbidden,
    found_or_404,
    query_string,
    staff_or_404,
)
from servicedesk.permissions import can_draft, can_engineer, can_test
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

from .. import selectors, services
from ..choices import WorkOrderKind, WorkOrderStatus
from ..forms.work_orders import (
    AnalysisForm,
    ApproveForm,
    CancelForm,
    DeliverForm,
    FixForm,
    LinkTicketForm,
    RecordTestForm,
    RejectForm,
    SubmitForm,
    WorkOrderFilterForm,
)
from ..models import WorkOrder
from ..permissions import can_sign
from ..workflow import cancellable
from .timeline import timeline_for

S = WorkOrderStatus
WORK_ORDER_KEYS = (Key("created_at", dt.datetime), Key("id", int))


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def work_order_list(request: HttpRequest) -> HttpResponse:
    """Filters, keyset pages of 50 newest first; no COUNT over the table."""
    form = WorkOrderFilterForm(request.GET or None)
    qs = selectors.work_order_list(request.user, form.filters(), links=False)
    page = keyset_page(qs, WORK_ORDER_KEYS, after=request.GET.get("after"))
    return render(
        request,
        "maintenance/work_order_list.html",
        {
            "form": form,
            "orders": page["rows"],
            "next_url": query_string(request.GET, after=page["next_cursor"])
            if page["next_cursor"]
            else "",
            "first_url": "" if page["is_first"] else query_string(request.GET, after=None),
        },
    )


# --------------------------------------------------------------------------- the page


def allowed_actions(user: Any, order: WorkOrder) -> dict[str, bool]:
    """The steps the user may take now (the services check again when they are taken)."""
    status = order.status
    corrective = order.kind != WorkOrderKind.PREVENTIVE
    delivering = (status == S.TESTING and order.test_result == "passed") or (
        status == S.ANALYSIS and order.software_change is False
    )
    return {
        "submit": can_draft(user) and status == S.DRAFT,
        "decide": status == S.SUBMITTED and order.drafted_by_id != user.pk and can_sign(user),
        "start_analysis": can_engineer(user) and status == S.APPROVED and corrective,
        "analyse": can_engineer(user) and status == S.ANALYSIS,
        "fix": can_engineer(user) and status == S.FIXING,
        "test": can_test(user) and status == S.TESTING and order.fixed_by_id != user.pk,
        "deliver": can_engineer(user) and corrective and delivering,
        "close": can_engineer(user) and status == S.DELIVERED,
        "cancel": can_draft(user) and cancellable(status) and corrective,
        "link": can_draft(user) and status in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.ANALYSIS,
                                                S.FIXING, S.TESTING),
    }  # fmt: skip


def _initial_analysis(order: WorkOrder) -> dict[str, Any]:
    return {
        "version": order.version,
        "root_cause": order.root_cause,
        "cause": order.root_cause_text,
        "confirmed_severity": order.confirmed_severity or order.severity,
        "affected_versions": list(order.affected_versions.all()),
        "software_change": {True: "yes", False: "no"}.get(order.software_change, ""),
        "report": order.analysis_report,
    }


def render_order(
    request: HttpRequest, order: WorkOrder, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    user = request.user
    initial = {"version": order.version}
    actions = allowed_actions(user, order)
    context = {
        "order": order,
        "tickets": list(order.tickets.all()),
        "affected_versions": list(order.affected_versions.all()),
        "timeline": timeline_for(order, request.user),
        "actions": actions,
        "any_action": any(actions.values()),
        "open_form": next(iter(bound), ""),
        "submit_form": bound.get("submit_form") or SubmitForm(initial=initial),
        "approve_form": bound.get("approve_form") or ApproveForm(initial=initial),
        "reject_form": bound.get("reject_form") or RejectForm(initial=initial),
        "analysis_form": bound.get("analysis_form")
        or (
            AnalysisForm(initial=_initial_analysis(order), product=order.product)
            if actions["analyse"]
            else None
        ),
        "fix_form": bound.get("fix_form")
        or FixForm(
            initial={
                **initial,
                "change": order.change_summary,
                "manual_updated": order.manual_updated,
                "manual_section": order.manual_section,
            }
        ),
        "test_form": bound.get("test_form") or RecordTestForm(initial=initial),
        "deliver_form": bound.get("deliver_form")
        or (DeliverForm(initial=initial, product=order.product) if actions["deliver"] else None),
        "cancel_form": bound.get("cancel_form") or CancelForm(),
        "link_form": bound.get("link_form") or LinkTicketForm(),
    }
    return render(request, "maintenance/work_order_detail.html", context, status=status)


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_order(request, found_or_404(selectors.work_order_page, request.user, pk))


def order_url(order: WorkOrder, anchor: str = "") -> str:
    url = reverse("maintenance:work-order", kwargs={"pk": order.pk})
    return f"{url}#{anchor}" if anchor else url


def handle(
    request: HttpRequest,
    pk: int,
    *,
    form_key: str,
    make_form: Callable[[WorkOrder], forms.Form],
    action: Callable[[WorkOrder, dict[str, Any]], str],
    on_error: Callable[[int, dict[str, forms.Form]], HttpResponse] | None = None,
    done: str | None = None,
) -> HttpResponse:
    """Validate, call the service, redirect with a message; or re-render with 4xx."""
    order = found_or_404(selectors.work_order_page, request.user, pk)
    form = make_form(order)

    def rerender(status: int, bound: dict[str, forms.Form]) -> HttpResponse:
        if on_error is not None:
            return on_error(status, bound)
        current = found_or_404(selectors.work_order_page, request.user, pk)  # as it is now
        return render_order(request, current, status=status, **bound)

    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return rerender(400, {form_key: form})
    try:
        message = action(order, form.cleaned_data)
    except NotFound:
        raise Http404 from None
    except DomainError as err:
        apply_domain_error(form, err, {"version": "release"})
        form.errors.pop("__all__", None)  # shown once, at the top of the page
        messages.error(request, str(err.message))
        return rerender(err.status, {form_key: form})
    messages.success(request, message)
    return redirect(done or order_url(order))


def _view(
    form_class: type[forms.Form],
    form_key: str,
    call: Callable[[HttpRequest, WorkOrder, dict[str, Any]], str],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A thin POST view: ``form_class`` parses, ``call`` runs the service."""
    takes_product = form_class in (AnalysisForm, DeliverForm)

    @staff_or_404
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return handle(
            request,
            pk,
            form_key=form_key,
            make_form=lambda order: (
                form_class(request.POST, product=order.product)  # type: ignore[call-arg]
                if takes_product
                else form_class(request.POST)
            ),
            action=lambda order, data: call(request, order, data),
        )

    return view


def _submit(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_submit(order, actor=request.user, expected_version=data["version"])
    return _("Submitted for sign-off.")


def _start_analysis(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_start_analysis(order, actor=request.user)
    return _("Analysis started.")


def _analyse(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    order = services.work_order_analyse(
        order,
        actor=request.user,
        root_cause=data["root_cause"],
        cause=data["cause"],
        confirmed_severity=data["confirmed_severity"],
        software_change=data["software_change"],
        affected_versions=list(data["affected_versions"]),
        report=data["report"],
        expected_version=data["version"],
    )
    if order.status == S.FIXING:
        return _("Analysis recorded; the software must change: the order is now being fixed.")
    return _("Analysis recorded; no software change: deliver the workaround to the customer.")


def _fix(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_record_fix(
        order,
        actor=request.user,
        change=data["change"],
        manual_updated=data["manual_updated"],
        manual_section=data["manual_section"],
        expected_version=data["version"],
    )
    return _("Fix recorded; the order waits for its test.")


def _test(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    order = services.work_order_record_test(
        order,
        actor=request.user,
        passed=data["result"] == "passed",
        notes=data["notes"],
        expected_version=data["version"],
    )
    if order.status == S.FIXING:
        return _("Test failed: the order goes back to fixing.")
    return _("Test passed: the fix may be delivered.")


def _deliver(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_deliver(
        order,
        actor=request.user,
        note=data["note"],
        version=data["release"],
        expected_version=data["version"],
    )
    return _("Delivered: the linked tickets got the note and are resolved.")


def _close(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_close(order, actor=request.user)
    return _("Work order closed.")


def _cancel(request: HttpRequest, order: WorkOrder, data: dict[str, Any]) -> str:
    services.work_order_cancel(order, actor=request.user, reason=data["reason"])
    return _("Work order cancelled.")


class _NoForm(forms.Form):
    """Steps that take no input (their services take no expected version either)."""


work_order_submit = _view(SubmitForm, "submit_form", _submit)
work_order_start_analysis = _view(_NoForm, "start_form", _start_analysis)
work_order_analyse = _view(AnalysisForm, "analysis_form", _analyse)
work_order_fix = _view(FixForm, "fix_form", _fix)
work_order_test = _view(RecordTestForm, "test_form", _test)
work_order_deliver = _view(DeliverForm, "deliver_form", _deliver)
work_order_close = _view(_NoForm, "close_form", _close)
work_order_cancel = _view(CancelForm, "cancel_form", _cancel)


@staff_or_404
@require_POST
def work_order_link_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """Link another ticket (the same fault reported again) by its number."""

    def call(order: WorkOrder, data: dict[str, Any]) -> str:
        number = data["number"].strip().upper()
        ticket = Ticket.objects.visible_to(request.user).filter(number=number).first()
        if ticket is None:
            raise ValidationFailed(
                _("No ticket has the number %(number)s.") % {"number": number},
                fields={"number": [_("Unknown ticket number.")]},
            )
        services.work_order_link_ticket(order, actor=request.user, ticket=ticket)
        return _("Ticket %(number)s linked.") % {"number": ticket.number}

    return handle(
        request,
        pk,
        form_key="link_form",
        make_form=lambda order: LinkTicketForm(request.POST),
        action=call,
    )


@staff_or_404
@require_POST
def draft_from_ticket(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    """The ticket page's "Draft work order": kind from the ticket, its title and facts."""
    try:
        ticket = ticket_selectors.ticket_get_for(request.user, ticket_pk)
    except NotFound:
        raise Http404 from None
    try:
        order = services.work_order_draft(
            actor=request.user,
            kind=services.default_kind_for(ticket),
            title=ticket.title,
            tickets=[ticket],
        )
    except NotFound:
        raise Http404 from None
    except DomainError as err:
        if err.status == 403:
            return forbidden(request, str(err.message))
        messages.error(request, str(err.message))
        return redirect("staff:ticket", pk=ticket.pk)
    messages.success(
        request, _("Work order %(number)s drafted from the ticket.") % {"number": order.number}
    )
    return redirect(order_url(order))
