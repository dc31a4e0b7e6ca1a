"""产品故障记录 over the API: the product fault log as pages, and as a CSV or XLSX file.

Staff only (404 for customers, as every maintenance list). The export has the list's
filters and is the page's (``selectors.fault_log_export`` written by ``servicedesk.exports``):
CSV streams in chunks with no row cap, XLSX is built write-only and stops at ``XLSX_LIMIT``
rows; both quote cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import FilterBackend
from servicedesk.api.openapi import ErrorSerializer
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.errors import ValidationFailed
from servicedesk.exports import FORMATS, XLSX, export_response

from .. import selectors
from .filters import FaultLogFilter
from .serializers import FaultLogEntrySerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid filter or format."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="A read-only token, or no role for it."),
    404: OpenApiResponse(ErrorSerializer, description="Not staff: there is nothing here."),
}


class NewestFirstPagination(CursorPagination):
    ordering = ("-recorded_on", "-id")


class FaultLogView(generics.GenericAPIView):
    """The product fault log, newest first, filtered."""

    serializer_class = FaultLogEntrySerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = NewestFirstPagination
    filter_backends = [FilterBackend]
    filterset_class = FaultLogFilter

    def get_queryset(self):
        return selectors.fault_log(self.request.user)

    @extend_schema(
        summary="Product fault log (产品故障记录)",
        responses={200: FaultLogEntrySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class _FirstRenderer(DefaultContentNegotiation):
    """``?format=`` names the file type here, not a renderer; errors render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FaultLogExportView(FaultLogView):
    content_negotiation_class = _FirstRenderer

    @extend_schema(
        summary="Export the product fault log (CSV or XLSX)",
        description=(
            "The list's filters; newest first; CSV has every row (streamed), XLSX at most "
            "50,000 (narrow the filters, or take the CSV). Always a download "
            "(Content-Disposition: attachment)."
        ),
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(FORMATS), default="csv")
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            **ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any):
        kind = request.query_params.get("format") or "csv"
        if kind not in FORMATS:
            raise ValidationFailed(
                _("The format must be csv or xlsx."), fields={"format": [_("csv or xlsx.")]}
            )
        entries = self.filter_queryset(self.get_queryset())
        return export_response(selectors.fault_log_export(entries), kind)
