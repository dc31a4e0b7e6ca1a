"""The maintenance-plan API: plans with their scheduled inspections, their sign-off and
audit trail (an inspection's checklist results are in ``maintenance.api.inspections``).

Thin views over ``maintenance.selectors.plans`` and the plan services, the same rules as
the pages. Staff only: everything here is 404 for customers. Every POST honours
Idempotency-Key; steps and PATCH take the plan's version (body ``version`` or If-Match)
and answer 409 when it is stale, or when another decision came first.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api import versions
from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, if_match, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.api.serializers import (
    ContractRefSerializer,
    InputSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    ProductRefSerializer,
    TeamRefSerializer,
    UserRefSerializer,
)
from servicedesk.models import Contract, Product, Team

from .. import selectors
from ..choices import PlanStatus, Recurrence
from ..models import MaintenancePlan, PlanEvent, PlanItem
from ..services import plans
from ..workflow import PLAN_TRANSITIONS, allowed

WRITE_ERRORS = write_errors(
    "stale_version, invalid_transition (with `allowed`), already_decided, "
    "plan_not_draft, already_raised, no_issue, not_an_inspection."
)
IF_MATCH = if_match("plan or work order")
PLAN_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Plan id.")
ORDER_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Preventive work order id."
)
STEP = [PLAN_ID, IF_MATCH, IDEMPOTENCY_KEY]


def expected_version(request: Request, body_version: int | None) -> int | None:
    return versions.expected_version(
        request, body_version, message=_('If-Match must be the version you last read, e.g. "3".')
    )


# --------------------------------------------------------------------------- serializers


class PlanItemSerializer(OutputSerializer):
    product = ProductRefSerializer(read_only=True, allow_null=True)
    schedule = serializers.SerializerMethodField(help_text=gettext_lazy("The recurrence in words."))

    class Meta:
        model = PlanItem
        fields = ["id", "title", "product", "recurrence", "day", "month", "rrule", "lead_days"]
        fields += ["checklist", "schedule"]
        read_only_fields = fields

    def get_schedule(self, obj: PlanItem) -> str:
        return selectors.schedule_in_words(obj)


class PlanListSerializer(OutputSerializer):
    contract = ContractRefSerializer(read_only=True)
    customer = OrganizationRefSerializer(source="contract.organization", read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    drafted_by = UserRefSerializer(read_only=True, allow_null=True)
    approved_by = UserRefSerializer(read_only=True, allow_null=True)
    approved_for = UserRefSerializer(read_only=True, allow_null=True)
    allowed = serializers.SerializerMethodField(
        help_text=gettext_lazy("The statuses the plan may move to next.")
    )

    class Meta:
        model = MaintenancePlan
        fields = ["id", "title", "contract", "customer", "starts_on", "ends_on", "goals"]
        fields += ["team", "status", "allowed", "drafted_by", "approved_by", "approved_for"]
        fields += ["approved_at", "rejection_reason", "created_at", "version"]
        read_only_fields = fields

    def get_allowed(self, obj: MaintenancePlan) -> list[str]:
        return allowed(PLAN_TRANSITIONS, obj.status)


class PlanSerializer(PlanListSerializer):
    items = PlanItemSerializer(many=True, read_only=True)

    class Meta(PlanListSerializer.Meta):
        fields = [*PlanListSerializer.Meta.fields, "items"]
        read_only_fields = fields


class PlanItemInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, default=None
    )
    recurrence = serializers.ChoiceField(choices=Recurrence.choices)
    day = serializers.IntegerField(required=False, allow_null=True, default=None)
    month = serializers.IntegerField(required=False, allow_null=True, default=None)
    rrule = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    lead_days = serializers.IntegerField(required=False, default=7)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, default=list, max_length=100
    )


class _PlanFieldsSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    goals = serializers.CharField(required=False, allow_blank=True, default="")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    items = PlanItemInputSerializer(many=True, required=False)


class PlanCreateSerializer(_PlanFieldsSerializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.all())


class PlanUpdateSerializer(_PlanFieldsSerializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("The plan version you last read (or send If-Match)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class PlanVersionSerializer(InputSerializer):
    version = serializers.IntegerField(required=False, min_value=1)


class PlanApproveSerializer(PlanVersionSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PlanRejectSerializer(PlanVersionSerializer):
    reason = serializers.CharField(max_length=2000)


class PlanCloseSerializer(PlanVersionSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PlanEventSerializer(OutputSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PlanEvent
        fields = ["id", "kind", "actor", "data", "created_at"]
        read_only_fields = fields


# --------------------------------------------------------------------------- plans


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    contract = django_filters.ModelChoiceFilter(queryset=Contract.objects.all())
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())

    class Meta:
        model = MaintenancePlan
        fields: list[str] = []


class NewestFirstPagination(CursorPagination):
    ordering = "-id"


class OldestFirstPagination(CursorPagination):
    ordering = ("created_at", "id")


class MaintenancePlanViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """产品维护计划 / 用户服务计划 with their scheduled inspections (staff only)."""

    serializer_class = PlanSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = PlanFilter
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[MaintenancePlan]:
        return selectors.plan_list(self.request.user)

    def get_object(self) -> MaintenancePlan:
        return selectors.plan_get_for(self.request.user, self.kwargs["pk"])

    def _respond(self, plan: MaintenancePlan, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.plan_get_for(self.request.user, plan.pk)
        response = Response(PlanSerializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    @extend_schema(
        summary="List maintenance plans",
        description="Newest first. Filters: `status`, `contract`, `team` (ids).",
        responses={200: PlanListSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PlanListSerializer(page, many=True).data)

    @extend_schema(
        summary="Draft a maintenance plan",
        description="Agents, engineers, managers. A period that ends before it starts is 400 "
        "`ends_on`; a recurrence that never falls inside the period is 400 "
        "`items.<index>.<field>` (e.g. `items.0.rrule`).",
        parameters=[IDEMPOTENCY_KEY],
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = versions.validated(PlanCreateSerializer, request, self)
        items = [dict(item) for item in data.pop("items", [])]
        plan = plans.plan_draft(actor=request.user, items=items, **data)
        return self._respond(plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="A maintenance plan with its scheduled inspections",
        parameters=[PLAN_ID],
        responses={200: PlanSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        summary="Change a draft plan",
        description="Drafts only (409 `plan_not_draft`). `items`, when given, replaces all "
        "of them. Send the version you read (`version` or If-Match): a stale one is 409.",
        parameters=[PLAN_ID, IF_MATCH],
        request=PlanUpdateSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = versions.validated(PlanUpdateSerializer, request, self)
        version = expected_version(request, data.pop("version", None))
        items = data.pop("items", None)
        plan = plans.plan_update(
            plan,
            actor=request.user,
            changes=data,
            items=[dict(item) for item in items] if items is not None else None,
            expected_version=version,
        )
        return self._respond(plan)

    @extend_schema(
        summary="Submit a plan for sign-off",
        parameters=STEP,
        request=PlanVersionSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = versions.validated(PlanVersionSerializer, request, self)
        version = expected_version(request, data.get("version"))
        return self._respond(plans.plan_submit(plan, actor=request.user, expected_version=version))

    @extend_schema(
        summary="Sign a plan off (签发)",
        description="A service-center manager, or their deputy (recorded as `approved_for`). "
        "Never the drafter (403 `own_plan`). A second decision is 409 `already_decided`.",
        parameters=STEP,
        request=PlanApproveSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = versions.validated(PlanApproveSerializer, request, self)
        plan = plans.plan_approve(
            plan,
            actor=request.user,
            comment=data["comment"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(plan)

    @extend_schema(
        summary="Reject a plan (驳回): back to draft with the reason",
        parameters=STEP,
        request=PlanRejectSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = versions.validated(PlanRejectSerializer, request, self)
        plan = plans.plan_reject(
            plan,
            actor=request.user,
            reason=data["reason"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(plan)

    @extend_schema(
        summary="Close a signed plan: no more inspections are generated",
        parameters=STEP,
        request=PlanCloseSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = versions.validated(PlanCloseSerializer, request, self)
        plan = plans.plan_close(
            plan,
            actor=request.user,
            reason=data["reason"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(plan)


class PlanEventsView(generics.ListAPIView):
    """The plan's audit trail, oldest first."""

    serializer_class = PlanEventSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self) -> QuerySet[PlanEvent]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no plan
            return PlanEvent.objects.none()
        plan = selectors.plan_get_for(self.request.user, self.kwargs["pk"])
        return selectors.plan_events(plan)

    @extend_schema(
        summary="A plan's audit trail",
        parameters=[PLAN_ID],
        responses={200: PlanEventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
