"""Report runs and schedules over the API: what a client sends apart from what it gets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.api.serializers import (
    InputSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    ProductRefSerializer,
    TeamRefSerializer,
    UserRefSerializer,
)
from servicedesk.models import Organization, Product, Team

from ..models import Frequency, Language, ReportKind, ReportRun, ReportSchedule


class ReportRunRequestSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period_start = serializers.DateField(help_text=_("First day of the period (inclusive)."))
    period_end = serializers.DateField(help_text=_("Last day of the period (inclusive)."))
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class ReportRunSerializer(OutputSerializer):
    """A run with its progress; ``snapshot`` (the document's numbers) on the detail only."""

    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    product = ProductRefSerializer(read_only=True, allow_null=True)
    requested_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "kind",
            "period_start",
            "period_end",
            "period_label",
            "organization",
            "team",
            "product",
            "language",
            "requested_by",
            "schedule",
            "state",
            "progress",
            "step",
            "cancel_requested",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ReportRunDetailSerializer(ReportRunSerializer):
    snapshot = serializers.SerializerMethodField(
        help_text=_("The document's sections, filled step by step; frozen once done.")
    )

    class Meta(ReportRunSerializer.Meta):
        fields = [*ReportRunSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields

    def get_snapshot(self, run: ReportRun) -> dict[str, Any]:
        return run.snapshot or {}


class ReportScheduleInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    recipients = serializers.ListField(
        child=serializers.EmailField(max_length=254), required=False, max_length=50
    )
    to_contacts = serializers.BooleanField(
        required=False, help_text=_("Also mail the contacts of the scoped organization.")
    )
    is_active = serializers.BooleanField(required=False)


class ReportScheduleSerializer(OutputSerializer):
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    product = ProductRefSerializer(read_only=True, allow_null=True)
    recipients = serializers.ListField(child=serializers.EmailField(), read_only=True)

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "kind",
            "frequency",
            "organization",
            "team",
            "product",
            "language",
            "recipients",
            "to_contacts",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
