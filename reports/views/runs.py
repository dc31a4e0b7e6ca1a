"""/reports/runs/: the report runs a user may see, the request form, a run's page (progress
bar refreshed by htmx polling while it runs, the document when done), cancel, the XLSX and
the print-ready page. Customers use the same pages for their organization's reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import DomainError
from servicedesk.exports import XLSX
from servicedesk.keyset import Key, keyset_page
from servicedesk.pages import apply_domain_error, forbidden, found_or_404
from servicedesk.permissions import is_customer_user, is_staff_user

from .. import exports, selectors
from ..document_charts import bar_chart, volume_chart
from ..exports import indicator_rows, metric_rows, run_file_name, scope_text, summary_rows
from ..forms import RunRequestForm
from ..models import ReportRun, RunState
from ..services import report_run_cancel, report_run_request

RUN_KEYS = (Key("created_at", dt.datetime), Key("id", int))


def may_use_reports(user: Any) -> bool:
    return is_staff_user(user) or is_customer_user(user)


def reports_user(view):
    """Signed in as staff or a customer; anyone else sees the 403 page."""

    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_use_reports(request.user):
            return forbidden(request, _("Reports are for support staff and customers."))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@reports_user
@require_http_methods(["GET", "HEAD"])
def run_list(request: HttpRequest) -> HttpResponse:
    page = keyset_page(
        selectors.report_runs(request.user), RUN_KEYS, after=request.GET.get("after")
    )
    return render(
        request,
        "reports/run_list.html",
        {"runs": page["rows"], "next_cursor": page["next_cursor"]},
    )


@reports_user
@require_http_methods(["GET", "HEAD", "POST"])
def run_new(request: HttpRequest) -> HttpResponse:
    form = RunRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = report_run_request(user=request.user, **form.request_values())
        except DomainError as error:
            apply_domain_error(form, error, {})
        else:
            return redirect("reports:run", pk=run.pk)
    return render(request, "reports/run_new.html", {"form": form})


def document_context(run: ReportRun) -> dict[str, Any]:
    snap = run.snapshot or {}
    charts = snap.get("charts", {})
    return {
        "run": run,
        "snap": snap,
        "scope": scope_text(run),
        "summary": summary_rows(snap),
        "metrics": metric_rows(snap),
        "indicators": indicator_rows(snap),
        "volume_svg": volume_chart(charts.get("volume", [])),
        "severity_svg": bar_chart(charts.get("severity", {})),
        "kind_svg": bar_chart(charts.get("kind", {}), labels="kind"),
    }


@reports_user
@require_http_methods(["GET", "HEAD"])
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = found_or_404(selectors.report_run_get, request.user, pk)
    return render(request, "reports/run_detail.html", document_context(run))


@reports_user
@require_http_methods(["GET"])
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled by htmx; a finished run reloads the whole page."""
    run = found_or_404(lambda: selectors.report_run_get(request.user, pk, with_snapshot=False))
    response = render(request, "reports/_progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@reports_user
@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report_run_cancel(user=request.user, run_id=pk)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        if error.status == 403:
            return forbidden(request, str(error.message))
        from django.contrib import messages

        messages.error(request, str(error.message))
    return redirect("reports:run", pk=pk)


def finished_run(request: HttpRequest, pk: int) -> ReportRun:
    run = found_or_404(selectors.report_run_get, request.user, pk)
    if run.state != RunState.DONE:
        raise Http404
    return run


@reports_user
@require_http_methods(["GET"])
def run_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    run = finished_run(request, pk)
    response = HttpResponse(exports.run_xlsx(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{run_file_name(run, "xlsx")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@reports_user
@require_http_methods(["GET", "HEAD"])
def run_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The document alone, laid out for paper: print it to PDF from the browser."""
    run = finished_run(request, pk)
    return render(request, "reports/run_print.html", document_context(run))
