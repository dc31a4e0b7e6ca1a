"""An inspection's checklist results over the API (a preventive work order's), and the
corrective order raised from an issue found. Staff only: 404 for anyone who may not see the
order (customers). Every POST honours Idempotency-Key; results take the order's version."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api import versions
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY
from servicedesk.api.parsers import JSONParser
from servicedesk.api.serializers import InputSerializer, OutputSerializer
from servicedesk.errors import NotFound

from .. import selectors
from ..choices import CheckOutcome
from ..models import InspectionCheck, WorkOrder
from ..permissions import work_order_visibility_q
from ..services import inspections
from .plans import IF_MATCH, ORDER_ID, WRITE_ERRORS, PlanVersionSerializer, expected_version


class InspectionCheckResultSerializer(InputSerializer):
    item = serializers.CharField(max_length=300)
    outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class InspectionResultsSerializer(PlanVersionSerializer):
    results = InspectionCheckResultSerializer(many=True, max_length=200)


class InspectionCheckSerializer(OutputSerializer):
    raised = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = InspectionCheck
        fields = ["id", "item", "outcome", "note", "raised"]
        read_only_fields = fields


class InspectionSerializer(OutputSerializer):
    checks = serializers.SerializerMethodField()
    plan = serializers.IntegerField(source="plan_item.plan_id", read_only=True, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "status", "version", "occurrence", "plan", "checklist"]
        fields += ["checks"]
        read_only_fields = fields

    def get_checks(self, obj: WorkOrder) -> list[dict[str, Any]]:
        return InspectionCheckSerializer(selectors.inspection_checks(obj), many=True).data


class RaiseCorrectiveSerializer(InputSerializer):
    check = serializers.IntegerField(help_text=gettext_lazy("The id of an issue found."))
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    severity = serializers.ChoiceField(
        choices=[("", "-"), ("L1", "L1"), ("L2", "L2"), ("L3", "L3"), ("L4", "L4")],
        required=False,
        default="",
    )


class RaisedSerializer(OutputSerializer):
    raised_from = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "kind", "status", "title", "raised_from", "version"]
        read_only_fields = fields


def _inspection(request: Request, pk: Any) -> WorkOrder:
    try:
        return (
            WorkOrder.objects.filter(work_order_visibility_q(request.user))
            .select_related("plan_item")
            .get(pk=int(pk))
        )
    except (WorkOrder.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Work order not found.")) from None


class InspectionView(IdempotentMixin, generics.GenericAPIView):
    serializer_class = InspectionSerializer
    pagination_class = None
    filter_backends: list[type] = []
    parser_classes = [JSONParser]

    @extend_schema(
        summary="An inspection's checklist and recorded results",
        parameters=[ORDER_ID],
        responses={200: InspectionSerializer, **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(InspectionSerializer(_inspection(request, kwargs["pk"])).data)

    @extend_schema(
        summary="Record an inspection's checklist results",
        description="Engineers and managers. Every checklist item exactly once, `ok` or "
        "`issue` (an issue needs a `note`); other items are recorded as additional findings. "
        "The order is then done. 400 `results.<index>.<field>` or `results`; 409 for an "
        "order that is not an open inspection or a stale version.",
        parameters=[ORDER_ID, IF_MATCH, IDEMPOTENCY_KEY],
        request=InspectionResultsSerializer,
        responses={200: InspectionSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = _inspection(request, kwargs["pk"])
        data = versions.validated(InspectionResultsSerializer, request, self)
        inspections.inspection_complete(
            order,
            actor=request.user,
            results=[dict(r) for r in data["results"]],
            expected_version=expected_version(request, data.get("version")),
        )
        return Response(InspectionSerializer(_inspection(request, order.pk)).data)


class RaiseCorrectiveView(IdempotentMixin, generics.GenericAPIView):
    serializer_class = RaisedSerializer
    pagination_class = None
    filter_backends: list[type] = []
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Raise a corrective work order from an issue found",
        description="Drafts a fault work order with the inspection's facts, linked both ways. "
        "409 `no_issue` for an item found OK, `already_raised` (naming the order) the "
        "second time.",
        parameters=[ORDER_ID, IDEMPOTENCY_KEY],
        request=RaiseCorrectiveSerializer,
        responses={201: RaisedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        order = _inspection(request, kwargs["pk"])
        data = versions.validated(RaiseCorrectiveSerializer, request, self)
        check = order.checks.filter(pk=data["check"]).first()
        if check is None:
            raise NotFound(_("Inspection result not found."))
        raised = inspections.inspection_raise_corrective(
            check,
            actor=request.user,
            title=data["title"],
            severity=data["severity"],
        )
        return Response(RaisedSerializer(raised).data, status=status.HTTP_201_CREATED)
