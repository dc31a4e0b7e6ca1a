"""The ticket page's own panels: canned-reply picker, links and merge, who else is here,
and the next/previous ticket the keyboard moves to.

The panels load by htmx after the page, so the ticket page's own query count does not
change; each fragment's queries are constant (tests assert both).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.errors import DomainError, NotFound
from servicedesk.pages import found_or_404, staff_required
from tickets import selectors, services
from tickets.choices import OPEN_STATUSES
from tickets.forms import LinkForm, MergeForm
from tickets.models import Ticket, TicketPresence
from tickets.services.macros import canned_render, placeholder_values


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    return found_or_404(selectors.ticket_get_for, request.user, pk)


def _back(ticket: Ticket, anchor: str = "") -> HttpResponse:
    url = reverse("staff:ticket", kwargs={"pk": ticket.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


@staff_required
@require_GET
def canned_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The canned replies the user may use, each rendered for this ticket."""
    ticket = _ticket(request, pk)
    values = placeholder_values(ticket, request.user)
    replies = [
        {"reply": reply, "text": canned_render(reply.body, values)}
        for reply in selectors.canned_reply_list(request.user)
    ]
    return render(request, "staff/_canned_picker.html", {"ticket": ticket, "replies": replies})


@staff_required
@require_GET
def links_panel(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    return render(
        request,
        "staff/_links_panel.html",
        {
            "ticket": ticket,
            "links": selectors.link_views(request.user, ticket),
            "link_form": LinkForm(auto_id="link_%s"),
            "merge_form": MergeForm(auto_id="merge_%s"),
            "is_open": ticket.status in OPEN_STATUSES,
        },
    )


def _other(request: HttpRequest, number: str) -> Ticket:
    try:
        return selectors.ticket_get_for(request.user, number.strip(), related=False)
    except NotFound:
        raise NotFound(
            _("No ticket %(number)s.") % {"number": number.strip()}, fields={"target": []}
        ) from None


@staff_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a ticket number and a relation."))
        return _back(ticket, "links")
    try:
        other = _other(request, form.cleaned_data["target"])
        services.ticket_link(ticket, other, actor=request.user, kind=form.cleaned_data["kind"])
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Linked to %(number)s.") % {"number": other.number})
    return _back(ticket, "links")


@staff_required
@require_POST
def link_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    link = found_or_404(selectors.link_get_for, request.user, ticket, link_pk)
    try:
        services.ticket_unlink(link, actor=request.user)
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Link removed."))
    return _back(ticket, "links")


@staff_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of the ticket to merge into."))
        return _back(ticket, "links")
    try:
        target = _other(request, form.cleaned_data["into"])
        services.ticket_merge(ticket, target, actor=request.user)
    except DomainError as err:
        messages.error(request, str(err.message))
        return _back(ticket, "links")
    messages.success(
        request,
        _("%(source)s was merged into this ticket.") % {"source": ticket.number},
    )
    return _back(target)


def _since(value: str | None) -> datetime | None:
    try:
        parsed = parse_datetime(value or "")
    except ValueError:
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


@staff_required
@require_POST
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """The page's heartbeat: record this user, answer with who else is here and what was
    posted since the page was opened (``since``, set by the page)."""
    ticket = _ticket(request, pk)
    services.presence_beat(ticket, actor=request.user, state=request.POST.get("state", ""))
    since = _since(request.POST.get("since"))
    return render(
        request,
        "staff/_presence.html",
        {
            "ticket": ticket,
            "others": selectors.presence_others(ticket, request.user),
            "replying": TicketPresence.REPLYING,
            "new_replies": selectors.replies_since(ticket, request.user, since) if since else [],
        },
    )


@staff_required
@require_GET
def ticket_step(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    """The next (older) or previous (newer) open ticket in the queue's default order."""
    ticket = _ticket(request, pk)
    neighbour = selectors.ticket_neighbour(request.user, ticket, older=direction == "next")
    if neighbour is None:
        messages.info(request, _("No more open tickets that way."))
        return _back(ticket)
    return _back(neighbour)
