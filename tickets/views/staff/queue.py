"""The triage queue: shared filters, allow-listed sort, keyset pages; bulk assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import DomainError, NotAllowed, NotFound
from servicedesk.ids import parse_id
from servicedesk.keyset import Key, keyset_page
from servicedesk.models import Organization, User
from servicedesk.pages import forbidden, query_string, staff_required
from servicedesk.permissions import can_assign, is_manager
from tickets import selectors, services
from tickets.filters import ORDERING_FIELDS, TicketFilter
from tickets.forms import (
    BulkAssignForm,
    SavedViewForm,
    clean_ordering,
    ordering_choices,
)
from tickets.queue_views import landing_view, views_for

from .queue_rows import queue_rows_html

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


CHIP_FILTERS = ("status", "severity", "kind", "channel")
# A request carrying any of these names is an explicit filter: no landing view is added.
FILTER_NAMES = frozenset(TicketFilter.base_filters) | {"ordering", "after", "before"}


def _tidy_filter_form(form: Any) -> None:
    """Friendlier widgets for the shared FilterSet's form (labels only; no new filters)."""
    fields = form.fields
    for name in (
        "created_after",
        "created_before",
        "resolved_after",
        "resolved_before",
        "closed_after",
        "closed_before",
    ):
        fields[name].widget.input_type = "datetime-local"
    fields["contract"].widget = forms.HiddenInput()  # reached from report links
    for name in ("organization", "product", "team", "assignee"):
        fields[name].empty_label = _("All")
    # Thousands of customer organizations: no <select> of them all (rendering it cost more
    # than the whole query). A code box with suggestions instead; an ``organization`` id in
    # the URL still filters, carried as a hidden field. Likewise the assignee: a people
    # picker (user name or name, suggestions as one types; the engineer's name shown).
    fields["organization"].widget = forms.HiddenInput()
    fields["assignee"].widget = forms.HiddenInput()
    fields["view"].widget = forms.HiddenInput()
    fields["assignee_username"].widget.attrs.update(
        {
            "list": "staff-options",
            "autocomplete": "off",
            "placeholder": _("Name or user name"),
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
    fields["q"].widget.attrs["type"] = "search"
    fields["unassigned"].widget.choices = [
        ("unknown", _("All")),
        ("true", _("Unassigned only")),
        ("false", _("Assigned only")),
    ]


def _team_choices(user: Any, filter_form: Any, bulk_form: Any, save_form: Any) -> None:
    """The page's three service-group pickers from one query (``teams_with_membership``)
    instead of one each: the widgets get the same options, the fields still validate
    against their querysets."""
    teams = selectors.teams_with_membership(user)
    every = [(pk, name) for pk, name, _member in teams]
    mine = every if is_manager(user) else [(pk, name) for pk, name, member in teams if member]
    for form, options in ((filter_form, every), (bulk_form, every), (save_form, mine)):
        if form is not None:
            field = form.fields["team"]
            field.widget.choices = [("", field.empty_label), *options]


def _chips(form: Any) -> list[dict[str, Any]]:
    """The multiple-choice filters as groups of checkboxes ("chips"): one click each."""
    data = form.data
    groups = []
    for name in CHIP_FILTERS:
        field = form.fields[name]
        chosen = set(data.getlist(name)) if hasattr(data, "getlist") else set()
        groups.append(
            {
                "name": name,
                "label": field.label,
                "options": [
                    {"value": value, "label": label, "checked": value in chosen}
                    for value, label in field.choices
                ],
            }
        )
    return groups


def _chips_html(groups: list[dict[str, Any]]) -> SafeString:
    """The chip groups as HTML in one pass (as the template wrote them): each label is
    translated once, not at every output of a lazy string."""
    out = []
    for group in groups:
        label, name = conditional_escape(str(group["label"])), conditional_escape(group["name"])
        options = "".join(
            f'<label class="chip"><input type="checkbox" name="{name}" '
            f'value="{conditional_escape(o["value"])}"{" checked" if o["checked"] else ""}> '
            f"<span>{conditional_escape(str(o['label']))}</span></label>"
            for o in group["options"]
        )
        out.append(
            f'  <fieldset class="chips" aria-label="{label}">\n    <legend>{label}</legend>\n'
            f"    {options}\n  </fieldset>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def _filter_fields_html(form: Any) -> SafeString:
    """The filter form's other fields (hidden ones as they are, the rest each in a label)
    in one pass, as the template's loop over the form wrote them; the chips are apart."""
    out = []
    for field in form:
        if field.is_hidden:
            out.append(f"\n  {conditional_escape(field)}\n  ")
        elif field.name not in CHIP_FILTERS:
            errors = field.errors
            out.append(
                f'\n  \n  <label class="{"has-error" if errors else ""}">'
                f"{conditional_escape(str(field.label))}\n"
                f"    {conditional_escape(field)}{conditional_escape(errors)}\n  </label>\n  \n  "
            )
        else:
            out.append("\n  \n  ")
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def _filter_data(request: HttpRequest) -> tuple[QueryDict, Any]:
    """The queue's filter: the request's, a saved view's (``?saved=<id>``), or, when the request
    names no filter at all, the user's landing view (tickets.queue_views)."""
    params = request.GET
    saved_id = parse_id(params.get("saved"))
    if saved_id is not None:
        saved = selectors.saved_views_for(request.user).filter(pk=saved_id).first()
        if saved is not None:
            data = saved.params().copy()
            for name in ("after", "ordering"):
                if name in params:
                    data[name] = params[name]
            return data, saved
    if FILTER_NAMES.isdisjoint(params):
        data = params.copy()
        data["view"] = landing_view(request.user)
        return data, None
    return params, None


def _views_nav(request: HttpRequest, current: str, saved: Any) -> dict[str, Any]:
    """The views beside the queue (links; their counts come from ``queue_view_counts``)."""
    base = reverse("staff:queue")
    return {
        "views": [
            {
                "key": view.key,
                "label": view.label,
                "url": f"{base}?view={view.key}",
                "link": reverse(view.link) if view.link else "",
                "link_label": view.link_label,
            }
            for view in views_for(request.user)
        ],
        "saved_views": [
            {"key": f"saved-{item.pk}", "item": item, "url": f"{base}?saved={item.pk}"}
            for item in selectors.saved_views_for(request.user)
        ],
        "current": f"saved-{saved.pk}" if saved else current,
    }


@staff_required
@require_http_methods(["GET", "HEAD"])
def queue(request: HttpRequest) -> HttpResponse:
    """The triage queue: views, filters, allow-listed sort, keyset pages of 50.

    An htmx request (a filter changed, a view chosen, the periodic refresh) gets the list
    alone; the page around it stays.
    """
    data, saved = _filter_data(request)
    filterset = TicketFilter(data, queryset=selectors.ticket_rows(request.user), request=request)
    ordering = clean_ordering(data.get("ordering"))
    page = keyset_page(
        filterset.qs,
        _order_keys(ordering),
        after=data.get("after"),
        tag=ordering,
        size=PAGE_SIZE,
    )
    rows = selectors.ticket_rows_named(page["rows"])
    params = data.copy()
    params["ordering"] = ordering
    params.pop("after", None)
    can_bulk = can_assign(request.user)
    context = {
        "filter": filterset,
        "ordering": ordering,
        "tickets": rows,
        "rows_html": queue_rows_html(rows, checkboxes=can_bulk, now=timezone.now()),
        "next_url": query_string(params, after=page["next_cursor"]) if page["next_cursor"] else "",
        "first_url": "" if page["is_first"] else query_string(params, after=None),
        "sort": _sort_links(params, ordering),
        "bulk": can_bulk,
        "here": request.get_full_path(),
        "refresh_url": query_string(params),
        "current_view": data.get("view", ""),
        "saved": saved,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "staff/_queue_results.html", context)
    _tidy_filter_form(filterset.form)
    bulk_form = BulkAssignForm() if can_bulk else None
    save_form = SavedViewForm(user=request.user)
    _team_choices(request.user, filterset.form, bulk_form, save_form)
    context.update(
        {
            "ordering_choices": ordering_choices(),
            "chips_html": _chips_html(_chips(filterset.form)),
            "filter_fields_html": _filter_fields_html(filterset.form),
            "bulk_form": bulk_form,
            "save_form": save_form,
            **_views_nav(request, data.get("view", ""), saved),
        }
    )
    return render(request, "staff/queue.html", context)


@staff_required
@require_GET
def queue_view_counts(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the views with their counts, refreshed every minute and after a change."""
    nav = _views_nav(request, request.GET.get("current", ""), None)
    nav["current"] = request.GET.get("current", "")
    saved_items = [entry["item"] for entry in nav["saved_views"]]
    counts = selectors.view_counts(request.user, saved_items)
    cap = selectors.SAVED_VIEW_COUNT_CAP
    for entry in nav["views"] + nav["saved_views"]:
        count = counts.get(entry["key"])
        entry["count"] = "" if count is None else (f"{cap}+" if count >= cap else str(count))
    return render(request, "staff/_queue_views.html", {**nav, "with_counts": True})


@staff_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filter as a named view (private or shared with a group)."""
    form = SavedViewForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_safe_next(request, reverse("staff:queue")))
    filter_params = QueryDict(form.cleaned_data["query"])
    try:
        view = services.saved_view_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            params=filter_params,
            team=form.cleaned_data["team"],
        )
    except DomainError as err:
        messages.error(request, str(err.message))
        return redirect(_safe_next(request, reverse("staff:queue")))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('staff:queue')}?saved={view.pk}")


@staff_required
@require_POST
def saved_view_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.saved_view_delete(pk, actor=request.user)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("View deleted."))
    return redirect(reverse("staff:queue"))


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
