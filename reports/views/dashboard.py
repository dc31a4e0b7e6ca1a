"""Report pages: the landing page (``/reports/``: the service quality indicators of a
period, for staff and for a customer's own organization) and the manager dashboard
(``/reports/dashboard/``, staff: managers see everything, others their service groups)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Team
from servicedesk.pages import forbidden, staff_or_404
from servicedesk.permissions import can_see_all_metrics, is_customer_user
from tickets.choices import OPEN_STATUSES, Channel, Severity

from .. import charts, links
from ..metrics import DEFINITIONS, collect
from ..metrics.quality import SERVICE_HOURS_PER_REGION
from ..periods import KINDS, period_from_params, scope_zone
from ..scope import PARAMS, Scope
from ..selectors import breaching_soon, workload

AGE_LABELS = {
    "under_1d": _("under 1 day"),
    "d1_3": _("1-3 days"),
    "d3_7": _("3-7 days"),
    "d7_30": _("7-30 days"),
    "over_30d": _("over 30 days"),
}


def _scope_and_period(request: HttpRequest):
    params = request.GET
    scope = Scope.for_user(request.user, **{name: params.get(name) for name in PARAMS})
    return scope, period_from_params(params, tz=scope_zone(scope))


def _form_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if is_customer_user(user):
        teams: Any = []
    elif can_see_all_metrics(user):
        teams = Team.objects.order_by("name")
    else:
        teams = Team.objects.filter(pk__in=Scope.for_user(user).teams or ()).order_by("name")
    return {
        "kinds": KINDS,
        "channels": Channel.choices,
        "severities": Severity.choices,
        "teams": teams,
        "values": request.GET,
    }


def _guarded(request: HttpRequest, template: str, build) -> HttpResponse:
    """Render ``template`` with ``build(scope, period)``; bad parameters re-render the
    form with the message (400), a scope the user may not see is a 404 or 403."""
    context = _form_context(request)
    try:
        scope, period = _scope_and_period(request)
    except ValidationFailed as error:
        context["error"] = error.message
        return render(request, template, context, status=400)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    context.update({"scope": scope, "period": period, "previous": period.previous()})
    context.update(build(scope, period))
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope, period) -> dict[str, Any]:
        figures = collect(period, scope, ["quality", "volume", "first_contact", "satisfaction"])
        indicators = [
            {"name": name, **DEFINITIONS[name], **figures["quality"]["indicators"][name]}
            for name in DEFINITIONS
        ]
        return {
            "figures": figures,
            "indicators": indicators,
            "region_definition": SERVICE_HOURS_PER_REGION,
        }

    return _guarded(request, "reports/index.html", build)


def _charts(figures: dict[str, Any], period, scope: Scope) -> dict[str, Any]:
    series = figures["trend"]["series"]
    labels = [s["label"][5:] if period.trend_kind() == "day" else s["label"] for s in series]
    parts = period.subperiods()
    return {
        "volume": charts.grouped_bars(
            labels,
            [
                (
                    "bar-a",
                    [s["received"] for s in series],
                    [links.received(p, scope) for p in parts],
                ),
                (
                    "bar-b",
                    [s["resolved"] for s in series],
                    [links.resolved(p, scope) for p in parts],
                ),
            ],
        ),
        "sla": charts.percent_lines(
            labels,
            [
                ("line-a", [s["response_met_percent"] for s in series]),
                ("line-b", [s["resolution_met_percent"] for s in series]),
            ],
        ),
        "fcr": charts.percent_lines(
            labels, [("line-a", [s["hotline_fcr_percent"] for s in series])], target=70.0
        ),
        "csat": charts.lines(labels, [("line-b", [s["rating_average"] for s in series])], top=5),
        "backlog": charts.horizontal_bars(
            [
                (str(AGE_LABELS[name]), value, "")
                for name, value in figures["volume"]["backlog_age"].items()
            ]
        ),
    }


@staff_or_404
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    def build(scope: Scope, period) -> dict[str, Any]:
        figures = collect(
            period,
            scope,
            ["volume", "times", "sla", "first_contact", "satisfaction", "trend"],
            breach_list=False,  # the tiles link to the breached tickets instead
        )
        load = workload(scope)
        return {
            "figures": figures,
            "charts": _charts(figures, period, scope),
            "links": links.dashboard_links(period, scope),
            "breaching_soon": breaching_soon(scope),
            "workload": charts.horizontal_bars(
                [
                    (
                        str(row["user"] or row["id"]),
                        row["open"],
                        links.queue_url(
                            scope,
                            ("assignee", row["id"]),
                            *[("status", s) for s in sorted(OPEN_STATUSES)],
                        ),
                    )
                    for row in load
                ],
                css="bar-b",
            ),
        }

    return _guarded(request, "reports/dashboard.html", build)
