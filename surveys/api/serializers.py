"""Survey campaigns over the API: what a manager sends apart from what they get."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.api.serializers import (
    InputSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    UserRefSerializer,
)
from servicedesk.models import Organization

from .. import selectors
from ..models import CampaignSchedule, SurveyCampaign


class CampaignInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    organizations = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(
            queryset=Organization.objects.filter(is_active=True)
        ),
        min_length=1,
        max_length=200,
        help_text=_("The organizations whose contacts are asked."),
    )
    schedule = serializers.ChoiceField(choices=CampaignSchedule.choices, required=False)
    starts_on = serializers.DateField(
        required=False, help_text=_("First sending (today or later; default today).")
    )
    reminder_days = serializers.IntegerField(
        min_value=1, max_value=60, required=False, help_text=_("Days before the one reminder.")
    )


class ResultsSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    reminded = serializers.IntegerField()
    response_percent = serializers.FloatField(allow_null=True)
    averages = serializers.DictField(child=serializers.FloatField(allow_null=True))


class CampaignSerializer(OutputSerializer):
    organizations = OrganizationRefSerializer(many=True, read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SurveyCampaign
        fields = [
            "id",
            "title",
            "schedule",
            "organizations",
            "starts_on",
            "reminder_days",
            "rounds_sent",
            "next_send_at",
            "is_active",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class CampaignDetailSerializer(CampaignSerializer):
    results = serializers.SerializerMethodField()

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "results"]
        read_only_fields = fields

    @extend_schema_field(ResultsSerializer)
    def get_results(self, campaign: SurveyCampaign) -> dict[str, Any]:
        return selectors.campaign_results(campaign)
