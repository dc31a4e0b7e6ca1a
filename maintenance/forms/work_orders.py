"""Forms of the work-order pages. They parse and check input only; writes go through
``maintenance.services``, which re-check everything (roles, transitions, versions).

Forms of steps whose service takes ``expected_version`` carry the order's ``version``, so
a stale page is refused with 409 instead of overwriting someone else's step.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.choices import STAFF_ROLES
from servicedesk.models import Product, ProductVersion, Team, User
from servicedesk.widgets import FastSelect
from tickets.choices import Severity

from ..choices import RootCause, TestResult, WorkOrderKind, WorkOrderStatus

SEVERITY_CHOICES = [("L1", "L1"), ("L2", "L2"), ("L3", "L3"), ("L4", "L4")]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def with_all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


# --------------------------------------------------------------------------- filters


class WorkOrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Number or title")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=())
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        widget=FastSelect,
    )
    team = forms.ModelChoiceField(
        label=_("Service group"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        widget=FastSelect,
    )
    # A user name (with the staff datalist), not a <select> of every member of staff.
    assignee_username = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.filter(role__in=STAFF_ROLES),
        to_field_name="username",
        required=False,
        widget=forms.TextInput(
            attrs={"list": "staff-options", "autocomplete": "off", "placeholder": _("User name")}
        ),
        error_messages={"invalid_choice": _("No member of staff has this user name.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = with_all(WorkOrderStatus.choices)
        self.fields["kind"].choices = with_all(WorkOrderKind.choices)
        self.fields["assignee_username"].widget.attrs.update(
            {
                "hx-get": reverse("staff:staff-options"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#staff-options",
            }
        )

    def filters(self) -> dict[str, Any]:
        """The valid filter values; an invalid one is ignored (and shown at its field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "assignee_username" in data:
            data["assignee"] = data.pop("assignee_username")
        return data


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SubmitForm(VersionedForm):
    pass


class ApproveForm(VersionedForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the work order is rejected.")},
    )


class AnalysisForm(VersionedForm):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=RootCause.choices)
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    confirmed_severity = forms.ChoiceField(label=_("Confirmed severity"), choices=())
    affected_versions = forms.ModelMultipleChoiceField(
        label=_("Affected versions"),
        queryset=ProductVersion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    software_change = forms.TypedChoiceField(
        label=_("Software must change"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    report = forms.CharField(
        label=_("Fault analysis report"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Rich text: paragraphs, lists, tables, code, links and emphasis in HTML are kept; "
            "anything else is removed."
        ),
    )

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirmed_severity"].choices = Severity.choices
        versions = ProductVersion.objects.order_by("version")
        self.fields["affected_versions"].queryset = (
            versions.filter(product=product) if product is not None else versions.none()
        )


class FixForm(VersionedForm):
    change = forms.CharField(
        label=pgettext_lazy("what a fix changed", "Change"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    manual_updated = forms.BooleanField(label=_("User manual updated"), required=False)
    manual_section = forms.CharField(label=_("Manual section"), required=False, max_length=200)


class RecordTestForm(VersionedForm):
    result = forms.ChoiceField(
        label=_("Test result"), choices=TestResult.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Test notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the test fails."),
    )


class DeliverForm(VersionedForm):
    release = forms.ModelChoiceField(
        label=_("Version of the product"),
        queryset=ProductVersion.objects.none(),
        required=False,
        empty_label=_("— no new version —"),
        help_text=_("The release or patch that contains the fix."),
    )
    note = forms.CharField(
        label=_("Note to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent as a reply on every linked open ticket, which is then resolved."),
    )

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = ProductVersion.objects.order_by("-id")
        self.fields["release"].queryset = (
            versions.filter(product=product) if product is not None else versions
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_cancel_%s")  # the reject form has a reason too
        super().__init__(*args, **kwargs)


class LinkTicketForm(forms.Form):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "SD-2026-000123"}),
    )
