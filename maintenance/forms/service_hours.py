"""Forms of 服务机时 (service hours): logging time on a ticket or a work order, and the
totals report. They parse input only; ``time_entry_add`` checks the rules (staff only,
a day not in the future, 1-1440 minutes, a note of at most 300 characters)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import WorkMode
from ..selectors.service_hours import TOTAL_GROUPS

HOURS_MINUTES = re.compile(r"^(\d{1,2}):([0-5]\d)$")
GROUP_LABELS = {
    "customer": _("Customer"),
    "engineer": _("Engineer"),
    "ticket": _("Ticket"),
    "work_order": _("Work order"),
}


def parse_minutes(text: str) -> int | None:
    """``"90"`` and ``"1:30"`` are both 90 minutes; anything else is None. The range is the
    service's business (so that one rule decides)."""
    text = text.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    match = HOURS_MINUTES.match(text)
    if match:
        return int(match[1]) * 60 + int(match[2])
    return None


class MinutesField(forms.Field):
    """A text box that takes ``90`` or ``1:30``; cleans to whole minutes."""

    widget = forms.TextInput
    default_error_messages = {
        "format": _("Enter minutes (90) or hours and minutes (1:30)."),
    }

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()[:10]
        if not text:
            return None
        minutes = parse_minutes(text)
        if minutes is None:
            raise forms.ValidationError(self.error_messages["format"], code="format")
        return minutes


class TimeEntryForm(forms.Form):
    worked_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    minutes = MinutesField(
        label=_("Time"),
        widget=forms.TextInput(
            attrs={"placeholder": "1:30", "inputmode": "numeric", "size": 6, "autocomplete": "off"}
        ),
        help_text=_("Minutes (90) or hours and minutes (1:30)."),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=WorkMode.choices, initial=WorkMode.REMOTE)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # its own ids: the card sits on pages whose other forms also have a "note" field
        kwargs.setdefault("auto_id", "hours_%s")
        super().__init__(*args, **kwargs)


class TotalsForm(forms.Form):
    """The report's filters. Unbound (first visit): per customer, this month so far."""

    group_by = forms.ChoiceField(
        label=_("Totals per"), choices=[(g, GROUP_LABELS[g]) for g in TOTAL_GROUPS]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial", {"group_by": "customer", "date_from": today.replace(day=1), "date_to": today}
        )
        super().__init__(data, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end comes before the start."))
        return data

    def filters(self) -> dict[str, Any]:
        """Clean values, or the initial ones when unbound or invalid (the page still shows
        totals, with the errors at the fields)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data
        initial: dict[str, Any] = dict(self.initial)
        if self.is_bound:  # keep what was valid of the input
            for name in ("group_by", "date_from", "date_to"):
                if name in getattr(self, "cleaned_data", {}) and name not in self.errors:
                    initial[name] = self.cleaned_data[name]
        return initial
