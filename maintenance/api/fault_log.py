"""产品故障记录 over the API: the product fault log as pages, and as a CSV or XLSX file.

Staff only (403 for customers, like every staff-only list). The export has the list's
filters; CSV streams in chunks, XLSX is built write-only; both stop at ``EXPORT_LIMIT`` rows
(narrow the filters for more) and quote cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.openapi import ErrorSerializer
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.errors import ValidationFailed

from .. import selectors
from ..models import FaultLogEntry
from .filters import FaultLogFilter
from .serializers import FaultLogEntrySerializer

EXPORT_LIMIT = 50_000
CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    filter_backends = [DjangoFilterBackend]
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


def _safe(value: Any) -> Any:
    """Text a spreadsheet would evaluate (=, +, -, @ ...) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def _headers() -> list[str]:
    return [
        _("Date"),
        _("Product"),
        _("Severity"),
        _("Cause category"),
        _("Fault"),
        _("Affected versions"),
        _("Fixed in"),
        _("Tickets"),
        _("Work order"),
    ]


def _rows(queryset) -> Iterator[list[Any]]:
    entry: FaultLogEntry
    for entry in queryset[:EXPORT_LIMIT].iterator(chunk_size=CHUNK):
        yield [
            entry.recorded_on,
            _safe(entry.product.name),
            entry.severity,
            str(entry.get_cause_display()),
            _safe(entry.summary),
            ", ".join(v.version for v in entry.affected_versions.all()),
            entry.fixed_version.version if entry.fixed_version else "",
            ", ".join(t.number for t in entry.tickets.all()),
            entry.work_order.number,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


class FaultLogExportView(FaultLogView):
    content_negotiation_class = _FirstRenderer

    @extend_schema(
        summary="Export the product fault log (CSV or XLSX)",
        description=(
            "The list's filters; newest first; at most 50,000 rows (narrow the filters for "
            "more). Always a download (Content-Disposition: attachment)."
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
        queryset = self.filter_queryset(self.get_queryset())
        name = f"fault-log-{timezone.localdate().isoformat()}.{kind}"
        response = _csv(queryset) if kind == "csv" else _xlsx(queryset)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _csv(queryset) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the UTF-8 (Chinese) text
        yield writer.writerow(_headers())
        for row in _rows(queryset):
            yield writer.writerow([v.isoformat() if hasattr(v, "isoformat") else v for v in row])

    return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")


def _xlsx(queryset) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Product fault log")[:31])
    sheet.append(_headers())
    for row in _rows(queryset):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return HttpResponse(out.getvalue(), content_type=XLSX)
