"""服务机时 over the API: staff record their own time; lists and SQL totals (staff only)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend, query_error
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404

from .. import selectors
from ..selectors.service_hours import TOTAL_GROUPS
from ..services.time_entries import time_entry_add
from .filters import TimeEntryFilter
from .serializers import (
    TimeEntryCreateSerializer,
    TimeEntrySerializer,
    TimeTotalsQuerySerializer,
    TimeTotalsSerializer,
    totals_payload,
)
from .work_orders import WRITE_ERRORS

TOTALS_LIMIT = 1000


class ByDayPagination(CursorPagination):
    ordering = ("-worked_on", "-id")


class TimeEntryViewSet(IdempotentMixin, viewsets.GenericViewSet):
    serializer_class = TimeEntrySerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = ByDayPagination
    filter_backends = [FilterBackend]
    filterset_class = TimeEntryFilter

    def get_queryset(self):
        return selectors.time_entry_list(self.request.user)

    @extend_schema(
        summary="Service hours (服务机时), newest day first",
        responses={200: TimeEntrySerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Record your time on a ticket or a work order",
        description="Exactly one of ticket and work_order; 1-1440 minutes; today or earlier.",
        parameters=[IDEMPOTENCY_KEY],
        request=TimeEntryCreateSerializer,
        responses={201: TimeEntrySerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TimeEntryCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        entry = time_entry_add(actor=request.user, **serializer.validated_data)
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Totals of service hours per ticket, work order, customer or engineer",
        description=(
            "Computed by the database; largest first, at most 1,000 rows. An entry on a work "
            "order counts for the customer of its first linked ticket."
        ),
        parameters=[
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=[*TOTAL_GROUPS], required=True),
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (inclusive)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive)."),
        ],
        responses={200: TimeTotalsSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def totals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = TimeTotalsQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise query_error(query.errors)
        group_by = query.validated_data["group_by"]
        start, end = query.validated_data.get("from"), query.validated_data.get("to")
        rows = selectors.time_entry_totals(request.user, group_by, start, end, limit=TOTALS_LIMIT)
        return Response(TimeTotalsSerializer(totals_payload(group_by, start, end, rows)).data)
