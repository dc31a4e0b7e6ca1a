"""Maintenance plan pages (产品维护计划 / 用户服务计划) and an inspection's results.

The list is a staff page (customers get the console's 403 page, like the work-order list);
a plan, its forms and the inspection forms are 404 for customers (they never learn that a
plan exists) and 403 for staff whose role may not take the step, as the services decide.
Reads go through ``maintenance.selectors``, writes through the plan and inspection
services. A domain error re-renders the page with the message at the top and at the fields
it names, with its status (400, 403, 409): nothing half-written, each service is one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import DomainError, NotFound
from servicedesk.keyset import Key, keyset_page
from servicedesk.pages import (
    apply_domain_error,
    forbidden,
    found_or_404,
    query_string,
    staff_or_404,
)
from servicedesk.permissions import can_draft
from servicedesk.text import join_phrases

from .. import selectors
from ..choices import PlanStatus
from ..forms.plans import (
    InspectionForm,
    PlanApproveForm,
    PlanCloseForm,
    PlanFilterForm,
    PlanForm,
    PlanItemFormSet,
    PlanRejectForm,
)
from ..forms.work_orders import SubmitForm
from ..models import InspectionCheck, MaintenancePlan, PlanItem
from ..permissions import can_sign
from ..selectors.work_orders import work_order_page
from ..services import inspections, plans
from .work_orders import order_url, render_order

PLAN_KEYS = (Key("id", int),)
INBOX = "inbox"
EVENT_LABELS = {
    "drafted": gettext_lazy("Drafted"),
    "updated": gettext_lazy("Edited"),
    "submitted": gettext_lazy("Submitted for sign-off"),
    "approved": gettext_lazy("Signed off"),
    "rejected": gettext_lazy("Rejected"),
    "closed": gettext_lazy("Closed"),
}


def _plan(request: HttpRequest, pk: int) -> MaintenancePlan:
    try:
        return selectors.plan_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def plan_url(plan: MaintenancePlan, anchor: str = "") -> str:
    url = reverse("maintenance:plan", kwargs={"pk": plan.pk})
    return f"{url}#{anchor}" if anchor else url


# --------------------------------------------------------------------------- list


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def plan_list(request: HttpRequest) -> HttpResponse:
    """Filters (status, customer, service group); keyset pages of 50, newest first."""
    form = PlanFilterForm(request.GET or None)
    qs = selectors.plan_list(request.user, form.filters())
    page = keyset_page(qs, PLAN_KEYS, after=request.GET.get("after"))
    return render(
        request,
        "maintenance/plan_list.html",
        {
            "form": form,
            "plans": page["rows"],
            "can_draft": can_draft(request.user),
            "next_url": query_string(request.GET, after=page["next_cursor"])
            if page["next_cursor"]
            else "",
            "first_url": "" if page["is_first"] else query_string(request.GET, after=None),
        },
    )


# --------------------------------------------------------------------------- the page


def plan_actions(user: Any, plan: MaintenancePlan) -> dict[str, bool]:
    """The steps the user may take now (the services check again when they are taken)."""
    draft = plan.status == PlanStatus.DRAFT
    return {
        "edit": can_draft(user) and draft,
        "submit": can_draft(user) and draft,
        "decide": plan.status == PlanStatus.SUBMITTED
        and plan.drafted_by_id != user.pk
        and can_sign(user),
        "close": plan.status == PlanStatus.APPROVED and can_sign(user),
    }


def _timeline(plan: MaintenancePlan) -> list[dict[str, Any]]:
    lines = []
    for entry in selectors.plan_events(plan):
        data = entry.data or {}
        details = []
        if data.get("signed_for"):
            details.append(_("for %(manager)s") % {"manager": data["signed_for"]})
        if data.get("fields"):
            details.append(join_phrases(data["fields"]))
        if data.get("items") is not None:
            count = data["items"]
            details.append(
                ngettext("%(count)s inspection", "%(count)s inspections", count) % {"count": count}
            )
        lines.append(
            {
                "when": entry.created_at,
                "actor": entry.actor,
                "kind": entry.kind,
                "label": EVENT_LABELS.get(entry.kind, entry.kind),
                "details": details,
                "text": data.get("comment") or data.get("reason") or "",
            }
        )
    return lines


def _render_plan(
    request: HttpRequest, plan: MaintenancePlan, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    initial = {"version": plan.version}
    items = list(plan.items.all())
    for item in items:
        item.words = selectors.schedule_in_words(item)
        item.next_dates = selectors.next_occurrences(item, plan)
    actions = plan_actions(request.user, plan)
    context = {
        "plan": plan,
        "items": items,
        "timeline": _timeline(plan),
        "work_orders": selectors.plan_work_orders(plan),
        "actions": actions,
        "any_action": any(actions.values()),
        "approve_form": bound.get("approve_form") or PlanApproveForm(initial=initial),
        "reject_form": bound.get("reject_form") or PlanRejectForm(initial=initial),
        "close_form": bound.get("close_form") or PlanCloseForm(initial=initial),
        "open_form": next(iter(bound), ""),
    }
    return render(request, "maintenance/plan_detail.html", context, status=status)


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_plan(request, _plan(request, pk))


# --------------------------------------------------------------------------- draft and edit


def _item_initial(item: PlanItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "product": item.product_id,
        "recurrence": item.recurrence,
        "day": item.day,
        "month": item.month,
        "rrule": item.rrule,
        "lead_days": item.lead_days,
        "checklist": "\n".join(item.checklist or []),
    }


def _kept_items(formset: Any) -> tuple[list[Any], list[forms.Form]]:
    """The items the formset keeps (the existing ones and the filled-in new ones, minus
    those ticked for removal), and their forms in the order the service numbers them."""
    kept = [
        form
        for i, form in enumerate(formset.forms)
        if (i < formset.initial_form_count() or form.has_changed())
        and not form.cleaned_data.get("DELETE")
    ]
    return [form.item() for form in kept], kept


def _place_errors(err: DomainError, form: forms.Form, item_forms: list[forms.Form]) -> None:
    """Each error at its field: ``items.<i>.<field>`` at the i-th kept item's field, the
    plan's at the plan form; the message itself goes to the top of the page."""
    for key, texts in err.fields.items():
        parts = key.split(".", 2)
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit():
            index, name = int(parts[1]), parts[2]
            target = item_forms[index] if index < len(item_forms) else form
            for text in texts:
                target.add_error(name if name in target.fields else None, str(text))
        else:
            for text in texts:
                form.add_error(key if key in form.fields else None, str(text))


def _plan_form_page(request: HttpRequest, plan: MaintenancePlan | None) -> HttpResponse:
    editing = plan is not None
    if request.method == "POST":
        form = PlanForm(request.POST, editing=editing)
        formset = PlanItemFormSet(request.POST, prefix="items")
        version = request.POST.get("version")
        if form.is_valid() and formset.is_valid():
            items, item_forms = _kept_items(formset)
            data = form.cleaned_data
            try:
                if plan is None:
                    plan = plans.plan_draft(actor=request.user, items=items, **data)
                    messages.success(request, _("Maintenance plan drafted."))
                else:
                    plans.plan_update(
                        plan,
                        actor=request.user,
                        changes=data,
                        items=items,
                        expected_version=int(version) if (version or "").isdigit() else None,
                    )
                    messages.success(request, _("Maintenance plan saved."))
                return redirect(plan_url(plan))
            except NotFound:
                raise Http404 from None
            except DomainError as err:
                _place_errors(err, form, item_forms)
                messages.error(request, str(err.message))
                status = err.status
        else:
            messages.error(request, _("Please correct the errors below."))
            status = 400
    else:
        status = 200
        if plan is None:
            form = PlanForm(editing=False)
            formset = PlanItemFormSet(prefix="items")
        else:
            form = PlanForm(
                initial={name: getattr(plan, name) for name in plans.PLAN_FIELDS}, editing=True
            )
            formset = PlanItemFormSet(
                prefix="items", initial=[_item_initial(item) for item in plan.items.all()]
            )
    return render(
        request,
        "maintenance/plan_form.html",
        {"form": form, "formset": formset, "plan": plan},
        status=status,
    )


@staff_or_404
@require_http_methods(["GET", "HEAD", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    if not can_draft(request.user):
        return forbidden(request, _("You may not draft maintenance plans."))
    return _plan_form_page(request, None)


@staff_or_404
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if not can_draft(request.user):
        return forbidden(request, _("You may not change maintenance plans."))
    if plan.status != PlanStatus.DRAFT:
        messages.error(request, _("Only a draft plan can be edited."))
        return _render_plan(request, plan, status=409)
    return _plan_form_page(request, plan)


# --------------------------------------------------------------------------- steps


def _step(
    form_class: type[forms.Form],
    form_key: str,
    call: Callable[[HttpRequest, MaintenancePlan, dict[str, Any]], str],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A thin POST view: the form parses, ``call`` runs the service and says what it did.

    From the approvals page (``from=inbox``) success goes back there."""

    @staff_or_404
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        plan = _plan(request, pk)
        form = form_class(request.POST)
        status = 400
        if form.is_valid():
            try:
                messages.success(request, call(request, plan, form.cleaned_data))
            except NotFound:
                raise Http404 from None
            except DomainError as err:
                if err.status == 403:
                    return forbidden(request, str(err.message))
                apply_domain_error(form, err, {})
                form.errors.pop("__all__", None)
                messages.error(request, str(err.message))
                status = err.status
            else:
                if request.POST.get("from") == INBOX:
                    return redirect("maintenance:approvals")
                return redirect(plan_url(plan))
        else:
            messages.error(request, _("Please correct the errors below."))
        return _render_plan(request, _plan(request, pk), status=status, **{form_key: form})

    return view


def _submit(request: HttpRequest, plan: MaintenancePlan, data: dict[str, Any]) -> str:
    plans.plan_submit(plan, actor=request.user, expected_version=data["version"])
    return _("Submitted for sign-off.")


def _approve(request: HttpRequest, plan: MaintenancePlan, data: dict[str, Any]) -> str:
    plans.plan_approve(
        plan, actor=request.user, comment=data["comment"], expected_version=data["version"]
    )
    return _("Plan “%(title)s” signed off: its inspections are generated from now on.") % {
        "title": plan.title
    }


def _reject(request: HttpRequest, plan: MaintenancePlan, data: dict[str, Any]) -> str:
    plans.plan_reject(
        plan, actor=request.user, reason=data["reason"], expected_version=data["version"]
    )
    return _("Plan “%(title)s” rejected and returned to its drafter.") % {"title": plan.title}


def _close(request: HttpRequest, plan: MaintenancePlan, data: dict[str, Any]) -> str:
    plans.plan_close(
        plan, actor=request.user, reason=data["reason"], expected_version=data["version"]
    )
    return _("Plan closed: no more inspections are generated.")


plan_submit = _step(SubmitForm, "submit_form", _submit)
plan_approve = _step(PlanApproveForm, "approve_form", _approve)
plan_reject = _step(PlanRejectForm, "reject_form", _reject)
plan_close = _step(PlanCloseForm, "close_form", _close)


# --------------------------------------------------------------------------- inspections


@staff_or_404
@require_POST
def inspection_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """The preventive order's checklist: OK / issue found and a note per item.

    On an error the order's page is shown again with this form bound (the page's panel
    finds it as ``request.inspection_form``)."""
    order = found_or_404(work_order_page, request.user, pk)
    form = InspectionForm(request.POST, checklist=list(order.checklist or []))
    status = 400
    if form.is_valid():
        try:
            inspections.inspection_complete(
                order,
                actor=request.user,
                results=form.results(),
                expected_version=form.cleaned_data["version"],
            )
        except NotFound:
            raise Http404 from None
        except DomainError as err:
            if err.status == 403:
                return forbidden(request, str(err.message))
            field_map = {}
            for i in range(len(form.checklist)):
                field_map[f"results.{i}.outcome"] = f"outcome_{i}"
                field_map[f"results.{i}.note"] = f"note_{i}"
            apply_domain_error(form, err, field_map)
            form.errors.pop("__all__", None)
            messages.error(request, str(err.message))
            status = err.status
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(order_url(order, "inspection"))
    else:
        messages.error(request, _("Please correct the errors below."))
    request.inspection_form = form  # type: ignore[attr-defined]
    return render_order(request, found_or_404(work_order_page, request.user, pk), status=status)


@staff_or_404
@require_POST
def inspection_raise_corrective(request: HttpRequest, pk: int) -> HttpResponse:
    """One click on an issue found: a corrective work order drafted from it."""
    order_id = selectors.inspection_order_id(pk)
    if order_id is None:
        raise Http404
    try:
        order = inspections.inspection_raise_corrective(InspectionCheck(pk=pk), actor=request.user)
    except NotFound:
        raise Http404 from None
    except DomainError as err:
        if err.status == 403:
            return forbidden(request, str(err.message))
        messages.error(request, str(err.message))
        inspection = found_or_404(work_order_page, request.user, order_id)
        return render_order(request, inspection, status=err.status)
    messages.success(
        request,
        _("Corrective work order %(number)s drafted from the issue found.")
        % {"number": order.number},
    )
    return redirect(order_url(order))
