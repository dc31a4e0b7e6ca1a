"""回访 and 上门服务 in the browser: the panel on the staff ticket page (through the
``visits_panel`` tag), the staff list "my follow-ups due", the printable visit report, and
the customer's confirmation posted from the portal ticket page.

Every write calls ``maintenance.services.visits``; a refused one renders the form again with
the errors and the 4xx of the error (nothing written); an id the user may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk.errors import DomainError, NotFound
from servicedesk.pages import apply_domain_error, staff_or_404
from servicedesk.permissions import is_customer_user, is_staff_user
from tickets import selectors as ticket_selectors
from tickets.choices import FINAL_STATUSES
from tickets.models import Ticket

from .. import selectors
from ..choices import OPEN_VISIT_STATUSES, VisitStatus
from ..forms.visits import (
    FollowUpRecordForm,
    VisitCancelForm,
    VisitConfirmForm,
    VisitDepartForm,
    VisitRequestForm,
    VisitScheduleForm,
    VisitStepForm,
)
from ..models import OnSiteVisit
from ..services import visits as services

FOLLOW_UPS_LIMIT = 200


# --------------------------------------------------------------------------- the panels


def panel_context(user: Any, ticket: Ticket) -> dict[str, Any]:
    """The staff panel: the ticket's visits with the step each allows, and its follow-ups.
    Three queries whatever the number of visits and follow-ups."""
    visits = selectors.ticket_visits(user, ticket)
    request_form = VisitRequestForm(
        initial={"contact_name": str(ticket.contact) if ticket.contact_id else ""}
    )
    # the engineers are read once for every form of the panel (a model choice field would
    # read them again for each)
    engineers = [
        ("", "---------"),
        *((u.pk, str(u)) for u in request_form.fields["engineer"].queryset),
    ]
    request_form.fields["engineer"].choices = engineers
    for visit in visits:
        visit.forms = _step_forms(visit)  # type: ignore[attr-defined]
        if "schedule" in visit.forms:
            visit.forms["schedule"].fields["engineer"].choices = engineers
    return {
        "ticket": ticket,
        "visits": visits,
        "follow_ups": selectors.ticket_follow_ups(user, ticket),
        "request_form": request_form,
        "can_request": ticket.status not in FINAL_STATUSES,
        "record_form": FollowUpRecordForm(),
    }


def _step_forms(visit: OnSiteVisit) -> dict[str, forms.Form]:
    initial = {"version": visit.version}
    steps: dict[str, forms.Form] = {}
    if visit.status in (VisitStatus.REQUESTED, VisitStatus.SCHEDULED):
        schedule_initial = {**initial, "engineer": visit.engineer_id}
        if visit.appointment_at:
            schedule_initial["appointment_at"] = visit.appointment_at
        steps["schedule"] = VisitScheduleForm(initial=schedule_initial, prefix=f"v{visit.pk}")
        steps["cancel"] = VisitCancelForm(initial=initial, prefix=f"v{visit.pk}")
    if visit.status == VisitStatus.SCHEDULED:
        steps["arrive"] = VisitStepForm(initial=initial, prefix=f"v{visit.pk}")
    if visit.status == VisitStatus.ON_SITE:
        steps["depart"] = VisitDepartForm(initial=initial, prefix=f"v{visit.pk}")
    return steps


def portal_context(user: Any, ticket: Ticket) -> dict[str, Any]:
    """The customer's panel: their visits, the report to confirm when one is done."""
    visits = selectors.ticket_visits(user, ticket)
    return {
        "ticket": ticket,
        "visits": visits,
        "confirm_form": VisitConfirmForm(),
        "open_visits": [v for v in visits if v.status in OPEN_VISIT_STATUSES],
    }


# --------------------------------------------------------------------------- writes


def _back(ticket_pk: int) -> str:
    return reverse("staff:ticket", kwargs={"pk": ticket_pk}) + "#visits"


def _attempt(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], Any],
    *,
    title: str,
    back: str,
    done: str,
) -> HttpResponse:
    """Validate ``form``, call ``write`` with its data; success goes back with ``done``, a
    refusal renders the form again with the errors and the error's status."""
    status = 400
    if form.is_valid():
        try:
            write(dict(form.cleaned_data))
        except NotFound:
            raise Http404 from None
        except DomainError as err:
            apply_domain_error(form, err, {})
            messages.error(request, str(err.message))
            status = err.status
        else:
            messages.success(request, done)
            return redirect(back)
    else:
        messages.error(request, _("Please correct the errors below."))
    context = {"form": form, "title": title, "back": back}
    return render(request, "maintenance/visit_form.html", context, status=status)


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    try:
        return ticket_selectors.ticket_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _visit(request: HttpRequest, pk: int) -> OnSiteVisit:
    try:
        return selectors.visit_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@staff_or_404
@require_POST
def visit_request(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    ticket = _ticket(request, ticket_pk)
    return _attempt(
        request,
        VisitRequestForm(request.POST),
        lambda data: services.visit_request(ticket, actor=request.user, **data),
        title=_("Request an on-site visit"),
        back=_back(ticket.pk),
        done=_("On-site visit requested."),
    )


STEPS: dict[str, tuple[type[forms.Form], Callable[..., OnSiteVisit], Any]] = {
    "schedule": (VisitScheduleForm, services.visit_schedule, gettext_lazy("Visit scheduled.")),
    "arrive": (VisitStepForm, services.visit_arrive, gettext_lazy("Arrival recorded.")),
    "depart": (
        VisitDepartForm,
        services.visit_depart,
        gettext_lazy("Departure and service hours recorded."),
    ),
    "cancel": (VisitCancelForm, services.visit_cancel, gettext_lazy("Visit cancelled.")),
}
STEP_TITLES = {
    "schedule": gettext_lazy("Schedule the visit"),
    "arrive": gettext_lazy("Engineer arrived"),
    "depart": gettext_lazy("Engineer left"),
    "cancel": gettext_lazy("Cancel the visit"),
}


@staff_or_404
@require_POST
def visit_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    visit = _visit(request, pk)
    form_class, service, done = STEPS[step]
    form = form_class(request.POST, prefix=f"v{visit.pk}")

    def write(data: dict[str, Any]) -> OnSiteVisit:
        version = data.pop("version", None)
        return service(visit, actor=request.user, expected_version=version, **data)

    return _attempt(
        request,
        form,
        write,
        title=str(STEP_TITLES[step]),
        back=_back(visit.ticket_id),
        done=str(done),
    )


@login_required
@require_POST
def visit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer confirms (``accepted``) or refuses the visit report on the portal."""
    if not is_customer_user(request.user):
        raise Http404
    visit = _visit(request, pk)
    accepted = "refuse" not in request.POST
    back = reverse("portal:ticket", kwargs={"number": visit.ticket.number}) + "#visits"

    def write(data: dict[str, Any]) -> OnSiteVisit:
        return services.visit_confirm(
            visit,
            actor=request.user,
            accepted=accepted,
            reason=data["reason"],
            expected_version=data["version"],
        )

    return _attempt(
        request,
        VisitConfirmForm(request.POST),
        write,
        title=_("Confirm the on-site visit"),
        back=back,
        done=_("Thank you: your confirmation is recorded.")
        if accepted
        else _("Your refusal is recorded; we will contact you."),
    )


@staff_or_404
@require_POST
def follow_up_record(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        follow_up = selectors.follow_up_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    back = request.POST.get("next") == "list"
    return _attempt(
        request,
        FollowUpRecordForm(request.POST),
        lambda data: services.follow_up_record(follow_up, actor=request.user, **data),
        title=_("Record the follow-up visit"),
        back=reverse("maintenance:follow-ups") if back else _back(follow_up.ticket_id),
        done=_("Follow-up visit recorded."),
    )


# --------------------------------------------------------------------------- reads


@staff_or_404
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    """My follow-ups due (today and earlier, the earliest first); ``?all=1``: every open
    follow-up of the desk."""
    show_all = request.GET.get("all") == "1"
    rows = (
        selectors.follow_up_list(request.user, open_only=True)
        if show_all
        else selectors.follow_ups_due(request.user)
    )
    context = {
        "follow_ups": list(rows[:FOLLOW_UPS_LIMIT]),
        "show_all": show_all,
        "record_form": FollowUpRecordForm(),
        "limit": FOLLOW_UPS_LIMIT,
    }
    return render(request, "maintenance/follow_ups.html", context)


@login_required
@require_GET
def visit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable visit report (print CSS; "save as PDF"): staff, and the customer of
    the ticket's organization (another organization's visit is a 404)."""
    if not (is_staff_user(request.user) or is_customer_user(request.user)):
        raise Http404
    visit = _visit(request, pk)
    return render(request, "maintenance/visit_report.html", {"visit": visit})
