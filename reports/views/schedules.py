"""/reports/schedules/: managers subscribe to weekly, monthly or quarterly reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from servicedesk.errors import DomainError
from servicedesk.pages import apply_domain_error, forbidden, found_or_404
from servicedesk.permissions import is_manager, is_staff_user

from .. import selectors
from ..forms import ScheduleForm
from ..services import report_schedule_save


def managers_only(view):
    """Customers get 404 (they learn nothing); other staff the 403 page with the reason."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        if not is_manager(request.user):
            return forbidden(request, _("Only managers may subscribe to scheduled reports."))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@managers_only
@require_http_methods(["GET", "HEAD"])
def schedule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/schedule_list.html",
        {"schedules": selectors.report_schedules(request.user)},
    )


@managers_only
@require_http_methods(["GET", "HEAD", "POST"])
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = found_or_404(selectors.report_schedule_get, request.user, pk) if pk else None
    initial = {}
    if schedule is not None:
        initial = {
            "kind": schedule.kind,
            "frequency": schedule.frequency,
            "organization": schedule.organization.code if schedule.organization else "",
            "team": schedule.team_id,
            "product": schedule.product_id,
            "language": schedule.language,
            "recipients": "\n".join(schedule.recipients),
            "to_contacts": schedule.to_contacts,
            "is_active": schedule.is_active,
        }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report_schedule_save(user=request.user, schedule=schedule, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error, {})
        else:
            return redirect("reports:schedules")
    return render(request, "reports/schedule_form.html", {"form": form, "schedule": schedule})
