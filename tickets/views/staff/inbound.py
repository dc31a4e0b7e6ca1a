"""Held inbound mail (docs/INBOUND.md): the list, and accepting or rejecting one mail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk.errors import DomainError
from servicedesk.models import Organization
from servicedesk.pages import forbidden, found_or_404, staff_required
from servicedesk.permissions import can_log_call
from tickets import selectors, services
from tickets.forms import InboundAcceptForm

# Why a mail waits for an agent (``InboundMessage.reason`` of held mails).
HELD_REASONS = {
    "unknown_sender": gettext_lazy("The sender is not a known customer contact."),
    "contact_without_login": gettext_lazy("The sender is a contact without a portal login."),
    "ambiguous_sender": gettext_lazy("The address belongs to contacts of several customers."),
}


@staff_required
@require_GET
def inbound_list(request: HttpRequest) -> HttpResponse:
    if not can_log_call(request.user):
        return forbidden(request, _("Held mail is decided by service agents and managers."))
    held = selectors.inbound_held_list(request.user)
    rows = [{"mail": mail, "why": HELD_REASONS.get(mail.reason, mail.reason)} for mail in held]
    organizations = list(Organization.objects.filter(is_active=True).values_list("pk", "name"))
    return render(request, "staff/inbound.html", {"rows": rows, "organizations": organizations})


@staff_required
@require_POST
def inbound_accept(request: HttpRequest, pk: int) -> HttpResponse:
    mail = found_or_404(selectors.inbound_message_get_for, request.user, pk)
    form = InboundAcceptForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("staff:inbound")
    try:
        mail = services.inbound_mail_accept(
            mail,
            actor=request.user,
            organization=form.cleaned_data["organization"],
            contact=form.cleaned_data["contact"],
            new_contact_name=form.cleaned_data["new_contact_name"],
        )
    except DomainError as err:
        messages.error(request, str(err.message))
        return redirect("staff:inbound")
    if mail.ticket_id is None:  # the services refused it (shown as the mail's reason)
        messages.error(request, _("The mail could not be accepted."))
        return redirect("staff:inbound")
    messages.success(
        request,
        _("Mail accepted: ticket %(number)s.") % {"number": mail.ticket.number},
    )
    return redirect("staff:ticket", pk=mail.ticket_id)


@staff_required
@require_POST
def inbound_reject(request: HttpRequest, pk: int) -> HttpResponse:
    mail = found_or_404(selectors.inbound_message_get_for, request.user, pk)
    try:
        services.inbound_mail_reject(mail, actor=request.user)
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Mail from %(sender)s rejected.") % {"sender": mail.sender})
    return redirect("staff:inbound")
