"""Document library pages (文档库): the portal's library per product version and the
download, the staff library with upload and removal. Every download checks, on its own
request, that the user may see the document (customers: public, of a product their current
contracts cover); anything else is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.errors import DomainError, NotAllowed
from servicedesk.pages import (
    apply_domain_error,
    attachment_response,
    forbidden,
    found_or_404,
    staff_required,
)
from servicedesk.permissions import can_engineer

from .. import selectors, services
from ..forms import DocumentUploadForm
from .releases import customer_required, grouped

STAFF_LIST_SIZE = 200


@customer_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """The products and released versions whose documents the customer may read."""
    groups = grouped(list(selectors.library_versions(request.user)))
    return render(request, "releases/library.html", {"products": groups})


@customer_required
@require_GET
def library_version(request: HttpRequest, version_id: int) -> HttpResponse:
    version = found_or_404(selectors.version_get_for, request.user, version_id)
    documents = list(selectors.documents_for_version(request.user, version))
    return render(
        request, "releases/library_version.html", {"version": version, "documents": documents}
    )


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_response(found_or_404(selectors.document_get_for, request.user, pk))


def _staff_page(
    request: HttpRequest, form: DocumentUploadForm | None = None, status: int = 200
) -> HttpResponse:
    documents = list(
        selectors.document_list(request.user)
        .select_related("uploaded_by")
        .prefetch_related("versions")[:STAFF_LIST_SIZE]
    )
    return render(
        request,
        "releases/staff_documents.html",
        {
            "documents": documents,
            "form": form or DocumentUploadForm(initial={"is_public": True}),
            "can_upload": can_engineer(request.user),
            "max_mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024),
            "extensions": " ".join(services.DOCUMENT_EXTENSIONS),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_library(request: HttpRequest) -> HttpResponse:
    """GET: the library; POST: upload a document."""
    if request.method != "POST":
        return _staff_page(request)
    if not can_engineer(request.user):
        return forbidden(request, _("Only engineers and managers manage documents."))
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _staff_page(request, form, status=400)
    data = form.cleaned_data
    try:
        document = services.document_upload(
            actor=request.user,
            upload=data["file"],
            title=data["title"],
            product=data["product"],
            versions=data["versions"],
            language=data["language"],
            is_public=data["is_public"],
        )
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        apply_domain_error(form, error, {})
        return _staff_page(request, form, status=error.status)
    messages.success(request, _("%(title)s added to the library.") % {"title": document.title})
    return redirect("documents:index")


@staff_required
@require_POST
def staff_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = found_or_404(selectors.document_get_for, request.user, pk)
    try:
        services.document_delete(document, actor=request.user)
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    messages.success(request, _("%(title)s removed.") % {"title": document.title})
    return redirect("documents:index")
