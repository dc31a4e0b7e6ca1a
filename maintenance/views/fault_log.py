"""产品故障记录: the product fault log, filtered, paged, and exported as CSV or XLSX.

The export is the API's (``selectors.fault_log_export`` written by ``servicedesk.exports``):
the same columns and cap, streamed in chunks, formula-like cells quoted.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicedesk.exports import export_response
from servicedesk.keyset import Key, keyset_page
from servicedesk.pages import query_string, staff_or_404

from .. import selectors
from ..forms.fault_log import FaultLogFilterForm

FAULT_LOG_KEYS = (Key("recorded_on", dt.date), Key("id", int))


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def fault_log(request: HttpRequest) -> HttpResponse:
    form = FaultLogFilterForm(request.GET or None)
    qs = selectors.fault_log(request.user, form.filters())
    page = keyset_page(qs, FAULT_LOG_KEYS, after=request.GET.get("after"))
    export_query = query_string(request.GET, after=None)
    return render(
        request,
        "maintenance/fault_log.html",
        {
            "form": form,
            "entries": page["rows"],
            "next_url": query_string(request.GET, after=page["next_cursor"])
            if page["next_cursor"]
            else "",
            "first_url": "" if page["is_first"] else export_query,
            "export_query": "" if export_query == "?" else export_query,
        },
    )


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    form = FaultLogFilterForm(request.GET or None)
    entries = selectors.fault_log(request.user, form.filters())
    return export_response(selectors.fault_log_export(entries), kind)


@staff_or_404
@require_http_methods(["GET"])
def fault_log_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@staff_or_404
@require_http_methods(["GET"])
def fault_log_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
