"""服务机时 (service hours) in the browser: the card on the ticket and work-order pages, the
page that logs time on one of them, and the totals report with its CSV export.

Service hours are internal: customers (and anyone else who is not staff) get a 404 from
every one of these pages, as for an id they may not see. Writes go through
``time_entry_add``; a refused entry re-renders the logging page with the errors (400).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicedesk.errors import DomainError, NotFound
from servicedesk.exports import Table, export_response
from servicedesk.pages import apply_domain_error, staff_or_404
from tickets import selectors as ticket_selectors
from tickets.choices import FINAL_STATUSES
from tickets.models import Ticket

from ..forms.service_hours import GROUP_LABELS, TimeEntryForm, TotalsForm
from ..models import WorkOrder
from ..selectors import time_entries_of, time_entry_sum, time_entry_totals, visible_work_orders
from ..services.time_entries import time_entry_add

ENTRY_LIMIT = 50  # entries listed on a card (newest first); the total counts them all
REPORT_LIMIT = 500  # rows of the report (largest first)


def hours_minutes(minutes: int | None) -> str:
    """90 -> "1:30"."""
    hours, rest = divmod(int(minutes or 0), 60)
    return f"{hours}:{rest:02d}"


# --------------------------------------------------------------------------- the card


def card_context(user: Any, subject: Ticket | WorkOrder, form: TimeEntryForm | None = None) -> dict:
    if isinstance(subject, Ticket):
        action = reverse("maintenance:ticket-hours", kwargs={"ticket_pk": subject.pk})
    else:
        action = reverse("maintenance:work-order-hours", kwargs={"pk": subject.pk})
    return {
        "subject": subject,
        "action": action,
        # A closed or cancelled ticket takes no more time: its card lists, it does not log.
        "can_log": not (isinstance(subject, Ticket) and subject.status in FINAL_STATUSES),
        "form": form or TimeEntryForm(),
        **time_entries_of(user, subject, limit=ENTRY_LIMIT),
    }


# --------------------------------------------------------------------------- logging time


def _log(request: HttpRequest, subject: Ticket | WorkOrder, back: str) -> HttpResponse:
    """GET: the logging page. POST: record the entry, then back to ``back`` with a message;
    a bad entry re-renders this page with the errors and writes nothing."""
    status = 200
    form = None
    if request.method == "POST":
        form = TimeEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            key = "ticket" if isinstance(subject, Ticket) else "work_order"
            try:
                entry = time_entry_add(
                    actor=request.user,
                    worked_on=data["worked_on"],
                    minutes=data["minutes"],
                    mode=data["mode"],
                    note=data["note"],
                    **{key: subject},
                )
            except NotFound:
                raise Http404 from None
            except DomainError as err:
                apply_domain_error(form, err, {})
                messages.error(request, str(err.message))
                status = err.status
            else:
                messages.success(
                    request,
                    _("%(time)s of service hours recorded for %(number)s.")
                    % {"time": hours_minutes(entry.minutes), "number": subject.number},
                )
                return redirect(f"{back}#service-hours")
        else:
            messages.error(request, _("Please correct the errors below."))
            status = 400
    context = {**card_context(request.user, subject, form), "back": back}
    return render(request, "maintenance/service_hours_log.html", context, status=status)


@staff_or_404
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_hours(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    try:
        ticket = ticket_selectors.ticket_get_for(request.user, ticket_pk)
    except NotFound:
        raise Http404 from None
    return _log(request, ticket, reverse("staff:ticket", kwargs={"pk": ticket.pk}))


@staff_or_404
@require_http_methods(["GET", "HEAD", "POST"])
def work_order_hours(request: HttpRequest, pk: int) -> HttpResponse:
    order = visible_work_orders(request.user).filter(pk=pk).first()
    if order is None:
        raise Http404
    return _log(request, order, reverse("maintenance:work-order", kwargs={"pk": order.pk}))


# --------------------------------------------------------------------------- the report


def _report(request: HttpRequest) -> tuple[TotalsForm, dict[str, Any], list[dict[str, Any]]]:
    form = TotalsForm(request.GET or None)
    filters = form.filters()
    rows = time_entry_totals(
        request.user,
        filters["group_by"],
        filters.get("date_from"),
        filters.get("date_to"),
        limit=REPORT_LIMIT,
    )
    return form, filters, rows


def _link(group_by: str, key: int | None) -> str:
    if key is None:
        return ""
    if group_by == "ticket":
        return reverse("staff:ticket", kwargs={"pk": key})
    if group_by == "work_order":
        return reverse("maintenance:work-order", kwargs={"pk": key})
    return ""


def _none_label(group_by: str) -> str:
    return {
        "ticket": _("Not on a ticket"),
        "work_order": _("Not on a work order"),
        "customer": _("No customer"),
        "engineer": "",
    }[group_by]


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def service_hours_report(request: HttpRequest) -> HttpResponse:
    """Totals per customer, engineer, ticket or work order over a date range."""
    form, filters, rows = _report(request)
    group_by = filters["group_by"]
    for row in rows:
        row["url"] = _link(group_by, row["key"])
        row["label"] = row["label"] or _none_label(group_by)
    totals = time_entry_sum(
        request.user, {"date_from": filters.get("date_from"), "date_to": filters.get("date_to")}
    )
    query = request.GET.urlencode()
    return render(
        request,
        "maintenance/service_hours.html",
        {
            "form": form,
            "group_label": GROUP_LABELS[group_by],
            "rows": rows,
            "truncated": len(rows) >= REPORT_LIMIT,
            "limit": REPORT_LIMIT,
            "total_minutes": totals["minutes"] or 0,
            "total_entries": totals["entries"],
            "export_query": f"?{query}" if query else "",
        },
    )


@staff_or_404
@require_http_methods(["GET"])
def service_hours_export_csv(request: HttpRequest) -> HttpResponse:
    """The report's rows as CSV (UTF-8 with a BOM; formula-like text quoted)."""
    _form, filters, rows = _report(request)
    group_by = filters["group_by"]
    table = Table(
        name=f"service-hours-{group_by}",
        title=_("Service hours"),
        headers=[GROUP_LABELS[group_by], _("Minutes"), _("Hours"), _("Entries")],
        rows=(
            [
                row["label"] or _none_label(group_by),
                row["minutes"],
                hours_minutes(row["minutes"]),
                row["entries"],
            ]
            for row in rows
        ),
    )
    return export_response(table, "csv")
