"""产品故障记录: the product fault log, filtered, paged, and exported as CSV or XLSX.

The export streams the filtered lines in chunks (prefetched per chunk), so a long log never
sits in memory; cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicedesk.pages import staff_or_404

from ..forms import FaultLogFilterForm
from ..models import FaultLogEntry
from . import queries
from .work_orders import _query

CHUNK = 500
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def fault_log(request: HttpRequest) -> HttpResponse:
    form = FaultLogFilterForm(request.GET or None)
    qs = queries.fault_log(request.user, form.filters())
    page = queries.keyset_page(qs, queries.FAULT_LOG_KEYS, request.GET.get("after"))
    export_query = _query(request.GET, after=None)
    return render(
        request,
        "maintenance/fault_log.html",
        {
            "form": form,
            "entries": page["rows"],
            "next_url": _query(request.GET, after=page["next_cursor"])
            if page["next_cursor"]
            else "",
            "first_url": "" if page["is_first"] else export_query,
            "export_query": "" if export_query == "?" else export_query,
        },
    )


def _headers() -> list[str]:
    return [
        _("Date"),
        _("Product"),
        _("Work order"),
        _("Fault"),
        _("Severity"),
        _("Cause category"),
        _("Affected versions"),
        _("Fixed in"),
        _("Tickets"),
    ]


def _safe(value: Any) -> Any:
    """Text a spreadsheet would evaluate (=, +, -, @ ...) is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def _rows(request: HttpRequest) -> Iterator[list[Any]]:
    form = FaultLogFilterForm(request.GET or None)
    qs = queries.fault_log(request.user, form.filters()).order_by("-recorded_on", "-id")
    entry: FaultLogEntry
    for entry in qs.iterator(chunk_size=CHUNK):
        yield [
            entry.recorded_on,
            _safe(entry.product.name),
            entry.work_order.number,
            _safe(entry.summary),
            entry.severity,
            str(entry.get_cause_display()),
            ", ".join(v.version for v in entry.affected_versions.all()),
            entry.fixed_version.version if entry.fixed_version else "",
            ", ".join(t.number for t in entry.tickets.all()),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filename(ext: str) -> str:
    return f"fault-log-{timezone.localdate().isoformat()}.{ext}"


@staff_or_404
@require_http_methods(["GET"])
def fault_log_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the UTF-8 (Chinese) text
        yield writer.writerow(_headers())
        for row in _rows(request):
            yield writer.writerow([v.isoformat() if hasattr(v, "isoformat") else v for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_or_404
@require_http_methods(["GET"])
def fault_log_export_xlsx(request: HttpRequest) -> HttpResponse:
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Product fault log")[:31])
    sheet.append(_headers())
    for row in _rows(request):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
