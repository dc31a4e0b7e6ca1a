"""Pages shared by the staff console and the portal: home redirect, attachment download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from servicedesk.errors import NotFound
from servicedesk.pages import attachment_response
from servicedesk.permissions import is_customer_user, is_staff_user

from .. import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_customer_user(request.user):
        return redirect("portal:ticket-list")
    if is_staff_user(request.user):
        return redirect("staff:queue")
    raise Http404


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attachment = selectors.attachment_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    return attachment_response(attachment)
