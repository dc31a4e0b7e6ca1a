"""Input and output shapes of the SLA API: calendars, policies with their versions, clocks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    BusinessCalendar,
    ClockKind,
    ClockState,
    EscalationLevel,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    TargetUnit,
)


class CalendarSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "description", "spec", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class CalendarInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    spec = serializers.JSONField(
        help_text=_(
            'As in docs/SLA.md: {"timezone": ..., "week": {"mon": [["09:00","12:00"], ...]}, '
            '"holidays": [...], "extra_workdays": [...]}'
        )
    )


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaTarget
        fields = [
            "severity",
            "response_value",
            "response_unit",
            "response_calendar",
            "resolution_value",
            "resolution_unit",
            "resolution_calendar",
            "warn_percent",
        ]
        read_only_fields = fields


class EscalationLevelSerializer(serializers.ModelSerializer):
    notify = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = EscalationLevel
        fields = ["level", "after_percent", "notify"]
        read_only_fields = fields


class PolicyVersionSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)
    escalation_levels = EscalationLevelSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = SlaPolicyVersion
        fields = ["number", "note", "created_at", "created_by", "targets", "escalation_levels"]
        read_only_fields = fields


class PolicySerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "description", "is_default", "current_version"]
        read_only_fields = fields

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_current_version(self, obj: SlaPolicy) -> dict[str, Any] | None:
        versions = list(obj.versions.all())  # prefetched, newest first
        return PolicyVersionSerializer(versions[0]).data if versions else None


class TargetInputSerializer(serializers.Serializer):
    severity = serializers.CharField()
    response_value = serializers.IntegerField()
    response_unit = serializers.ChoiceField(choices=TargetUnit.choices)
    response_calendar = serializers.IntegerField()
    resolution_value = serializers.IntegerField()
    resolution_unit = serializers.ChoiceField(choices=TargetUnit.choices)
    resolution_calendar = serializers.IntegerField()
    warn_percent = serializers.IntegerField(required=False, default=75)


class LevelInputSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    after_percent = serializers.IntegerField(required=False, allow_null=True, default=None)
    notify = serializers.ListField(child=serializers.CharField())


class PolicyVersionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    targets = TargetInputSerializer(many=True)
    escalation_levels = LevelInputSerializer(many=True)


class ExplanationItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    text = serializers.CharField()


class ClockSerializer(serializers.Serializer):
    """One clock of a ticket as ``sla.selectors.clock_summary`` describes it."""

    kind = serializers.ChoiceField(choices=ClockKind.choices)
    state = serializers.ChoiceField(choices=ClockState.choices)
    state_display = serializers.CharField()
    policy = serializers.CharField()
    calendar = serializers.CharField()
    target_minutes = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    remaining_minutes = serializers.FloatField(
        allow_null=True, help_text=_("Business minutes left; negative once overdue.")
    )
    paused_minutes = serializers.FloatField()
    paused_since = serializers.DateTimeField(allow_null=True)
    warned_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    explanation = ExplanationItemSerializer(many=True)
