"""The product fault log's filter form (the page and its export)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Product
from servicedesk.widgets import FastSelect
from tickets.choices import Severity

from ..choices import RootCause
from .work_orders import WorkOrderFilterForm, with_all


class FaultLogFilterForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        widget=FastSelect,
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=())
    cause = forms.ChoiceField(label=_("Cause category"), required=False, choices=())
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = with_all(Severity.choices)
        self.fields["cause"].choices = with_all(RootCause.choices)

    filters = WorkOrderFilterForm.filters
