"""Django admin for the SLA engine.

Calendars are edited as their JSON spec (validated by ``sla.calendar``, errors name the
field) and exported with an action. Policy versions are immutable: the admin shows them;
new versions come from the API or ``sla.services.policy_version_create``. Clocks and
escalations are written by the services and the sweep only.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from servicedesk.admin import ReadOnlyAdmin, ReadOnlyInline
from servicedesk.errors import ValidationFailed

from .models import (
    BusinessCalendar,
    ContractPolicy,
    EscalationLevel,
    SlaClock,
    SlaClockEvent,
    SlaEscalation,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
)
from .services import calendar_dependents, calendar_validate


class BusinessCalendarForm(forms.ModelForm):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "description", "spec"]

    def clean_spec(self):
        try:
            return calendar_validate(self.cleaned_data["spec"])
        except ValidationFailed as exc:
            raise forms.ValidationError(
                [f"{field}: {', '.join(map(str, msgs))}" for field, msgs in exc.fields.items()]
            ) from None


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "description", "updated_at"]
    search_fields = ["name"]
    actions = ["export_json"]

    @admin.action(description=_("Export the selected calendars as JSON"))
    def export_json(self, request, queryset):
        data = {c.name: c.spec for c in queryset.order_by("name")}
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="calendars.json"'
        return response

    def has_delete_permission(self, request, obj=None):
        """A calendar that policies or clocks use cannot be deleted (they are PROTECTed)."""
        if obj is not None and any(calendar_dependents(obj)):
            return False
        return super().has_delete_permission(request, obj)


class TargetInline(ReadOnlyInline):
    model = SlaTarget


class EscalationLevelInline(TargetInline):
    model = EscalationLevel  # type: ignore[assignment]


@admin.register(SlaPolicyVersion)
class SlaPolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["policy", "number", "note", "created_by", "created_at"]
    list_filter = ["policy"]
    inlines = [TargetInline, EscalationLevelInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "created_at"]
    fields = ["name", "description", "is_default"]


@admin.register(ContractPolicy)
class ContractPolicyAdmin(admin.ModelAdmin):
    list_display = ["contract", "policy"]
    raw_id_fields = ["contract"]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "state", "severity", "due_at", "breached_at", "met_at"]
    list_filter = ["kind", "state", "severity"]
    raw_id_fields = ["ticket"]
    search_fields = ["ticket__number"]


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnlyAdmin):
    list_display = ["clock", "level", "due_at", "created_at"]
    list_filter = ["level"]
    raw_id_fields = ["clock"]


@admin.register(SlaTarget)
class SlaTargetAdmin(ReadOnlyAdmin):
    list_display = ["version", "severity", "response_value", "resolution_value", "resolution_unit"]


@admin.register(EscalationLevel)
class EscalationLevelAdmin(ReadOnlyAdmin):
    list_display = ["version", "level", "after_percent", "notify"]


@admin.register(SlaClockEvent)
class SlaClockEventAdmin(ReadOnlyAdmin):
    list_display = ["clock", "kind", "at", "actor"]
    list_filter = ["kind"]
    raw_id_fields = ["clock"]
