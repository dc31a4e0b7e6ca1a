"""The report request form and the schedule form of the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Organization, Product, Team
from servicedesk.permissions import is_customer_user

from .models import Frequency, Language, ReportKind
from .services.closed_periods import closed_period

PERIODS = [
    ("last_month", _("Last month")),
    ("this_month", _("This month so far")),
    ("last_quarter", _("Last quarter")),
    ("last_week", _("Last week")),
    ("custom", _("From … to …")),
]


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_quarter":
        return closed_period("quarter", today)
    if preset == "last_week":
        return closed_period("week", today)
    return closed_period("month", today)


class ScopeFields(forms.Form):
    organization = forms.CharField(
        label=_("Customer (code)"),
        required=False,
        max_length=40,
        help_text=_("Empty: all customers."),
    )
    team = forms.ModelChoiceField(
        label=_("Service group"), queryset=Team.objects.order_by("name"), required=False
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.order_by("name"), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_organization(self) -> Organization | None:
        code = self.cleaned_data.get("organization", "").strip()
        if not code:
            return None
        found = Organization.objects.filter(code=code).first()
        if found is None:
            raise forms.ValidationError(_("No customer has this code."))
        return found


class RunRequestForm(ScopeFields):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="last_month")
    period_start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["kind", "period", "period_start", "period_end", "organization", "team",
                   "product", "language"]  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_customer_user(user):  # their own organization's customer service report
            for name in ("organization", "team", "product"):
                del self.fields[name]
            self.fields["kind"].choices = [(ReportKind.SERVICE, ReportKind.SERVICE.label)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period") == "custom":
            for name in ("period_start", "period_end"):
                if not data.get(name):
                    self.add_error(name, _("Give both days of the period."))
        elif data.get("period"):
            data["period_start"], data["period_end"] = preset_period(
                data["period"], timezone.localdate()
            )
        return data

    def request_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("kind", "period_start", "period_end", "organization", "team", "product",
                "language")  # fmt: skip
        return {k: data.get(k) for k in keys}


class ScheduleForm(ScopeFields):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    recipients = forms.CharField(
        label=_("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Email addresses, one per line or separated by commas."),
        max_length=5000,
    )
    to_contacts = forms.BooleanField(label=_("Send to the customer's contacts"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    field_order = ["kind", "frequency", "organization", "team", "product", "language",
                   "recipients", "to_contacts", "is_active"]  # fmt: skip

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data.get("recipients", "")
        return [a.strip() for a in raw.replace(",", "\n").splitlines() if a.strip()]
