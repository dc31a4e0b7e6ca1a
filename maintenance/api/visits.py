"""回访 (follow-ups) and 上门服务 (on-site visits) over the API.

Follow-ups are staff only: customers get 404, as for every maintenance collection. Visits
are read by the customer of the ticket's organization too (their own visits only; another
organization's visit is a 404) and confirmed or refused by them; the other steps are
staff's (a customer gets 404 from them). Every POST honours Idempotency-Key; visit steps
take the visit's version (body ``version`` or If-Match).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api import versions
from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.api.serializers import InputSerializer, OutputSerializer, UserRefSerializer
from servicedesk.choices import STAFF_ROLES
from servicedesk.models import User
from tickets.models import Ticket

from .. import selectors
from ..choices import FollowUpOutcome
from ..models import FollowUp, OnSiteVisit
from ..services import visits as services
from .filters import FollowUpFilter, VisitFilter
from .plans import IF_MATCH, expected_version
from .serializers.output import NumberRefSerializer

FOLLOW_UP_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Follow-up id."
)
VISIT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Visit id.")
WRITE_ERRORS = write_errors("stale_version, invalid_transition (with `allowed`)")
STEP = [VISIT_ID, IF_MATCH, IDEMPOTENCY_KEY]


# --------------------------------------------------------------------------- serializers


class FollowUpSerializer(OutputSerializer):
    """回访: a check with the customer after an L1/L2 fault or a complaint was resolved."""

    ticket = NumberRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    done_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FollowUp
        fields = ["id", "ticket", "due_at", "assignee", "outcome", "note", "done_by", "done_at"]
        fields += ["created_at"]
        read_only_fields = fields


class FollowUpRecordSerializer(InputSerializer):
    outcome = serializers.ChoiceField(choices=FollowUpOutcome.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text=gettext_lazy("Required when the problem recurred: the ticket reopens with it."),
    )


class VisitSerializer(OutputSerializer):
    """上门服务: an engineer on site, from the request to the customer's confirmation."""

    ticket = NumberRefSerializer(read_only=True)
    engineer = UserRefSerializer(read_only=True, allow_null=True)
    confirmed_by = UserRefSerializer(read_only=True, allow_null=True)
    on_time = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Arrived by the deadline; null until the arrival."),
    )
    minutes = serializers.IntegerField(
        source="time_entry.minutes",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The on-site service hours recorded from arrival to departure."),
    )

    class Meta:
        model = OnSiteVisit
        fields = ["id", "ticket", "status", "engineer", "contact_name", "contact_phone"]
        fields += ["address", "requested_at", "appointment_at", "due_at", "on_time"]
        fields += ["arrived_at", "departed_at", "minutes", "report", "confirmed_by"]
        fields += ["confirmed_at", "refusal_reason", "cancel_reason", "version"]
        read_only_fields = fields


def _engineer_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True, role__in=STAFF_ROLES),
        help_text=gettext_lazy("The engineer who goes (a member of staff's id)."),
        **kwargs,
    )


class VisitRequestSerializer(InputSerializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())
    address = serializers.CharField(max_length=300)
    contact_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=120
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40
    )
    engineer = _engineer_field(required=False, allow_null=True, default=None)
    appointment_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class VisitVersionSerializer(InputSerializer):
    version = serializers.IntegerField(required=False, min_value=1)


class VisitScheduleSerializer(VisitVersionSerializer):
    engineer = _engineer_field()
    appointment_at = serializers.DateTimeField()


class VisitMomentSerializer(VisitVersionSerializer):
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("When it happened; now if omitted."),
    )


class VisitDepartSerializer(VisitMomentSerializer):
    report = serializers.CharField(max_length=4000)


class VisitConfirmSerializer(VisitVersionSerializer):
    accepted = serializers.BooleanField()
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=4000,
        help_text=gettext_lazy("Required when refusing."),
    )


class VisitCancelSerializer(VisitVersionSerializer):
    reason = serializers.CharField(max_length=4000)


# --------------------------------------------------------------------------- views


class DueFirstPagination(CursorPagination):
    ordering = ("due_at", "id")


class NewestFirstPagination(CursorPagination):
    ordering = ("-requested_at", "-id")


class FollowUpViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """回访 (staff only)."""

    serializer_class = FollowUpSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = DueFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = FollowUpFilter
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.follow_up_list(self.request.user)

    @extend_schema(
        summary="Follow-up visits (回访), the earliest due first",
        description="Filters: `mine=true` (assigned to you), `open=true` (not recorded yet), "
        "`ticket` (id).",
        responses={200: FollowUpSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(FollowUpSerializer(page, many=True).data)

    @extend_schema(
        summary="A follow-up visit",
        parameters=[FOLLOW_UP_ID],
        responses={200: FollowUpSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        follow_up = selectors.follow_up_get_for(request.user, kwargs["pk"])
        return Response(FollowUpSerializer(follow_up).data)

    @extend_schema(
        summary="Record the outcome of a follow-up",
        description="`recurred` needs a `note` and reopens the ticket (resolved or closed) "
        "with it, told to the customer. Recorded once: again is 409 `stale_version`.",
        parameters=[FOLLOW_UP_ID, IDEMPOTENCY_KEY],
        request=FollowUpRecordSerializer,
        responses={200: FollowUpSerializer, **WRITE_ERRORS},
    )
    def record(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        follow_up = selectors.follow_up_get_for(request.user, kwargs["pk"])
        data = versions.validated(FollowUpRecordSerializer, request, self)
        follow_up = services.follow_up_record(follow_up, actor=request.user, **data)
        fresh = selectors.follow_up_get_for(request.user, follow_up.pk)
        return Response(FollowUpSerializer(fresh).data)


class VisitViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """上门服务: staff run the visit; the customer of the ticket reads and confirms it."""

    serializer_class = VisitSerializer
    permission_classes = [IsAuthenticatedWithScope]
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = VisitFilter
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.visit_list(self.request.user)

    def _visit(self) -> OnSiteVisit:
        return selectors.visit_get_for(self.request.user, self.kwargs["pk"])

    def _respond(self, visit: OnSiteVisit, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.visit_get_for(self.request.user, visit.pk)
        response = Response(VisitSerializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    def _version(self, data: dict[str, Any]) -> int | None:
        return expected_version(self.request, data.pop("version", None))

    @extend_schema(
        summary="On-site visits (上门服务), newest first",
        description="Customers see their organization's visits only. Filters: `status`, "
        "`ticket`, `engineer`.",
        responses={200: VisitSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(VisitSerializer(page, many=True).data)

    @extend_schema(
        summary="Request an engineer on site",
        description="Staff. Due 24 business hours after the request on the ticket's "
        "calendar. With `engineer` and `appointment_at` the visit is scheduled at once.",
        parameters=[IDEMPOTENCY_KEY],
        request=VisitRequestSerializer,
        responses={201: VisitSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = versions.validated(VisitRequestSerializer, request, self)
        visit = services.visit_request(data.pop("ticket"), actor=request.user, **data)
        return self._respond(visit, status.HTTP_201_CREATED)

    @extend_schema(
        summary="An on-site visit",
        parameters=[VISIT_ID],
        responses={200: VisitSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self._visit())

    @extend_schema(
        summary="Schedule (or move) the visit: engineer and appointment",
        parameters=STEP,
        request=VisitScheduleSerializer,
        responses={200: VisitSerializer, **WRITE_ERRORS},
    )
    def schedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self._visit()
        data = versions.validated(VisitScheduleSerializer, request, self)
        version = self._version(data)
        return self._respond(
            services.visit_schedule(visit, actor=request.user, expected_version=version, **data)
        )

    @extend_schema(
        summary="The engineer arrived on site",
        parameters=STEP,
        request=VisitMomentSerializer,
        responses={200: VisitSerializer, **WRITE_ERRORS},
    )
    def arrive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self._visit()
        data = versions.validated(VisitMomentSerializer, request, self)
        version = self._version(data)
        return self._respond(
            services.visit_arrive(visit, actor=request.user, expected_version=version, **data)
        )

    @extend_schema(
        summary="The engineer left: the visit report and the service hours",
        description="Records the on-site service hours from arrival to departure for the "
        "engineer, once.",
        parameters=STEP,
        request=VisitDepartSerializer,
        responses={200: VisitSerializer, **WRITE_ERRORS},
    )
    def depart(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self._visit()
        data = versions.validated(VisitDepartSerializer, request, self)
        version = self._version(data)
        return self._respond(
            services.visit_depart(visit, actor=request.user, expected_version=version, **data)
        )

    @extend_schema(
        summary="The customer confirms the visit report, or refuses it",
        description="The customer of the ticket's organization only (staff: 403).",
        parameters=STEP,
        request=VisitConfirmSerializer,
        responses={200: VisitSerializer, **WRITE_ERRORS},
    )
    def confirm(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self._visit()
        data = versions.validated(VisitConfirmSerializer, request, self)
        version = self._version(data)
        return self._respond(
            services.visit_confirm(visit, actor=request.user, expected_version=version, **data)
        )

    @extend_schema(
        summary="Cancel the visit before the engineer arrives",
        parameters=STEP,
        request=VisitCancelSerializer,
        responses={200: VisitSerializer, **WRITE_ERRORS},
    )
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self._visit()
        data = versions.validated(VisitCancelSerializer, request, self)
        version = self._version(data)
        return self._respond(
            services.visit_cancel(visit, actor=request.user, expected_version=version, **data)
        )
