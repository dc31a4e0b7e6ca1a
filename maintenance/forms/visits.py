"""Forms of 回访 (follow-ups) and 上门服务 (on-site visits). They parse input only; the
services in ``maintenance.services.visits`` decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.choices import STAFF_ROLES
from servicedesk.models import User

from ..choices import FollowUpOutcome

LOCAL = "%Y-%m-%dT%H:%M"


def _when(label: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL),
    )


def _engineers(required: bool) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username"),
        label=_("Engineer"),
        required=required,
    )


class VisitRequestForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=300)
    contact_name = forms.CharField(label=_("Contact"), max_length=120, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    engineer = _engineers(required=False)
    appointment_at = _when(_("Appointment"), required=False)


class VisitScheduleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    engineer = _engineers(required=True)
    appointment_at = _when(_("Appointment"))


class VisitStepForm(forms.Form):
    """Arrival: only the version (the time is now)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class VisitDepartForm(VisitStepForm):
    report = forms.CharField(
        label=_("Visit report"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class VisitCancelForm(VisitStepForm):
    reason = forms.CharField(label=_("Reason"), max_length=4000)


class VisitConfirmForm(VisitStepForm):
    reason = forms.CharField(
        label=_("What is wrong (when refusing)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=FollowUpOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
