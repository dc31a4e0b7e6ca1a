"""Input and output shapes of the SLA API: calendars, policies with their versions, clocks."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.api.serializers import InputSerializer, OutputSerializer
from servicedesk.ids import MAX_ID

from .. import services
from ..models import (
    SEVERITIES,
    BusinessCalendar,
    ClockKind,
    ClockState,
    EscalationLevel,
    Recipient,
    SlaPolicy,
    SlaPolicyVersion,
    SlaTarget,
    TargetUnit,
)


class CalendarSerializer(OutputSerializer):
    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "description", "spec", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class CalendarInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    spec = serializers.JSONField(
        help_text=_(
            'As in docs/SLA.md: {"timezone": ..., "week": {"mon": [["09:00","12:00"], ...]}, '
            '"holidays": [...], "extra_workdays": [...]}'
        )
    )


class TargetSerializer(OutputSerializer):
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


class EscalationLevelSerializer(OutputSerializer):
    notify = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = EscalationLevel
        fields = ["level", "after_percent", "notify"]
        read_only_fields = fields


class PolicyVersionSerializer(OutputSerializer):
    targets = TargetSerializer(many=True, read_only=True)
    escalation_levels = EscalationLevelSerializer(many=True, read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = SlaPolicyVersion
        fields = ["number", "note", "created_at", "created_by", "targets", "escalation_levels"]
        read_only_fields = fields


class PolicySerializer(OutputSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = SlaPolicy
        fields = ["id", "name", "description", "is_default", "current_version"]
        read_only_fields = fields

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_current_version(self, obj: SlaPolicy) -> dict[str, Any] | None:
        versions = list(obj.versions.all())  # prefetched, newest first
        return PolicyVersionSerializer(versions[0]).data if versions else None


VALUE_HELP = _("At most a year: 527040 minutes, 8784 hours or 366 business days.")


def _target_value() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=services.MAX_TARGET_MINUTES, help_text=VALUE_HELP
    )


def _calendar_id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("A calendar id."))


class TargetInputSerializer(InputSerializer):
    severity = serializers.ChoiceField(choices=SEVERITIES)
    response_value = _target_value()
    response_unit = serializers.ChoiceField(choices=TargetUnit.choices)
    response_calendar = _calendar_id()
    resolution_value = _target_value()
    resolution_unit = serializers.ChoiceField(choices=TargetUnit.choices)
    resolution_calendar = _calendar_id()
    warn_percent = serializers.IntegerField(min_value=1, max_value=99, required=False, default=75)


class LevelInputSerializer(InputSerializer):
    level = serializers.IntegerField(min_value=1, max_value=services.MAX_LEVEL)
    after_percent = serializers.IntegerField(
        min_value=1,
        max_value=services.MAX_AFTER_PERCENT,
        required=False,
        allow_null=True,
        default=None,
    )
    notify = serializers.ListField(
        child=serializers.ChoiceField(choices=Recipient.choices), min_length=1, max_length=4
    )


class PolicyVersionInputSerializer(InputSerializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    targets = TargetInputSerializer(many=True, max_length=4)
    escalation_levels = LevelInputSerializer(many=True, max_length=services.MAX_LEVEL)


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
