"""The ticket page and its actions; each POST has its own URL and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import DomainError, NotFound
from servicedesk.humanize import due_text
from servicedesk.pages import apply_domain_error, forbidden, staff_required
from servicedesk.permissions import can_assign, can_triage
from sla.selectors import clocks_for_page
from tickets import selectors, services, workflow
from tickets.choices import FINAL_STATUSES, OPEN_STATUSES, TicketStatus, TriageDecision
from tickets.forms import (
    AssignForm,
    CommentForm,
    SeverityForm,
    TransitionForm,
    TriageForm,
)
from tickets.models import Ticket
from tickets.panels import ticket_panel_template, ticket_panels

from .timeline import timeline_for, timeline_html

# Lazy: the labels are looked up per request, in the language of the request.
TRANSITION_VERBS = {
    TicketStatus.ACCEPTED: gettext_lazy("Accept"),
    TicketStatus.IN_PROGRESS: gettext_lazy("Start work"),
    TicketStatus.WAITING_CUSTOMER: gettext_lazy("Wait for customer"),
    TicketStatus.RESOLVED: gettext_lazy("Resolve"),
    TicketStatus.CLOSED: gettext_lazy("Close"),
    TicketStatus.CANCELLED: gettext_lazy("Cancel ticket"),
}


def _transitions(ticket: Ticket) -> list[dict[str, Any]]:
    buttons = []
    for target in workflow.allowed_targets(ticket.status, workflow.STAFF):
        verb = TRANSITION_VERBS.get(target, TicketStatus(target).label)
        if (ticket.status, target) in workflow.REOPENING:
            verb = _("Reopen")
        elif ticket.status == TicketStatus.WAITING_CUSTOMER and target == TicketStatus.IN_PROGRESS:
            verb = _("Resume work")
        buttons.append(
            {
                "value": target,
                "label": verb,
                "needs_comment": workflow.comment_required(ticket.status, target),
                "danger": target == TicketStatus.CANCELLED,
                "primary": target == TicketStatus.RESOLVED,
            }
        )
    return buttons


def _get_ticket(request: HttpRequest, pk: int, *, page: bool = False) -> Ticket:
    try:
        if page:  # everything the page shows of the ticket, in two queries
            return selectors.ticket_for_page(request.user, pk)
        return selectors.ticket_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


def _render_ticket(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    initial = {"version": ticket.version}
    is_open = ticket.status in OPEN_STATUSES
    is_final = ticket.status in FINAL_STATUSES
    may_assign = can_assign(user) and not is_final
    now = timezone.now()
    response_words, response_late = (
        due_text(ticket.response_due_at, now) if ticket.response_due_at and is_open else ("", False)
    )
    resolution_words, resolution_late = (
        due_text(ticket.resolution_due_at, now)
        if ticket.resolution_due_at and is_open
        else ("", False)
    )
    attachments = list(selectors.attachment_list(user, ticket))
    timeline = timeline_for(request, ticket, attachments)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "timeline_html": timeline_html(timeline),
        "attachments": attachments,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "transition_form": forms.get("transition_form") or TransitionForm(initial=initial),
        "transitions": _transitions(ticket),
        "is_open": is_open,
        "is_final": is_final,
        "response_due_words": response_words,
        "response_overdue": response_late,
        "resolution_due_words": resolution_words,
        "resolution_overdue": resolution_late,
        "can_triage": can_triage(user),
        "can_assign": can_assign(user),
        # The triage, severity and assignment forms load when their panel is opened
        # (``ticket_form_panel``, ``ticket_assign_panel``); inline only with a refused
        # submission's errors.
        "triage_form": forms.get("triage_form"),
        "assign_form": forms.get("assign_form"),
        "severity_form": forms.get("severity_form"),
        # The assignment panel loads when opened (``ticket_assign_panel``): its staff list
        # and the engineers' ranking were most of the page's cost. Inline only to show a
        # refused assignment's errors.
        "suggestions": selectors.assignee_suggestions(ticket)
        if may_assign and "assign_form" in forms
        else [],
        "can_take": may_assign and not user.is_away and ticket.assignee_id != user.pk,
        "open_form": next(iter(forms), ""),
        "sla_clocks": clocks_for_page(ticket.pk),
        "panels": ticket_panels(),  # filled by the apps above tickets (tickets.panels)
    }
    return render(request, "staff/ticket.html", context, status=status)


@staff_required
@require_http_methods(["GET", "HEAD"])
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_ticket(request, _get_ticket(request, pk, page=True))


@staff_required
@require_http_methods(["GET", "HEAD"])
def ticket_assign_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx fragment (or a bare page without JavaScript): the assignment form and the
    suggested engineers, loaded when the action bar's "Assignment" is opened."""
    ticket = _get_ticket(request, pk)
    user = request.user
    if not can_assign(user) or ticket.status in FINAL_STATUSES:
        return forbidden(request, _("This ticket cannot be assigned now."))
    initial = {"version": ticket.version, "team": ticket.team_id, "assignee": ticket.assignee_id}
    return render(
        request,
        "staff/_assign_panel.html",
        {
            "ticket": ticket,
            "assign_form": AssignForm(initial=initial),
            "suggestions": selectors.assignee_suggestions(ticket),
        },
    )


@staff_required
@require_http_methods(["GET", "HEAD"])
def ticket_panel(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """htmx fragment (or a bare page without JavaScript): a panel of the ticket page that
    loads after it (``tickets.panels``, registered with a key), with the page's context."""
    template = ticket_panel_template(key)
    if template is None:
        raise Http404
    return render(request, template, {"ticket": _get_ticket(request, pk, page=True)})


# The action bar's panels loaded on demand: their template and the form each one shows.
FORM_PANELS = {
    "triage": ("staff/_triage_panel.html", "triage_form", TriageForm),
    "severity": ("staff/_severity_panel.html", "severity_form", SeverityForm),
}


@staff_required
@require_http_methods(["GET", "HEAD"])
def ticket_form_panel(request: HttpRequest, pk: int, panel: str) -> HttpResponse:
    """htmx fragment (or a bare page without JavaScript): the triage or severity form,
    loaded when its panel of the action bar is opened; refused when the page would not
    offer it (a closed ticket, triage without the right)."""
    if panel not in FORM_PANELS:
        raise Http404
    try:  # the form needs the ticket's row only (id, status, version, severity)
        ticket = selectors.ticket_get_for(request.user, pk, related=False)
    except NotFound:
        raise Http404 from None
    if ticket.status not in OPEN_STATUSES or (panel == "triage" and not can_triage(request.user)):
        return forbidden(request, _("This form is not available for this ticket now."))
    template, key, form_class = FORM_PANELS[panel]
    form = form_class(initial={"version": ticket.version, "severity": ticket.severity})
    return render(request, template, {"ticket": ticket, key: form})


def _ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("staff:ticket", kwargs={"pk": ticket.pk})
    return f"{url}#{anchor}" if anchor else url


def _handle(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type,
    form_key: str,
    action: Callable[[Ticket, dict[str, Any]], str],
    anchor: str = "",
) -> HttpResponse:
    """Parse the form, call the service, then redirect with a message or re-render with 4xx.

    A stale version, a refused step or a missing comment is shown on the page (and at the
    form), with the ticket as it is now, so the user sees what changed before retrying.
    """
    ticket = _get_ticket(request, pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = action(ticket, form.cleaned_data)
        except DomainError as err:
            apply_domain_error(form, err, {})
            if form.non_field_errors():
                form.errors.pop("__all__", None)  # shown once, at the top of the page
            messages.error(request, str(err.message))
            ticket = _get_ticket(request, pk, page=True)
            return _render_ticket(request, ticket, status=err.status, **{form_key: form})
        messages.success(request, message)
        return redirect(_ticket_url(ticket, anchor))
    messages.error(request, _("Please correct the errors below."))
    return _render_ticket(request, ticket, status=400, **{form_key: form})


def _comment(request: HttpRequest, pk: int, *, internal: bool) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> str:
        if data.get("canned_reply"):
            canned = selectors.canned_reply_get_for(request.user, data["canned_reply"])
            services.canned_reply_apply(
                ticket,
                canned,
                actor=request.user,
                body=data["body"],
                is_internal=internal,
                attachments=data["attachments"],
            )
            return _("Canned reply “%(name)s” applied.") % {"name": canned.name}
        services.comment_add(
            ticket,
            actor=request.user,
            body=data["body"],
            is_internal=internal,
            attachments=data["attachments"],
        )
        return _("Internal note added.") if internal else _("Reply sent to the customer.")

    return _handle(
        request,
        pk,
        form_class=CommentForm,
        form_key="comment_form",
        action=action,
        anchor="timeline",
    )


@staff_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _comment(request, pk, internal=False)


@staff_required
@require_POST
def ticket_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _comment(request, pk, internal=True)


@staff_required
@require_POST
def ticket_transition(request: HttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> str:
        ticket = services.ticket_transition(
            ticket,
            actor=request.user,
            to_status=data["to_status"],
            comment=data["comment"],
            expected_version=data["version"],
        )
        return _("Status changed to “%(status)s”.") % {"status": ticket.get_status_display()}

    return _handle(
        request, pk, form_class=TransitionForm, form_key="transition_form", action=action
    )


@staff_required
@require_POST
def ticket_triage(request: HttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> str:
        services.ticket_triage(
            ticket,
            actor=request.user,
            decision=data["decision"],
            severity=data["severity"] or None,
            answer=data["answer"],
            expected_version=data["version"],
        )
        return _("Triage recorded: %(decision)s.") % {
            "decision": TriageDecision(data["decision"]).label
        }

    return _handle(request, pk, form_class=TriageForm, form_key="triage_form", action=action)


@staff_required
@require_POST
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> str:
        ticket = services.ticket_assign(
            ticket,
            actor=request.user,
            team=data["team"],
            assignee=data["assignee"],
            expected_version=data["version"],
        )
        if ticket.assignee:
            return _("Assigned to %(name)s.") % {"name": ticket.assignee}
        return _("Assignment saved.")

    return _handle(request, pk, form_class=AssignForm, form_key="assign_form", action=action)


@staff_required
@require_POST
def ticket_severity(request: HttpRequest, pk: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any]) -> str:
        ticket = services.ticket_update(
            ticket,
            actor=request.user,
            changes={"severity": data["severity"]},
            expected_version=data["version"],
        )
        return _("Severity set to %(severity)s.") % {"severity": ticket.get_severity_display()}

    return _handle(request, pk, form_class=SeverityForm, form_key="severity_form", action=action)
