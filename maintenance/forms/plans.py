"""Forms of the maintenance-plan pages and of an inspection's results.

They parse input only; ``maintenance.services.plans`` and ``.inspections`` check the rest
(roles, periods, recurrences, transitions, versions) and their errors are shown at the
fields they name (``items.<index>.<field>``, ``results.<index>.<field>``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Contract, Organization, Product, Team
from servicedesk.widgets import FastSelect

from ..choices import CheckOutcome, PlanStatus, Recurrence
from ..services.inspections import MAX_LEAD_DAYS, CheckResult
from ..services.plans import PlanItemInput
from .work_orders import ApproveForm, RejectForm, VersionedForm, WorkOrderFilterForm

DATE = {"type": "date"}


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    # Thousands of customers: a code box with suggestions, not a <select> of them all.
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Organization.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"list": "organization-options", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("No customer has this code.")},
    )
    team = forms.ModelChoiceField(
        label=_("Service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        widget=FastSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), *PlanStatus.choices]
        self.fields["customer"].widget.attrs.update(
            {
                "placeholder": _("Name or code"),
                "hx-get": reverse("staff:organization-options"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#organization-options",
            }
        )

    filters = WorkOrderFilterForm.filters


class PlanForm(forms.Form):
    """The plan itself; ``contract`` only when drafting (a plan keeps its contract)."""

    contract = forms.ModelChoiceField(
        label=_("Contract number"),
        queryset=Contract.objects.all(),
        to_field_name="number",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"invalid_choice": _("No contract has this number.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Period starts on"), widget=forms.DateInput(attrs=DATE))
    ends_on = forms.DateField(label=_("Period ends on"), widget=forms.DateInput(attrs=DATE))
    goals = forms.CharField(
        label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    team = forms.ModelChoiceField(
        label=_("Responsible service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("— none —"),
        widget=FastSelect,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["contract"]


class PlanItemForm(forms.Form):
    """One scheduled inspection (定期巡检): a recurrence and a checklist, one item a line."""

    title = forms.CharField(label=_("Inspection"), max_length=200)
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=_("— any —"),
        widget=FastSelect,
    )
    recurrence = forms.ChoiceField(
        label=_("Recurrence"), choices=Recurrence.choices, initial=Recurrence.MONTHLY
    )
    day = forms.IntegerField(
        label=_("Day"),
        required=False,
        help_text=_("Weekly: 0 = Monday … 6 = Sunday. Otherwise the day of the month."),
    )
    month = forms.IntegerField(
        label=_("Month"),
        required=False,
        help_text=_("Yearly: 1–12. Quarterly: the month of the quarter, 1–3."),
    )
    rrule = forms.CharField(
        label=_("RRULE"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "FREQ=MONTHLY;BYDAY=1MO"}),
    )
    lead_days = forms.IntegerField(
        label=_("Create this many days before"), min_value=0, max_value=MAX_LEAD_DAYS, initial=7
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line."),
    )

    def item(self) -> PlanItemInput:
        data = self.cleaned_data
        lines = [line.strip() for line in (data.get("checklist") or "").splitlines()]
        return PlanItemInput(
            title=data["title"],
            product=data.get("product"),
            recurrence=data["recurrence"],
            day=data.get("day"),
            month=data.get("month"),
            rrule=data.get("rrule") or "",
            lead_days=data["lead_days"],
            checklist=[line for line in lines if line],
        )


PlanItemFormSet = forms.formset_factory(
    PlanItemForm, extra=1, can_delete=True, max_num=50, validate_max=True
)


class PlanRejectForm(RejectForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("Say why the plan is rejected.")


class PlanCloseForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


PlanApproveForm = ApproveForm


class InspectionForm(VersionedForm):
    """One row per checklist item: ``outcome_<i>`` (OK / issue found) and ``note_<i>``."""

    def __init__(self, *args: Any, checklist: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        for i, item in enumerate(self.checklist):
            self.fields[f"outcome_{i}"] = forms.ChoiceField(
                label=item, choices=CheckOutcome.choices, widget=forms.RadioSelect
            )
            self.fields[f"note_{i}"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"placeholder": _("Required for an issue")}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"item": item, "outcome": self[f"outcome_{i}"], "note": self[f"note_{i}"]}
            for i, item in enumerate(self.checklist)
        ]

    def results(self) -> list[CheckResult]:
        return [
            CheckResult(
                item=item,
                outcome=self.cleaned_data[f"outcome_{i}"],
                note=self.cleaned_data.get(f"note_{i}") or "",
            )
            for i, item in enumerate(self.checklist)
        ]
