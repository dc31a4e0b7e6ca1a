"""Pages shared by the staff console and the portal: home redirect, attachment download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from servicedesk.errors import NotFound

from .. import selectors
from ..permissions import is_customer_user, is_staff_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if is_customer_user(request.user):
        return redirect("portal:ticket-list")
    if is_staff_user(request.user):
        return redirect("staff:queue")
    raise Http404


def attachment_response(attachment) -> FileResponse:
    """Always a download: never rendered inline, never sniffed."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attachment = selectors.attachment_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    return attachment_response(attachment)
