"""/api/v1/report-runs/ and /api/v1/report-schedules/.

Runs: staff see every run; customers their own organization's customer service reports
(404 for any other). POST queues a run (generation is asynchronous: poll the detail for
``state``, ``progress`` and ``step``); ``cancel`` stops it. Schedules are for managers:
customers get 404, other staff 403.
"""

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
from ..services import (
    report_run_cancel,
    report_run_request,
    report_schedule_delete,
    report_schedule_save,
)
from .serializers import (
    ReportRunDetailSerializer,
    ReportRunRequestSerializer,
    ReportRunSerializer,
    ReportScheduleInputSerializer,
    ReportScheduleSerializer,
)


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")


class ById(CursorPagination):
    ordering = ("id",)


class ReportRunViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Report runs (用户服务汇报, 产品维护汇报): staff see all, customers their own
    organization's customer service reports."""

    serializer_class = ReportRunSerializer
    permission_classes = [IsAuthenticatedWithScope]
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.report_runs(self.request.user)

    @extend_schema(
        summary="Report runs you may see, newest first (with their progress)",
        responses={200: ReportRunSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Request a customer service report or a product maintenance report",
        description=(
            "Queued at once (201) and generated in the background, one section per step: "
            "poll the run for `state`, `progress` (percent) and `step`. A customer's report "
            "always covers their own organization; customers may request the customer "
            "service report only. A period covers at most 400 days."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ReportRunRequestSerializer,
        responses={201: ReportRunSerializer, **write_errors("-")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReportRunRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = report_run_request(user=request.user, **serializer.validated_data)
        run = selectors.report_run_get(request.user, run.pk, with_snapshot=False)
        return Response(ReportRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One report run: progress while it runs, the document's numbers when done",
        responses={200: ReportRunDetailSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, pk: Any = None, *args: Any, **kwargs: Any) -> Response:
        run = selectors.report_run_get(request.user, pk)
        return Response(ReportRunDetailSerializer(run).data)

    @extend_schema(
        summary="Cancel a queued or running report",
        description=(
            "A queued run is cancelled at once; a running one stops at its next step "
            "(`cancel_requested` is true until then). A finished run is 409."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=None,
        responses={200: ReportRunSerializer, **write_errors("`invalid_transition`: finished.")},
    )
    def cancel(self, request: Request, pk: Any = None, *args: Any, **kwargs: Any) -> Response:
        run = report_run_cancel(user=request.user, run_id=int(pk))
        run = selectors.report_run_get(request.user, run.pk, with_snapshot=False)
        return Response(ReportRunSerializer(run).data)


class ReportScheduleViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Scheduled reports, mailed with the XLSX attached (managers only)."""

    serializer_class = ReportScheduleSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = ById

    def get_queryset(self):
        return selectors.report_schedules(self.request.user)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not is_manager(request.user):
            raise NotAllowed(_("Only managers may subscribe to scheduled reports."))

    @extend_schema(
        summary="Report schedules (managers)",
        responses={200: ReportScheduleSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Subscribe to a weekly, monthly or quarterly report",
        description=(
            "Beat generates the run of each closed period once and mails it with the XLSX "
            "attached to `recipients` (and, with `to_contacts`, to the contacts of the "
            "schedule's organization)."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=ReportScheduleInputSerializer,
        responses={201: ReportScheduleSerializer, **write_errors("-")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ReportScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        schedule = report_schedule_save(user=request.user, **serializer.validated_data)
        return Response(ReportScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One report schedule", responses={200: ReportScheduleSerializer, **ERRORS}
    )
    def retrieve(self, request: Request, pk: Any = None, *args: Any, **kwargs: Any) -> Response:
        schedule = selectors.report_schedule_get(request.user, pk)
        return Response(ReportScheduleSerializer(schedule).data)

    @extend_schema(
        summary="Change a report schedule",
        request=ReportScheduleInputSerializer(partial=True),
        responses={200: ReportScheduleSerializer, **write_errors("-")},
    )
    def partial_update(
        self, request: Request, pk: Any = None, *args: Any, **kwargs: Any
    ) -> Response:
        schedule = selectors.report_schedule_get(request.user, pk)
        serializer = ReportScheduleInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        schedule = report_schedule_save(
            user=request.user, schedule=schedule, **serializer.validated_data
        )
        return Response(ReportScheduleSerializer(schedule).data)

    @extend_schema(
        summary="Delete a report schedule", request=None, responses={204: None, **ERRORS}
    )
    def destroy(self, request: Request, pk: Any = None, *args: Any, **kwargs: Any) -> Response:
        schedule = selectors.report_schedule_get(request.user, pk)
        report_schedule_delete(user=request.user, schedule=schedule)
        return Response(status=status.HTTP_204_NO_CONTENT)
