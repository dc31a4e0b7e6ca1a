"""审批: the approval inbox, and sign-off / rejection from it or from the order's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.pages import forbidden, staff_or_404

from .. import selectors, services
from ..forms.work_orders import ApproveForm, RejectForm
from ..models import WorkOrder
from ..permissions import can_sign
from ..selectors.work_orders import INBOX_LIMIT
from .work_orders import handle

INBOX = "inbox"


def _render_inbox(
    request: HttpRequest,
    *,
    status: int = 200,
    failed: dict[int, dict[str, forms.Form]] | None = None,
) -> HttpResponse:
    orders = selectors.approval_cards(request.user)
    # Only a decision that failed is a bound form (with its errors); the others are plain
    # markup in the template: two Django forms per card cost more than the whole query.
    for order in orders:
        bound = (failed or {}).get(order.pk, {})
        order.approve_form = bound.get("approve_form")
        order.reject_form = bound.get("reject_form")
    return render(
        request,
        "maintenance/approvals.html",
        {"orders": orders, "limit": INBOX_LIMIT},
        status=status,
    )


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def approval_inbox(request: HttpRequest) -> HttpResponse:
    """Orders awaiting the caller's signature, oldest first, with their tickets' SLA."""
    if not can_sign(request.user):
        return forbidden(
            request, _("Only a service-center manager (or their deputy) signs work orders.")
        )
    return _render_inbox(request)


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    """Shared by both buttons: from the inbox (``from=inbox``, prefixed fields) the answer is
    the inbox again; else the order's page. A 409 (decided by someone else) says so."""
    from_inbox = request.POST.get("from") == INBOX
    form_class = ApproveForm if approve else RejectForm
    form_key = "approve_form" if approve else "reject_form"
    prefix = (f"a{pk}" if approve else f"r{pk}") if from_inbox else None

    def action(order: WorkOrder, data: dict[str, Any]) -> str:
        if approve:
            order = services.work_order_approve(
                order,
                actor=request.user,
                comment=data["comment"],
                expected_version=data["version"],
            )
            return _("%(number)s signed off.") % {"number": order.number}
        order = services.work_order_reject(
            order, actor=request.user, reason=data["reason"], expected_version=data["version"]
        )
        return _("%(number)s rejected and returned to its drafter.") % {"number": order.number}

    def on_error(status: int, bound: dict[str, forms.Form]) -> HttpResponse:
        return _render_inbox(request, status=status, failed={pk: bound})

    return handle(
        request,
        pk,
        form_key=form_key,
        make_form=lambda order: form_class(request.POST, prefix=prefix),
        action=action,
        on_error=on_error if from_inbox else None,
        done=reverse("maintenance:approvals") if from_inbox else None,
    )


@staff_or_404
@require_POST
def work_order_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@staff_or_404
@require_POST
def work_order_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
