"""The maintenance calendar: scheduled inspections (preventive work orders) overdue and due
in the next 60 days, per service group and customer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicedesk.pages import staff_or_404

from .. import selectors
from ..selectors.calendar import CALENDAR_DAYS


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def maintenance_calendar(request: HttpRequest) -> HttpResponse:
    context = selectors.inspection_calendar(request.user)
    context["days"] = CALENDAR_DAYS
    return render(request, "maintenance/calendar.html", context)
