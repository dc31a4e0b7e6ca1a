"""The SLA API: business calendars and policies. Staff read; managers change (services check).

A ticket's clocks are part of the ticket's own responses (``/api/v1/tickets/{id}/``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaff
from servicedesk.ids import ID_PATTERN

from .. import services
from ..models import BusinessCalendar, SlaPolicy, SlaPolicyVersion
from .serializers import (
    CalendarInputSerializer,
    CalendarSerializer,
    PolicySerializer,
    PolicyVersionInputSerializer,
    PolicyVersionSerializer,
)


class ByNamePagination(CursorPagination):
    ordering = "name"


def _valid(serializer_class: type, request: Request, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)  # the API's error handler gives the 400 shape
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="Business calendars"),
    retrieve=extend_schema(summary="One business calendar (its JSON spec is the export)"),
)
class CalendarViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CalendarSerializer
    pagination_class = ByNamePagination
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticatedWithScope, IsStaff]

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return BusinessCalendar.objects.all()

    @extend_schema(
        summary="Create (import) a calendar",
        request=CalendarInputSerializer,
        responses={201: CalendarSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(CalendarInputSerializer, request)
        calendar = services.calendar_save(actor=request.user, **data)
        return Response(CalendarSerializer(calendar).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace a calendar",
        description="Running clocks keep the deadlines already computed; new computations "
        "(start, resume, severity change, re-apply) use the new calendar.",
        request=CalendarInputSerializer,
        responses={200: CalendarSerializer},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        calendar = self.get_object()
        data = _valid(CalendarInputSerializer, request, partial=kwargs.get("partial", False))
        data.setdefault("name", calendar.name)
        data.setdefault("spec", calendar.spec)
        data.setdefault("description", calendar.description)
        calendar = services.calendar_save(actor=request.user, calendar=calendar, **data)
        return Response(CalendarSerializer(calendar).data)

    @extend_schema(summary="Edit a calendar", request=CalendarInputSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(summary="Delete an unused calendar (409 naming its users otherwise)")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.calendar_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="SLA policies with their current version"),
    retrieve=extend_schema(summary="One SLA policy"),
)
class PolicyViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicySerializer
    pagination_class = ByNamePagination
    lookup_value_regex = ID_PATTERN
    permission_classes = [IsAuthenticatedWithScope, IsStaff]

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        versions = SlaPolicyVersion.objects.order_by("-number").select_related("created_by")
        return SlaPolicy.objects.prefetch_related(
            Prefetch("versions", queryset=versions.prefetch_related("targets", "escalation_levels"))
        )

    @extend_schema(
        summary="All versions of a policy, newest first",
        responses={200: PolicyVersionSerializer(many=True)},
    )
    @action(
        detail=True, methods=["get"], url_path="versions", pagination_class=None, filter_backends=[]
    )
    def versions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()
        return Response(PolicyVersionSerializer(policy.versions.all(), many=True).data)

    @extend_schema(
        summary="Change a policy: a new version for new tickets",
        description="Existing tickets keep the version they started with until a manager "
        "re-applies the policy (POST .../reapply).",
        request=PolicyVersionInputSerializer,
        responses={201: PolicyVersionSerializer},
    )
    @versions.mapping.post
    def add_version(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = self.get_object()
        data = _valid(PolicyVersionInputSerializer, request)
        version = services.policy_version_create(
            policy,
            actor=request.user,
            targets=[dict(t) for t in data["targets"]],
            levels=[dict(lv) for lv in data["escalation_levels"]],
            note=data.get("note", ""),
        )
        return Response(PolicyVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Create a policy with its first version",
        request=PolicyVersionInputSerializer,
        responses={201: PolicySerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(PolicyVersionInputSerializer, request)
        policy = services.policy_create(
            actor=request.user,
            name=str(request.data.get("name", "")),
            description=str(request.data.get("description", "")),
            targets=[dict(t) for t in data["targets"]],
            levels=[dict(lv) for lv in data["escalation_levels"]],
            note=data.get("note", ""),
        )
        return Response(
            PolicySerializer(self.get_queryset().get(pk=policy.pk)).data,
            status=status.HTTP_201_CREATED,
        )
