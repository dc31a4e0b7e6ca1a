"""Hotline quick intake (热线值班记录) and the caller lookup fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from servicedesk.errors import DomainError, NotAllowed
from servicedesk.pages import apply_domain_error, forbidden, staff_required
from servicedesk.permissions import can_log_call
from tickets import selectors, services
from tickets.choices import TicketStatus
from tickets.forms import (
    HotlineForm,
)
from tickets.models import HotlineCall

RECENT_CALLS = 20


def _phone_matches(phone: str) -> dict[str, Any]:
    """Known callers for a number, and their organizations (deduplicated, in order)."""
    searched = sum(ch.isdigit() for ch in phone) >= 3
    contacts = list(selectors.contacts_by_phone(phone)) if searched else []
    organizations = list({c.organization_id: c.organization for c in contacts}.values())
    return {
        "phone": phone,
        "searched": searched,
        "contacts": contacts,
        "organizations": organizations,
    }


def _hotline_page(
    request: HttpRequest, form: HotlineForm, *, chosen: Any = None, status: int = 200
) -> HttpResponse:
    phone = (form["caller_phone"].value() or "") if form.is_bound else ""
    if chosen is None and hasattr(form, "cleaned_data"):
        chosen = form.cleaned_data.get("contact")
    calls = HotlineCall.objects.select_related("organization", "contact", "ticket", "agent")[
        :RECENT_CALLS
    ]
    return render(
        request,
        "staff/hotline.html",
        {
            "form": form,
            **_phone_matches(str(phone)),
            "chosen": chosen,
            "calls": calls,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """Quick intake of a hotline call; the ticket is opened (and resolved at first contact)."""
    if not can_log_call(request.user):
        return forbidden(request, _("Only service agents and managers log hotline calls."))
    if request.method != "POST":
        return _hotline_page(request, HotlineForm())
    form = HotlineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _hotline_page(request, form, status=400)
    data = dict(form.cleaned_data)  # add_error() below drops fields from cleaned_data
    try:
        call, created = services.hotline_call_log(
            actor=request.user,
            external_call_id=data["call_id"],
            caller_phone=data["caller_phone"],
            caller_name=data["caller_name"],
            organization=data["organization"],
            contact=data["contact"],
            notes=data["notes"],
            resolved_on_first_contact=data["resolved_on_first_contact"],
            title=data["title"],
            kind=data["kind"],
            product=data["product"],
            severity=data["severity"] or None,
        )
    except NotAllowed as err:
        return forbidden(request, str(err.message))
    except DomainError as err:
        apply_domain_error(form, err, {})
        messages.error(request, str(err.message))
        return _hotline_page(request, form, chosen=data["contact"], status=err.status)
    if not created:
        messages.info(request, _("This call was already logged."))
    if call.ticket_id is None:
        messages.success(
            request, _("Call logged. No organization was known, so no ticket was opened.")
        )
        return redirect("staff:hotline")
    ticket = call.ticket
    if created and ticket.status == TicketStatus.RESOLVED:
        text = _("Call logged as ticket %(number)s, resolved on first contact.")
    else:
        text = _("Call logged as ticket %(number)s.")
    messages.success(request, text % {"number": ticket.number})
    return redirect("staff:ticket", pk=ticket.pk)


@staff_required
@require_GET
def hotline_lookup(request: HttpRequest) -> HttpResponse:
    """htmx fragment: known callers for a phone number; choosing one fills the form."""
    if not can_log_call(request.user):
        return forbidden(request, _("Only service agents and managers log hotline calls."))
    phone = (request.GET.get("phone") or request.GET.get("caller_phone") or "").strip()[:40]
    matches = _phone_matches(phone)
    chosen = chosen_org = fill = None
    wanted, wanted_org = request.GET.get("contact") or "", request.GET.get("organization") or ""
    if wanted.isdigit():
        chosen = next((c for c in matches["contacts"] if c.pk == int(wanted)), None)
    elif wanted_org.isdigit():
        chosen_org = next((o for o in matches["organizations"] if o.pk == int(wanted_org)), None)
    if chosen is not None or chosen_org is not None:
        # Out-of-band swaps: the organization select (and an empty caller name) are filled.
        initial: dict[str, Any] = {"organization": (chosen_org or chosen.organization).pk}
        fill_names = ["organization"]
        if chosen is not None and not request.GET.get("caller_name"):
            initial["caller_name"] = chosen.name
            fill_names.append("caller_name")
        fill = HotlineForm(initial=initial)
        for name in fill_names:
            fill.fields[name].widget.attrs["hx-swap-oob"] = "true"
        fill = [fill[name] for name in fill_names]
    return render(
        request,
        "staff/_hotline_matches.html",
        {**matches, "chosen": chosen, "chosen_org": chosen_org, "fill": fill},
    )
