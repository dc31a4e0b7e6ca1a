"""Maintenance-plan facts on pages whose views are not the plans' own.

* ``{% inspection_panel order %}`` on the work order page: for a preventive order, its plan,
  the checklist form while it is open (bound with its errors when a submission failed:
  ``maintenance.views.plans.inspection_complete`` leaves it on the request) and the results
  recorded, each issue with its "raise corrective order" button.
* ``{% plans_awaiting_signature as plans %}`` on the approvals page: submitted plans the
  user may sign, with their decision forms.
"""

from __future__ import annotations

from typing import Any

from django import template

from servicedesk.permissions import can_draft, can_engineer

from .. import selectors
from ..choices import WorkOrderKind
from ..forms.plans import InspectionForm, PlanApproveForm, PlanRejectForm

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("maintenance/_inspection.html", takes_context=True)
def inspection_panel(context: template.Context, order: Any) -> dict[str, Any]:
    if order.kind != WorkOrderKind.PREVENTIVE:
        return {"show": False}
    user = _user(context)
    request = context.get("request")
    plan = order.plan_item.plan if order.plan_item_id else None
    form = None
    if selectors.is_open_inspection(order) and can_engineer(user):
        form = getattr(request, "inspection_form", None) or InspectionForm(
            initial={"version": order.version}, checklist=list(order.checklist or [])
        )
    return {
        "show": True,
        "order": order,
        "plan": plan,
        "form": form,
        "checks": selectors.inspection_checks(order),
        "can_raise": can_draft(user),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def plans_awaiting_signature(context: template.Context) -> list[Any]:
    """Submitted plans the user may sign, oldest first, each with its decision forms."""
    rows = selectors.plans_awaiting(_user(context))
    for plan in rows:
        initial = {"version": plan.version}
        plan.approve_form = PlanApproveForm(initial=initial, auto_id=f"pa{plan.pk}_%s")
        plan.reject_form = PlanRejectForm(initial=initial, auto_id=f"pr{plan.pk}_%s")
    return rows
