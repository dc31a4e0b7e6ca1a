"""/reports/tickets.csv and .xlsx: the tickets received in a period (and scope) as a file.
The CSV streams every row (a year of a big desk is hundreds of thousands); the XLSX stops
at ``XLSX_LIMIT`` rows and says so in its last row."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from servicedesk.exports import export_response
from servicedesk.pages import found_or_404

from .. import selectors
from .runs import reports_user


class TicketExportForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"))
    end = forms.DateField(label=gettext_lazy("To"))
    organization = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    product = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


def ticket_export(request: HttpRequest, kind: str) -> HttpResponse:
    form = TicketExportForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return HttpResponseBadRequest(escape(problems), content_type="text/plain; charset=utf-8")
    data = form.cleaned_data
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(data["start"], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    table = selectors.ticket_export(
        request.user,
        start,
        end,
        organization=data.get("organization"),
        team=data.get("team"),
        product=data.get("product"),
    )
    return export_response(table, kind)


@reports_user
@require_http_methods(["GET"])
def tickets_csv(request: HttpRequest) -> HttpResponse:
    return ticket_export(request, "csv")


@reports_user
@require_http_methods(["GET"])
def tickets_xlsx(request: HttpRequest) -> HttpResponse:
    return ticket_export(request, "xlsx")


@reports_user
@require_http_methods(["GET", "HEAD"])
def service_report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """客户服务报告单 of a closed ticket, print-ready (staff; customers their own)."""
    from ..service_report import service_report_get

    report = found_or_404(service_report_get, request.user, pk)
    return render(request, "reports/service_report.html", report)
