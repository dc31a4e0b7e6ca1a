"""The triage queue: shared filters, allow-listed sort, keyset pages; bulk assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import DomainError, NotAllowed
from servicedesk.keyset import Key, keyset_page
from servicedesk.models import Organization, User
from servicedesk.pages import forbidden, query_string, staff_required
from servicedesk.permissions import can_assign
from tickets import selectors, services
from tickets.choices import OPEN_STATUSES
from tickets.filters import ORDERING_FIELDS, TicketFilter
from tickets.forms import (
    BulkAssignForm,
    clean_ordering,
    ordering_choices,
)

PAGE_SIZE = 50
DATETIME_FIELDS = frozenset({"created_at", "updated_at", "sla_due_at"})


def _order_keys(ordering: str) -> list[Key]:
    """Columns of a total order for keyset paging; ``ordering`` is clean.

    Ties are broken newest first, matching the (status, severity, -created_at, -id) and
    (-created_at, -id) indexes.
    """
    desc = ordering.startswith("-")
    name = ordering.lstrip("-")
    kind = datetime if name in DATETIME_FIELDS else str
    if name == "created_at":
        return [Key("created_at", datetime, desc), Key("id", int, desc)]
    return [Key(name, kind, desc), Key("created_at", datetime, not desc), Key("id", int, not desc)]


def _sort_links(params: QueryDict, ordering: str) -> dict[str, dict[str, str]]:
    """For each sortable column header: the link (toggling direction) and an arrow."""
    links = {}
    for name in ORDERING_FIELDS:
        current = ordering.lstrip("-") == name
        descending = ordering.startswith("-")
        target = (name if descending else f"-{name}") if current else f"-{name}"
        if name in ("severity", "sla_due_at") and not current:
            target = name  # L1 first, due soonest first: what one wants from a first click
        arrow = ("▼" if descending else "▲") if current else ""
        links[name] = {"url": query_string(params, ordering=target, after=None), "arrow": arrow}
    return links


def _tidy_filter_form(form: Any) -> None:
    """Friendlier widgets for the shared FilterSet's form (labels only; no new filters)."""
    fields = form.fields
    for name in ("created_after", "created_before", "resolved_after", "resolved_before"):
        fields[name].widget.input_type = "datetime-local"
    fields["contract"].widget = forms.HiddenInput()  # reached from report links
    for name in ("organization", "product", "team", "assignee"):
        fields[name].empty_label = _("All")
    # Thousands of customer organizations: no <select> of them all (rendering it cost more
    # than the whole query). A code box with suggestions instead; an ``organization`` id in
    # the URL still filters, carried as a hidden field.
    fields["organization"].widget = forms.HiddenInput()
    fields["assignee"].widget = forms.HiddenInput()
    fields["assignee_username"].widget.attrs.update(
        {
            "list": "staff-options",
            "autocomplete": "off",
            "placeholder": _("User name"),
            "hx-get": reverse("staff:staff-options"),
            "hx-trigger": "input changed delay:250ms, focus once",
            "hx-target": "#staff-options",
        }
    )
    fields["organization_code"].widget.attrs.update(
        {
            "list": "organization-options",
            "autocomplete": "off",
            "placeholder": _("Name or code"),
            "hx-get": reverse("staff:organization-options"),
            "hx-trigger": "input changed delay:250ms, focus once",
            "hx-target": "#organization-options",
        }
    )
    fields["unassigned"].widget.choices = [
        ("unknown", _("All")),
        ("true", _("Unassigned only")),
        ("false", _("Assigned only")),
    ]
    for name in ("status", "kind", "severity", "channel"):
        fields[name].widget.attrs["size"] = 4


@staff_required
@require_http_methods(["GET", "HEAD"])
def queue(request: HttpRequest) -> HttpResponse:
    """The triage queue: filters, allow-listed sort, keyset pages of 50."""
    filterset = TicketFilter(
        request.GET, queryset=selectors.ticket_list(request.user), request=request
    )
    _tidy_filter_form(filterset.form)
    ordering = clean_ordering(request.GET.get("ordering"))
    page = keyset_page(
        filterset.qs,
        _order_keys(ordering),
        after=request.GET.get("after"),
        tag=ordering,
        size=PAGE_SIZE,
    )
    params = request.GET.copy()
    params["ordering"] = ordering
    now = timezone.now()
    return render(
        request,
        "staff/queue.html",
        {
            "filter": filterset,
            "ordering": ordering,
            "ordering_choices": ordering_choices(),
            "tickets": page["rows"],
            "next_url": query_string(params, after=page["next_cursor"])
            if page["next_cursor"]
            else "",
            "first_url": "" if page["is_first"] else query_string(params, after=None),
            "sort": _sort_links(request.GET, ordering),
            "bulk_form": BulkAssignForm() if can_assign(request.user) else None,
            "overdue": {
                t.pk
                for t in page["rows"]
                if t.status in OPEN_STATUSES and t.sla_due_at and t.sla_due_at < now
            },
            "here": request.get_full_path(),
        },
    )


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@staff_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Give the ticked tickets to a service group and/or engineer, all or nothing."""
    back = _safe_next(request, reverse("staff:queue"))
    if not can_assign(request.user):
        return forbidden(request, _("You may not assign tickets."))
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    wanted = set(data["tickets"])
    visible = list(
        selectors.ticket_list(request.user).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if len(visible) != len(wanted):
        messages.error(request, _("Some of the ticked tickets do not exist."))
        return redirect(back)
    try:
        count = services.tickets_bulk_assign(
            visible, actor=request.user, team=data["team"], assignee=data["assignee"]
        )
    except NotAllowed as err:
        return forbidden(request, str(err.message))
    except DomainError as err:
        messages.error(request, str(err.message))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d ticket assigned.", "%(count)d tickets assigned.", count)
        % {"count": count},
    )
    return redirect(back)


@staff_required
@require_GET
def organization_options(request: HttpRequest) -> HttpResponse:
    """htmx fragment: <option>s of organizations whose name or code matches, for a datalist."""
    text = (request.GET.get("organization_code") or request.GET.get("q") or "").strip()[:100]
    organizations = Organization.objects.filter(is_active=True).only("code", "name")
    if text:
        organizations = organizations.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return render(
        request,
        "staff/_organization_options.html",
        {"organizations": organizations.order_by("name")[:20]},
    )


@staff_required
@require_GET
def staff_options(request: HttpRequest) -> HttpResponse:
    """htmx fragment: <option>s of active staff whose user name or name matches."""
    text = (request.GET.get("assignee_username") or request.GET.get("q") or "").strip()[:100]
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES).only(
        "username", "first_name", "last_name"
    )
    if text:
        staff = staff.filter(
            Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
    return render(request, "staff/_staff_options.html", {"staff": staff.order_by("username")[:20]})
