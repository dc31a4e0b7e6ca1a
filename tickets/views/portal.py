"""Customer portal: my organization's requests, submit, reply, confirm and rate.

Thin pages: reads through ``tickets.selectors`` (the visibility chokepoint), writes through
``tickets.services``. Customers only; staff are sent to their console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import Conflict, DomainError, NotFound
from servicedesk.keyset import Key, keyset_page
from servicedesk.models import User
from servicedesk.pages import apply_domain_error
from servicedesk.permissions import is_customer_user, is_staff_user
from sla.selectors import clocks_for_page

from .. import selectors, services
from ..choices import OPEN_STATUSES, Channel, EventKind, TicketStatus
from ..filters import TicketFilter
from ..forms_portal import (
    CancelForm,
    ConfirmForm,
    ListFilterForm,
    ReopenForm,
    ReplyForm,
    TicketCreateForm,
)
from ..models import Ticket
from ..panels import portal_panels, request_form_panels

PAGE_SIZE = 25
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN_STATUSES),
    "resolved": (TicketStatus.RESOLVED,),
    "closed": (TicketStatus.CLOSED, TicketStatus.CANCELLED),
}
CANCELLABLE = frozenset({TicketStatus.NEW, TicketStatus.ACCEPTED})
FINISHED = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})
DUE_FORMAT = "Y-m-d H:i"


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only. Staff reading a page go to their console; others get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_customer_user(request.user):
            return view(request, *args, **kwargs)
        if is_staff_user(request.user) and request.method in ("GET", "HEAD"):
            return redirect("home")
        raise PermissionDenied

    return wrapper


def _actor(request: HttpRequest) -> User:
    """The signed-in customer (``customer_required`` has checked it)."""
    return cast(User, request.user)


def _local(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), DUE_FORMAT) if value else "-"


# --------------------------------------------------------------------------- list


NEWEST_FIRST = (Key("created_at", datetime), Key("id", int))


@customer_required
@require_http_methods(["GET", "HEAD"])
def ticket_list(request: HttpRequest) -> HttpResponse:
    """My requests: the organization's tickets, filtered by status group and text."""
    form = ListFilterForm(request.GET or None)
    status, q = "all", ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or "all"
        q = form.cleaned_data["q"].strip()
    data: dict[str, Any] = {"q": q}
    if status in STATUS_GROUPS:
        data["status"] = list(STATUS_GROUPS[status])
    qs = TicketFilter(data, queryset=selectors.ticket_list(request.user), request=request).qs
    page = keyset_page(
        qs,
        NEWEST_FIRST,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
    )
    query = {"status": status, "q": q} if q else {"status": status}
    pager = {
        "newer_url": "?" + urlencode({**query, "before": page["previous_cursor"]})
        if page["previous_cursor"]
        else "",
        "older_url": "?" + urlencode({**query, "after": page["next_cursor"]})
        if page["next_cursor"]
        else "",
    }
    return render(
        request,
        "portal/ticket_list.html",
        {
            "form": form if form.is_bound else ListFilterForm(initial={"status": "all"}),
            "status": status,
            "q": q,
            "now": timezone.now(),
            "open_statuses": OPEN_STATUSES,
            "tickets": page["rows"],
            **pager,
        },
    )


# --------------------------------------------------------------------------- create


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    """Submit a request; the customer gets the number and the expected handling time."""
    organization = _actor(request).organization
    if request.method != "POST":
        form = TicketCreateForm(organization=organization)
        return render(request, "portal/ticket_create.html", _create_context(form))
    form = TicketCreateForm(request.POST, request.FILES, organization=organization)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                actor=_actor(request),
                channel=Channel.PORTAL,
                kind=data["kind"],
                product=data["product"],
                product_version=data["product_version"],
                title=data["title"],
                description=data["description"],
                occurred_at=data["occurred_at"],
                impact=data["impact"],
                proposed_severity=data["proposed_severity"],
                attachments=data["attachments"],
            )
        except DomainError as err:
            _show_error(request, form, err, {"file": "attachments"})
        else:
            messages.success(
                request,
                _(
                    "Your request %(number)s was received. We will respond by %(response)s "
                    "and aim to resolve it by %(resolution)s (local time)."
                )
                % {
                    "number": ticket.number,
                    "response": _local(ticket.response_due_at),
                    "resolution": _local(ticket.resolution_due_at),
                },
            )
            return redirect("portal:ticket", number=ticket.number)
    return render(request, "portal/ticket_create.html", _create_context(form), status=400)


def _create_context(form: TicketCreateForm) -> dict[str, Any]:
    # sections other apps add to the form (tickets.panels), e.g. matching articles
    return {"form": form, "panels": request_form_panels()}


# --------------------------------------------------------------------------- ticket page


@dataclass(frozen=True)
class Entry:
    """One line of the public timeline: a reply (with files) or a change of the ticket."""

    when: datetime
    kind: str  # "reply" or "change"
    author: Any = None
    text: str = ""
    comment: Any = None
    is_mine: bool = False


def _event_text(event: Any) -> str:
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        return _("Request submitted as %(number)s.") % {"number": data.get("number", "")}
    if event.kind == EventKind.TRANSITION:
        return _("Status changed from “%(old)s” to “%(new)s”.") % {
            "old": _status_label(data.get("old")),
            "new": _status_label(data.get("new")),
        }
    if event.kind == EventKind.ASSIGNED:
        name = (data.get("assignee") or {}).get("new")
        if name:
            return _("Assigned to %(name)s.") % {"name": name}
        return _("Handed over to the service desk.")
    if event.kind == EventKind.ATTACHMENT_ADDED:
        return _("File added: %(name)s.") % {"name": data.get("name", "")}
    if event.kind == EventKind.RATED:
        return _("Service rated %(rating)s of 5.") % {"rating": data.get("rating", "")}
    if event.kind == EventKind.TRIAGED:
        return _("The service desk assessed the request.")
    if event.kind == EventKind.FIELD_CHANGED:
        return _("Details changed: %(field)s.") % {"field": _field_label(data.get("field"))}
    return ""


def _status_label(value: Any) -> str:
    try:
        return str(TicketStatus(value).label)
    except ValueError:
        return str(value or "-")


def _field_label(name: Any) -> str:
    try:
        return str(getattr(Ticket._meta.get_field(str(name)), "verbose_name", name))
    except FieldDoesNotExist:  # an unknown field name in old event data
        return str(name or "")


def _timeline(request: HttpRequest, ticket: Ticket) -> list[Entry]:
    entries = [
        Entry(
            when=c.created_at,
            kind="reply",
            author=c.author,
            text=c.body,
            comment=c,
            is_mine=c.author_id == request.user.pk,
        )
        for c in selectors.comment_list(request.user, ticket)
    ]
    for event in selectors.event_list(request.user, ticket):
        if event.kind in (EventKind.COMMENTED, EventKind.NOTE_ADDED):
            continue  # the reply itself is in the timeline
        text = _event_text(event)
        if text:
            entries.append(
                Entry(when=event.created_at, kind="change", author=event.actor, text=text)
            )
    entries.sort(key=lambda e: (e.when, e.kind != "change"))
    return entries


def _get_ticket(request: HttpRequest, number: str) -> Ticket:
    try:
        return selectors.ticket_get_for(request.user, number)
    except NotFound:
        raise Http404 from None


def _render_ticket(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "timeline": _timeline(request, ticket),
        "attachments": list(selectors.attachment_list(request.user, ticket)),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(initial={"version": ticket.version}),
        "can_reply": ticket.status not in FINISHED,
        "can_cancel": ticket.status in CANCELLABLE,
        "awaiting_confirmation": ticket.status == TicketStatus.RESOLVED,
        "waiting_for_me": ticket.status == TicketStatus.WAITING_CUSTOMER,
        "open_form": forms.get("open_form", ""),
        "now": timezone.now(),
        "sla_clocks": {c["kind"]: c for c in clocks_for_page(ticket.pk)},
        "panels": portal_panels(),  # filled by the apps above tickets (tickets.panels)
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


def _show_error(
    request: HttpRequest, form: Any, err: DomainError, field_map: dict[str, str]
) -> None:
    """Field errors go next to their field; a refusal without fields becomes a message."""
    if err.fields:
        apply_domain_error(form, err, field_map)
    else:
        messages.error(request, str(err.message))


def _error_status(err: DomainError) -> int:
    return 409 if isinstance(err, Conflict) else err.status


@customer_required
@require_http_methods(["GET", "HEAD"])
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_ticket(request, _get_ticket(request, number))


@customer_required
@require_POST
def ticket_reply(request: HttpRequest, number: str) -> HttpResponse:
    """A public reply with files; a reply while we wait for the customer resumes the work."""
    ticket = _get_ticket(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_ticket(request, ticket, status=400, reply_form=form, open_form="reply")
    was_waiting = ticket.status == TicketStatus.WAITING_CUSTOMER
    try:
        services.comment_add(
            ticket,
            actor=_actor(request),
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )
    except DomainError as err:
        _show_error(request, form, err, {"file": "attachments"})
        return _render_ticket(
            request, ticket, status=_error_status(err), reply_form=form, open_form="reply"
        )
    if was_waiting:
        messages.success(request, _("Thank you: your reply was sent and work resumes."))
    else:
        messages.success(request, _("Your reply was sent."))
    return redirect(_ticket_url(ticket, "conversation"))


@customer_required
@require_POST
def ticket_confirm(request: HttpRequest, number: str) -> HttpResponse:
    """Customer confirmation: the fix works, with a 1-5 rating; the ticket closes."""
    ticket = _get_ticket(request, number)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_confirm(
                ticket,
                actor=_actor(request),
                accepted=True,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as err:
            _show_error(request, form, err, {})
            return _render_ticket(request, ticket, status=_error_status(err), confirm_form=form)
        messages.success(request, _("Thank you for confirming the fix and rating our service."))
        return redirect(_ticket_url(ticket))
    return _render_ticket(request, ticket, status=400, confirm_form=form)


@customer_required
@require_POST
def ticket_reopen(request: HttpRequest, number: str) -> HttpResponse:
    """Not fixed: the customer rejects the resolution with a reason; work resumes."""
    ticket = _get_ticket(request, number)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_confirm(
                ticket, actor=_actor(request), accepted=False, comment=form.cleaned_data["reason"]
            )
        except DomainError as err:
            _show_error(request, form, err, {"comment": "reason"})
            return _render_ticket(request, ticket, status=_error_status(err), reopen_form=form)
        messages.success(request, _("The request was reopened; we are working on it again."))
        return redirect(_ticket_url(ticket))
    return _render_ticket(request, ticket, status=400, reopen_form=form, open_form="reopen")


@customer_required
@require_POST
def ticket_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw a request that nobody has started on yet (new or accepted)."""
    ticket = _get_ticket(request, number)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_transition(
                ticket,
                actor=_actor(request),
                to_status=TicketStatus.CANCELLED,
                comment=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as err:
            _show_error(request, form, err, {"comment": "reason"})
            return _render_ticket(
                request, ticket, status=_error_status(err), cancel_form=form, open_form="cancel"
            )
        messages.success(request, _("The request was cancelled."))
        return redirect(_ticket_url(ticket))
    return _render_ticket(request, ticket, status=400, cancel_form=form, open_form="cancel")


def _ticket_url(ticket: Ticket, anchor: str = "") -> str:
    url = reverse("portal:ticket", kwargs={"number": ticket.number})
    return f"{url}#{anchor}" if anchor else url
