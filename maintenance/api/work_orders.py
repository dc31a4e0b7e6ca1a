"""The work-order API: thin views over ``maintenance.selectors`` (reads) and
``maintenance.services`` (writes).

Every order is fetched through the visibility chokepoint, so customers get 404 for any
order and its events; the staff-only lists (work orders, fault log, service hours) are 403
for them, like the tickets API's staff-only endpoints. Every POST honours Idempotency-Key;
steps take the order's version (body ``version`` or ``If-Match``) and answer 409 when stale.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api import versions
from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import (
    ERRORS,
    IDEMPOTENCY_KEY,
    error_example,
    if_match,
    ordering_parameter,
    write_errors,
)
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404

from .. import selectors, services
from ..models import WorkOrder
from ..services import edits
from ..services._common import lock
from .filters import ORDERING_FIELDS, WorkOrderFilter, WorkOrderOrdering
from .serializers import (
    AnalysisSerializer,
    ApproveSerializer,
    CancelSerializer,
    DeliverSerializer,
    FixSerializer,
    LinkTicketSerializer,
    RejectSerializer,
    TestResultSerializer,
    VersionOnlySerializer,
    WorkOrderCreateSerializer,
    WorkOrderEventSerializer,
    WorkOrderListSerializer,
    WorkOrderSerializer,
    WorkOrderUpdateSerializer,
)

WORK_ORDER_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Work order id, or its number (WO-2026-000123).",
)
IF_MATCH = if_match("work order")
WRITE_ERRORS = write_errors(
    "stale_version, invalid_transition (with `allowed`), already_decided, ..."
)
STEP = {"parameters": [WORK_ORDER_ID, IF_MATCH, IDEMPOTENCY_KEY]}


def expected_version(request: Request, body_version: int | None = None) -> int | None:
    """The work order version the client last read (body ``version`` or If-Match)."""
    return versions.expected_version(
        request,
        body_version,
        message=_('If-Match must be the work order version you last read, e.g. "3".'),
    )


_valid = versions.validated


class WorkOrderViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Work orders (staff only): the list and approval inbox, drafting, editing, the steps."""

    serializer_class = WorkOrderSerializer
    pagination_class = CursorPagination
    filter_backends = [FilterBackend, WorkOrderOrdering]
    filterset_class = WorkOrderFilter
    ordering_fields = ORDERING_FIELDS
    ordering = "-created_at"

    def get_permissions(self):
        if self.action in ("list", "create"):
            return [IsAuthenticatedWithScope(), IsStaffElse404()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.work_order_list(self.request.user)

    def get_object(self) -> WorkOrder:
        return selectors.work_order_get_for(self.request.user, self.kwargs["pk"])

    def _respond(self, order: WorkOrder, code: int = status.HTTP_200_OK) -> Response:
        """The order as the caller now sees it, re-read with its related rows."""
        fresh = selectors.work_order_get_for(self.request.user, order.pk)
        selectors.with_deadlines([fresh])
        response = Response(WorkOrderSerializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def _locked_step(self, request: Request, step, **kwargs: Any) -> Response:
        """A step whose service takes no version: check it under the row lock, then run the
        step in the same transaction (its own lock is then already held)."""
        order = self.get_object()
        version = expected_version(request, kwargs.pop("version", None))
        with transaction.atomic():
            if version is not None:
                order = lock(order, request.user, version)
            order = step(order, actor=request.user, **kwargs)
        return self._respond(order)

    @extend_schema(
        summary="List work orders; ?awaiting_my_approval=true is the sign-off inbox",
        description=(
            "Staff only. With `awaiting_my_approval=true`: submitted orders the caller may "
            "sign (a manager, or a deputy today), not drafted by the caller, oldest "
            "submission first (ordering is then ignored). Each row carries its linked tickets "
            "with their SLA deadlines."
        ),
        parameters=[
            ordering_parameter(
                ORDERING_FIELDS,
                "-created_at",
                "`submitted_at` lists submitted orders only. ",
            )
        ],
        responses={200: WorkOrderListSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = selectors.with_deadlines(self.paginate_queryset(queryset) or [])
        return self.get_paginated_response(WorkOrderListSerializer(page, many=True).data)

    @extend_schema(
        summary="Draft a work order (from tickets, or internally)",
        description=(
            "Agents, engineers and managers. The first ticket's facts fill an empty "
            "description, its product and severity empty ones; each ticket is linked."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=WorkOrderCreateSerializer,
        responses={201: WorkOrderSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "A fault work order from two tickets",
                request_only=True,
                value={
                    "kind": "corrective",
                    "title": "Invoices print with a blank second page",
                    "tickets": [481, 486],
                },
            ),
            error_example(
                "An unknown ticket",
                400,
                "invalid",
                "Unknown tickets: 999999.",
                fields={"tickets": ["Unknown tickets: 999999."]},
            ),
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(WorkOrderCreateSerializer, request, self)
        order = services.work_order_draft(actor=request.user, **data)
        return self._respond(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="One work order",
        parameters=[WORK_ORDER_ID],
        responses={200: WorkOrderSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        summary="Edit title, description, service group or assignee",
        description="While the order is a draft or in progress (not awaiting sign-off).",
        parameters=[WORK_ORDER_ID, IF_MATCH],
        request=WorkOrderUpdateSerializer,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        changes = _valid(WorkOrderUpdateSerializer, request, self)
        version = expected_version(request, changes.pop("version", None))
        order = edits.work_order_update(
            order, actor=request.user, changes=changes, expected_version=version
        )
        return self._respond(order)

    @extend_schema(
        summary="Submit for sign-off", request=VersionOnlySerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(VersionOnlySerializer, request, self)
        order = services.work_order_submit(
            order,
            actor=request.user,
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(order)

    @extend_schema(
        summary="Sign off (签发): managers, or their deputy",
        description="Of two decisions at once exactly one wins; the other is 409.",
        request=ApproveSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Sign with a note", request_only=True,
                value={"comment": "Approved: on-site visit on Tuesday.", "version": 3},
            ),
            error_example(
                "Drafted by the caller", 403, "own_work_order",
                "You drafted this work order: another manager must sign it.",
            ),
            error_example(
                "Changed by someone else", 409, "stale_version",
                "This work order was changed by someone else (version 4, you sent 3). "
                "Reload it and try again.",
                current_version=4,
            ),
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(ApproveSerializer, request, self)
        order = services.work_order_approve(
            order,
            actor=request.user,
            comment=data["comment"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(order)

    @extend_schema(
        summary="Reject (驳回): back to draft with the reason",
        request=RejectSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(RejectSerializer, request, self)
        order = services.work_order_reject(
            order,
            actor=request.user,
            reason=data["reason"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(order)

    @extend_schema(
        summary="Start the analysis (engineers)",
        request=VersionOnlySerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="start-analysis")
    def start_analysis(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(VersionOnlySerializer, request, self)
        return self._locked_step(request, services.work_order_start_analysis, **data)

    @extend_schema(
        summary="Record the fault analysis (故障分析)",
        description=(
            "A corrective order's analysis writes its line of the product fault log. With a "
            "software change the order goes on to fixing; without, it waits for delivery."
        ),
        request=AnalysisSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def analysis(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(AnalysisSerializer, request, self)
        version = expected_version(request, data.pop("version", None))
        order = services.work_order_analyse(
            order, actor=request.user, expected_version=version, **data
        )
        return self._respond(order)

    @extend_schema(
        summary="Record the fix (engineers); the order goes to testing",
        request=FixSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def fix(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(FixSerializer, request, self)
        version = expected_version(request, data.pop("version", None))
        order = services.work_order_record_fix(
            order, actor=request.user, expected_version=version, **data
        )
        return self._respond(order)

    @extend_schema(
        summary="Record the test result (a tester other than the fixer)",
        description="A failure (with notes) sends the order back to fixing.",
        request=TestResultSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(TestResultSerializer, request, self)
        version = expected_version(request, data.pop("version", None))
        order = services.work_order_record_test(
            order, actor=request.user, expected_version=version, **data
        )
        return self._respond(order)

    @extend_schema(
        summary="Deliver: each linked open ticket gets the note as a reply and is resolved",
        description=(
            "`version` here is the product version with the fix; send the work order's "
            "version as If-Match."
        ),
        request=DeliverSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = self.get_object()
        data = _valid(DeliverSerializer, request, self)
        order = services.work_order_deliver(
            order,
            actor=request.user,
            note=data["note"],
            version=data["version"],
            expected_version=expected_version(request),
        )
        return self._respond(order)

    @extend_schema(
        summary="Close a delivered order",
        request=VersionOnlySerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(VersionOnlySerializer, request, self)
        return self._locked_step(request, services.work_order_close, **data)

    @extend_schema(
        summary="Cancel an open order, with the reason",
        request=CancelSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(CancelSerializer, request, self)
        return self._locked_step(request, services.work_order_cancel, reason=data["reason"])

    @extend_schema(
        summary="Link another ticket (the same fault reported again)",
        request=LinkTicketSerializer, **STEP,
        responses={200: WorkOrderSerializer, **WRITE_ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="tickets")
    def link_ticket(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(LinkTicketSerializer, request, self)
        return self._locked_step(request, services.work_order_link_ticket, ticket=data["ticket"])


class OldestFirstPagination(CursorPagination):
    ordering = ("created_at", "id")


class WorkOrderEventsView(generics.GenericAPIView):
    """The audit trail of one order, oldest first (customers: 404)."""

    serializer_class = WorkOrderEventSerializer
    pagination_class = OldestFirstPagination
    filter_backends: list[type] = []

    @extend_schema(
        summary="Audit trail of a work order",
        parameters=[WORK_ORDER_ID],
        responses={200: WorkOrderEventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = selectors.work_order_get_for(request.user, kwargs["pk"])
        page = self.paginate_queryset(selectors.work_order_events(request.user, order))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
