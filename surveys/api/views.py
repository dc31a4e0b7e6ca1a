"""/api/v1/survey-campaigns/: managers create campaigns and read their results. Customers
get 404 (they never see campaigns or results), other staff 403."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.errors import NotAllowed
from servicedesk.permissions import is_manager

from .. import selectors
from ..services import CampaignInput, campaign_create
from .serializers import CampaignDetailSerializer, CampaignInputSerializer, CampaignSerializer


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class SurveyCampaignViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """满意度调查 campaigns (回访): periodic or annual surveys of chosen organizations."""

    serializer_class = CampaignSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.campaigns(self.request.user)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not is_manager(request.user):
            raise NotAllowed(_("Only managers run satisfaction surveys."))

    @extend_schema(
        summary="Survey campaigns, newest first (managers)",
        responses={200: CampaignSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Create a survey campaign",
        description=(
            "Every contact with an email address of the chosen organizations gets a link to "
            "four questions (overall, responsiveness, professionalism 1-5, free text) on "
            "`starts_on`, then every quarter, half-year or year as `schedule` says; one "
            "reminder after `reminder_days` to those who have not answered."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=CampaignInputSerializer,
        responses={201: CampaignSerializer, **write_errors("-")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CampaignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaign_create(
            actor=request.user,
            data=CampaignInput(
                title=data["title"],
                organizations=list(data["organizations"]),
                schedule=data.get("schedule", "once"),
                starts_on=data.get("starts_on"),
                reminder_days=data.get("reminder_days"),
            ),
        )
        campaign = selectors.campaign_get(request.user, campaign.pk)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One campaign with its results (response rate, averages)",
        responses={200: CampaignDetailSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, pk: Any = None, *args: Any, **kwargs: Any) -> Response:
        campaign = selectors.campaign_get(request.user, pk)
        return Response(CampaignDetailSerializer(campaign).data)
