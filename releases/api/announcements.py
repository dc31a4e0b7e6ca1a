"""The announcements API (公告): customers read the published ones addressed to them (others
are 404, as if they did not exist); managers draft, edit, publish and withdraw them. Thin
views over ``releases.selectors`` (the one audience rule) and ``releases.services``."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaff
from servicedesk.api.serializers import (
    InputSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    ProductRefSerializer,
)
from servicedesk.models import Organization, Product
from servicedesk.permissions import is_staff_user

from .. import selectors, services
from ..markup import render_markdown
from ..models import Announcement, AnnouncementAudience, AnnouncementKind
from ..selectors.releases import covered_products

ANNOUNCEMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Announcement id."
)
WRITE_ERRORS = write_errors("invalid_transition (with `allowed`).")


class StaffWritesElse404(IsStaff):
    """Anyone signed in reads (through the audience rule); only staff write, and a customer
    who tries is told nothing (404, also where another method would be a 405)."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or is_staff_user(request.user):
            return True
        if request.user and request.user.is_authenticated:
            raise NotFound()
        return False


class AnnouncementSerializer(OutputSerializer):
    organizations = serializers.SerializerMethodField(
        help_text="The chosen customers; a customer sees only their own organization here."
    )
    products = serializers.SerializerMethodField(
        help_text="The chosen products; a customer sees only those their contracts cover."
    )
    body_html = serializers.SerializerMethodField(
        help_text="The text rendered (markdown-lite) and sanitized."
    )
    state = serializers.ChoiceField(choices=["draft", "published", "withdrawn"], read_only=True)

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "kind",
            "body",
            "body_html",
            "window_starts_at",
            "window_ends_at",
            "audience",
            "organizations",
            "products",
            "send_email",
            "state",
            "published_at",
            "expires_at",
            "withdrawn_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    @extend_schema_field(OrganizationRefSerializer(many=True))
    def get_organizations(self, obj: Announcement) -> list[dict[str, Any]]:
        rows = list(obj.organizations.all())
        user = self._user()
        if not is_staff_user(user):
            rows = [o for o in rows if o.pk == getattr(user, "organization_id", None)]
        return OrganizationRefSerializer(rows, many=True).data

    @extend_schema_field(ProductRefSerializer(many=True))
    def get_products(self, obj: Announcement) -> list[dict[str, Any]]:
        rows = list(obj.products.all())
        user = self._user()
        if not is_staff_user(user):
            if "covered" not in self.context:  # once per response, not per row
                self.context["covered"] = set(covered_products(user).values_list("pk", flat=True))
            allowed = self.context["covered"]
            rows = [p for p in rows if p.pk in allowed]
        return ProductRefSerializer(rows, many=True).data

    def get_body_html(self, obj: Announcement) -> str:
        return str(render_markdown(obj.body))


class AnnouncementInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AnnouncementKind.choices, default="notice")
    body = serializers.CharField(max_length=20_000, allow_blank=True, default="")
    window_starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    window_ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    audience = serializers.ChoiceField(choices=AnnouncementAudience.choices, default="all")
    organizations = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Organization.objects.all(), required=False, default=list
    )
    products = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Product.objects.all(), required=False, default=list
    )
    send_email = serializers.BooleanField(default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AnnouncementFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AnnouncementKind.choices)

    class Meta:
        model = Announcement
        fields: list[str] = []


class NewestFirstPagination(CursorPagination):
    ordering = "-id"


class AnnouncementViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Staff: every announcement; customers: the published ones addressed to them."""

    serializer_class = AnnouncementSerializer
    permission_classes = [IsAuthenticatedWithScope, StaffWritesElse404]
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = AnnouncementFilter
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.announcement_list(self.request.user).prefetch_related(
            "organizations", "products"
        )

    def get_object(self) -> Announcement:
        return selectors.announcement_get_for(self.request.user, self.kwargs["pk"])

    def _respond(self, announcement: Announcement, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.announcement_get_for(self.request.user, announcement.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Announcements (公告)",
        description="Newest first (by id). Customers: published, not expired, not withdrawn, "
        "addressed to all customers, to their organization or to a product their current "
        "contracts cover. Staff: all, drafts and withdrawn ones too. Filter: `kind`.",
        responses={200: AnnouncementSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Draft an announcement",
        description="Managers. A maintenance window needs `window_starts_at` and "
        "`window_ends_at` (in order); audience `organizations` or `products` needs at least "
        "one of them (400 naming the field).",
        parameters=[IDEMPOTENCY_KEY],
        request=AnnouncementInputSerializer,
        responses={201: AnnouncementSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AnnouncementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        announcement = services.announcement_create(actor=request.user, **data.validated_data)
        return self._respond(announcement, status.HTTP_201_CREATED)

    @extend_schema(
        summary="An announcement",
        parameters=[ANNOUNCEMENT_ID],
        responses={200: AnnouncementSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        summary="Change an announcement",
        description="Managers; every field, as for a draft. A published one changes in "
        "place and is not mailed again.",
        parameters=[ANNOUNCEMENT_ID],
        request=AnnouncementInputSerializer,
        responses={200: AnnouncementSerializer, **WRITE_ERRORS},
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        announcement = self.get_object()
        data = AnnouncementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(
            services.announcement_update(announcement, actor=request.user, **data.validated_data)
        )

    @extend_schema(
        summary="Publish an announcement",
        description="Managers. Shown to its audience from now on; with `send_email` mailed "
        "to every contact of the audience once (also after a withdrawal and a new publish).",
        parameters=[ANNOUNCEMENT_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={200: AnnouncementSerializer, **WRITE_ERRORS},
    )
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(services.announcement_publish(self.get_object(), actor=request.user))

    @extend_schema(
        summary="Withdraw an announcement",
        description="Managers. Off the portal at once; it stays in the staff list.",
        parameters=[ANNOUNCEMENT_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={200: AnnouncementSerializer, **WRITE_ERRORS},
    )
    def withdraw(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(services.announcement_withdraw(self.get_object(), actor=request.user))
