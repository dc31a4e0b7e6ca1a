"""The releases API: versions with release notes and patch metadata, patch download and upload,
and which customers run which version (installations).

Thin views over ``releases.selectors`` and ``releases.services``, the
same rules as the pages: a version the caller may not see is a 404 (customers: only products
their current contracts cover, from the release date on); installations are staff only.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaff
from servicedesk.models import Contract, Organization, Product, ProductVersion

from .. import selectors, services
from ..models import Installation, Patch
from ..views import patch_response
from .serializers import (
    InstallationCreateSerializer,
    InstallationSerializer,
    PatchUploadSerializer,
    ReleaseSerializer,
)

VERSION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Product version id."
)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers any Accept header; errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:  # e.g. "Accept: application/octet-stream"
            return renderers[0], renderers[0].media_type


class NewestFirstPagination(CursorPagination):
    ordering = "-id"


class ReleaseFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all(), label=_("Product"))

    class Meta:
        model = ProductVersion
        fields: list[str] = []


class ReleaseViewSet(viewsets.GenericViewSet):
    """Versions the caller may see: staff all; customers those of the products their current
    contracts cover, from the release date on."""

    serializer_class = ReleaseSerializer
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = ReleaseFilter

    def get_queryset(self):
        return selectors.releases_for(self.request.user)

    @extend_schema(
        summary="Releases: versions with release notes and patch",
        description="Newest first (by id). `patch` is null when the version has no download.",
        responses={200: ReleaseSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ReleasePatchView(IdempotentMixin, generics.GenericAPIView):
    content_negotiation_class = AnyAcceptNegotiation
    serializer_class = PatchUploadSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None
    filter_backends: list[type] = []

    @extend_schema(
        summary="Download a version's patch",
        description="Always sent as a download (Content-Disposition: attachment, nosniff), "
        "with its SHA-256 in `Repr-Digest`.",
        parameters=[VERSION_ID],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **{code: ERRORS[code] for code in (401, 403, 404)},
        },
    )
    def get(self, request: Request, *args, **kwargs):
        return patch_response(selectors.patch_get_for(request.user, kwargs["pk"]))

    @extend_schema(
        summary="Upload or replace a version's patch",
        description="Engineers, managers, admins. Replaces an earlier patch (the old file is "
        "deleted once the new one is stored); audited. 201 for the first patch, 200 for a "
        "replacement; a type or size outside the rules is 400 naming `file`.",
        parameters=[VERSION_ID, IDEMPOTENCY_KEY],
        request={"multipart/form-data": PatchUploadSerializer},
        responses={
            201: ReleaseSerializer,
            200: OpenApiResponse(ReleaseSerializer, description="Replaced the earlier patch."),
            **ERRORS,
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        version = selectors.version_get_for(request.user, kwargs["pk"])
        serializer = PatchUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        had_patch = Patch.objects.filter(version=version).exists()
        services.patch_upload(version, actor=request.user, upload=serializer.validated_data["file"])
        fresh = selectors.version_get_for(request.user, version.pk)
        return Response(
            ReleaseSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if had_patch else status.HTTP_201_CREATED,
        )


class InstallationFilter(django_filters.FilterSet):
    organization = django_filters.ModelChoiceFilter(
        field_name="contract__organization",
        queryset=Organization.objects.all(),
        label=_("Customer"),
    )
    contract = django_filters.ModelChoiceFilter(queryset=Contract.objects.all())
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all())
    version = django_filters.ModelChoiceFilter(queryset=ProductVersion.objects.all())

    class Meta:
        model = Installation
        fields: list[str] = []


class ByIdPagination(CursorPagination):
    ordering = "id"


class InstallationViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Which customers run which version, recorded per contract and product (staff only)."""

    serializer_class = InstallationSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    pagination_class = ByIdPagination
    filter_backends = [FilterBackend]
    filterset_class = InstallationFilter
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.installations(self.request.user)

    @extend_schema(
        summary="Installed versions (who runs which version)",
        responses={200: InstallationSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Record an installed version",
        description="Agents, engineers, managers, admins. One row per contract and product: "
        "a later record replaces the earlier one (audited, old -> new). The contract must "
        "cover the version's product (else 400 naming `version`).",
        parameters=[IDEMPOTENCY_KEY],
        request=InstallationCreateSerializer,
        responses={201: InstallationSerializer, **ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = InstallationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        installation = services.installation_record(
            values["contract"],
            actor=request.user,
            version=values["version"],
            installed_on=values["installed_on"],
        )
        fresh = self.get_queryset().get(pk=installation.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
