"""Managing canned replies (常用回复): the list of those one may use, create, edit, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicedesk.errors import DomainError
from servicedesk.pages import apply_domain_error, forbidden, found_or_404, staff_required
from tickets import selectors, services
from tickets.forms import CannedReplyForm
from tickets.models import CannedReply
from tickets.services.macros import EDITABLE, may_edit


def _initial(canned: CannedReply) -> dict[str, Any]:
    return {key: getattr(canned, key) for key in EDITABLE}


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def canned_list(request: HttpRequest) -> HttpResponse:
    form = CannedReplyForm(initial={"language": get_language()})
    status = 200
    if request.method == "POST":
        form = CannedReplyForm(request.POST)
        if form.is_valid():
            try:
                canned = services.canned_reply_create(actor=request.user, **form.cleaned_data)
            except DomainError as err:
                apply_domain_error(form, err, {})
                status = err.status
            else:
                messages.success(request, _("Canned reply “%(name)s” saved.") % {"name": canned})
                return redirect("staff:canned-list")
        else:
            status = 400
    replies = [
        {"reply": reply, "editable": may_edit(request.user, reply)}
        for reply in selectors.canned_reply_list(request.user)
    ]
    return render(
        request, "staff/canned_list.html", {"replies": replies, "form": form}, status=status
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    canned = found_or_404(selectors.canned_reply_get_for, request.user, pk)
    if not may_edit(request.user, canned):
        return forbidden(request, _("Only its owner or a manager may change this canned reply."))
    form = CannedReplyForm(initial=_initial(canned))
    status = 200
    if request.method == "POST":
        form = CannedReplyForm(request.POST)
        if form.is_valid():
            try:
                services.canned_reply_update(canned, actor=request.user, changes=form.cleaned_data)
            except DomainError as err:
                apply_domain_error(form, err, {})
                status = err.status
            else:
                messages.success(request, _("Canned reply “%(name)s” saved.") % {"name": canned})
                return redirect("staff:canned-list")
        else:
            status = 400
    return render(
        request, "staff/canned_edit.html", {"canned": canned, "form": form}, status=status
    )


@staff_required
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    canned = found_or_404(selectors.canned_reply_get_for, request.user, pk)
    try:
        services.canned_reply_delete(canned, actor=request.user)
    except DomainError as err:
        return forbidden(request, str(err.message))
    messages.success(request, _("Canned reply deleted."))
    return redirect("staff:canned-list")
