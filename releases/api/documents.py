"""The document library API (文档库): customers read the public documents of the products
their current contracts cover (others are 404); engineers and managers upload and remove.
Downloads are checked on each request and always sent as attachments."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope
from servicedesk.api.serializers import (
    InputSerializer,
    OutputSerializer,
    ProductRefSerializer,
    ProductVersionRefSerializer,
)
from servicedesk.models import Product, ProductVersion
from servicedesk.pages import attachment_response

from .. import selectors, services
from ..models import Document
from .announcements import StaffWritesElse404
from .views import AnyAcceptNegotiation

DOCUMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Document id."
)


class DocumentSerializer(OutputSerializer):
    product = ProductRefSerializer(read_only=True)
    versions = ProductVersionRefSerializer(
        many=True, read_only=True, help_text="Empty: about every version of the product."
    )
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "title", "product", "versions", "language", "is_public", "name"]
        fields += ["size", "sha256", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj: Document) -> str:
        url = reverse("api-document-file", kwargs={"version": "v1", "pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DocumentUploadSerializer(InputSerializer):
    file = serializers.FileField(
        help_text=f"{' '.join(services.DOCUMENT_EXTENSIONS)}; at most DOCUMENT_MAX_BYTES "
        "(50 MB by default)."
    )
    title = serializers.CharField(max_length=200)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    versions = serializers.PrimaryKeyRelatedField(
        many=True, queryset=ProductVersion.objects.all(), required=False, default=list
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    is_public = serializers.BooleanField(default=True)


class DocumentFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all())
    version = django_filters.ModelChoiceFilter(
        queryset=ProductVersion.objects.all(),
        field_name="versions",
        method="for_version",
        label="Version",
    )
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)

    class Meta:
        model = Document
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.INT)
    def for_version(self, queryset, name, value):
        """The version's own documents and the product's all-versions ones."""
        return queryset.filter(product_id=value.product_id).filter(
            Q(
                pk__in=Document.versions.through.objects.filter(productversion_id=value.pk).values(
                    "document_id"
                )
            )
            | ~Q(pk__in=Document.versions.through.objects.values("document_id"))
        )


class NewestFirstPagination(CursorPagination):
    ordering = "-id"


class DocumentViewSet(IdempotentMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    permission_classes = [IsAuthenticatedWithScope, StaffWritesElse404]
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = DocumentFilter
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return selectors.document_list(self.request.user).prefetch_related("versions")

    def get_object(self) -> Document:
        return selectors.document_get_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Documents of the library (文档库)",
        description="Newest first. Customers: the public documents of the products their "
        "current contracts cover; staff: all. Filters: `product`, `version` (its own and the "
        "product's all-versions documents), `language`.",
        responses={200: DocumentSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Upload a document",
        description="Engineers, managers, admins. A type outside the list, an empty or too "
        "large file, or a version of another product is 400 naming the field; audited.",
        parameters=[IDEMPOTENCY_KEY],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer, **write_errors("none.")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = services.document_upload(
            actor=request.user,
            upload=values["file"],
            title=values["title"],
            product=values["product"],
            versions=values["versions"],
            language=values["language"],
            is_public=values["is_public"],
        )
        fresh = self.get_queryset().get(pk=document.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A document",
        parameters=[DOCUMENT_ID],
        responses={200: DocumentSerializer, **ERRORS},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Remove a document",
        description="Engineers, managers, admins; the file is deleted once the removal "
        "commits, the audit event stays.",
        parameters=[DOCUMENT_ID],
        responses={204: None, **ERRORS},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.document_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentFileView(generics.GenericAPIView):
    content_negotiation_class = AnyAcceptNegotiation
    pagination_class = None
    filter_backends: list[type] = []

    @extend_schema(
        summary="Download a document",
        description="Always sent as a download (Content-Disposition: attachment, nosniff).",
        parameters=[DOCUMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **{code: ERRORS[code] for code in (401, 403, 404)},
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any):
        return attachment_response(selectors.document_get_for(request.user, kwargs["pk"]))
