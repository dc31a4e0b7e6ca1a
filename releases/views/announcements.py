"""Announcement pages: the portal's list and detail (the banner is a template tag on the
portal home), and the staff pages to draft, edit, publish and withdraw. Reads through
``releases.selectors`` (one audience rule), writes through ``releases.services``; an
announcement the user may not read is a 404, a member of staff who is not a manager gets
the 403 page on the writing pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.errors import DomainError, NotAllowed
from servicedesk.pages import apply_domain_error, forbidden, found_or_404, staff_required
from servicedesk.permissions import is_manager

from .. import selectors, services
from ..forms import AnnouncementForm
from ..models import Announcement
from .releases import customer_required

LIST_SIZE = 50


@customer_required
@require_GET
def portal_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.announcements_visible(request.user)[:LIST_SIZE])
    return render(request, "releases/announcements.html", {"announcements": rows})


@customer_required
@require_GET
def portal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = found_or_404(selectors.announcement_get_for, request.user, pk)
    return render(request, "releases/announcement.html", {"announcement": announcement})


@staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.announcement_list(request.user)[:LIST_SIZE])
    return render(
        request,
        "releases/staff_announcements.html",
        {"announcements": rows, "can_write": is_manager(request.user), "now": timezone.now()},
    )


def _values(form: AnnouncementForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


def _initial(announcement: Announcement) -> dict[str, Any]:
    return {
        "title": announcement.title,
        "kind": announcement.kind,
        "body": announcement.body,
        "window_starts_at": announcement.window_starts_at,
        "window_ends_at": announcement.window_ends_at,
        "audience": announcement.audience,
        "organizations": list(announcement.organizations.all()),
        "products": list(announcement.products.all()),
        "expires_at": announcement.expires_at,
        "send_email": announcement.send_email,
    }


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Draft a new announcement (no ``pk``) or edit one."""
    if not is_manager(request.user):
        return forbidden(request, _("Only service-center managers write announcements."))
    announcement = found_or_404(selectors.announcement_get_for, request.user, pk) if pk else None
    if request.method != "POST":
        form = AnnouncementForm(initial=_initial(announcement) if announcement else None)
        return _form_page(request, form, announcement)
    form = AnnouncementForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, announcement, status=400)
    try:
        if announcement is None:
            announcement = services.announcement_create(actor=request.user, **_values(form))
            messages.success(request, _("Announcement drafted: publish it when it is ready."))
        else:
            services.announcement_update(announcement, actor=request.user, **_values(form))
            messages.success(request, _("Announcement saved."))
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        apply_domain_error(form, error, {})
        return _form_page(request, form, announcement, status=error.status)
    return redirect("staff-announcements:edit", pk=announcement.pk)


def _form_page(
    request: HttpRequest,
    form: AnnouncementForm,
    announcement: Announcement | None,
    status: int = 200,
) -> HttpResponse:
    events = list(announcement.events.select_related("actor")) if announcement else []
    return render(
        request,
        "releases/announcement_form.html",
        {"form": form, "announcement": announcement, "events": events},
        status=status,
    )


@staff_required
@require_POST
def staff_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, services.announcement_publish, _("Announcement published."))


@staff_required
@require_POST
def staff_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, services.announcement_withdraw, _("Announcement withdrawn."))


def _move(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    announcement = found_or_404(selectors.announcement_get_for, request.user, pk)
    try:
        action(announcement, actor=request.user)
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        messages.error(request, str(error.message))
        form = AnnouncementForm(initial=_initial(announcement))
        return _form_page(request, form, announcement, status=error.status)
    messages.success(request, done)
    return redirect("staff-announcements:list")
