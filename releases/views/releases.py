"""Pages of releases and patches: the portal's downloads (下载区) and the staff releases page.

Thin pages: reads through ``releases.selectors`` (the one visibility rule), writes through
``releases.services``. A version or patch the user may not see is
a 404; a member of staff without the role gets the 403 page.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.errors import DomainError, NotAllowed, NotFound
from servicedesk.models import ProductVersion
from servicedesk.pages import attachment_response, forbidden, staff_required
from servicedesk.permissions import can_draft, can_engineer, is_customer_user, is_staff_user

from .. import selectors, services
from ..forms import InstallationFilterForm, InstallationForm, NotesForm, PatchUploadForm
from ..models import Patch

INSTALLATIONS_SHOWN = 500


# --------------------------------------------------------------------------- helpers


def patch_response(patch: Patch) -> FileResponse:
    """Like ticket attachments: always a download, never sniffed; plus the digest (RFC 9530)."""
    response = attachment_response(patch)
    digest = base64.b64encode(bytes.fromhex(patch.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


def grouped(versions: list[ProductVersion]) -> list[dict[str, Any]]:
    """Versions (already ordered per product, newest first) as [{product, versions}]."""
    groups: list[dict[str, Any]] = []
    for version in versions:
        if not groups or groups[-1]["product"].pk != version.product_id:
            groups.append({"product": version.product, "versions": []})
        groups[-1]["versions"].append(version)
    return groups


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers; staff reading the page go to the staff releases page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_customer_user(request.user):
            return view(request, *args, **kwargs)
        if is_staff_user(request.user):
            return redirect("releases:index")
        raise PermissionDenied

    return wrapper


# --------------------------------------------------------------------------- portal


@customer_required
@require_GET
def downloads(request: HttpRequest) -> HttpResponse:
    """下载区: the products the customer's contracts cover, each version newest first."""
    groups = {g["product"].pk: g for g in grouped(list(selectors.releases_for(request.user)))}
    products = [
        groups.get(product.pk, {"product": product, "versions": []})
        for product in selectors.covered_products(request.user)
    ]
    return render(request, "releases/downloads.html", {"products": products})


@login_required
@require_GET
def download_patch(request: HttpRequest, version_id: int) -> HttpResponse:
    """The patch of a version the user may see (customers: covered and released); else 404."""
    try:
        patch = selectors.patch_get_for(request.user, version_id)
    except NotFound:
        raise Http404 from None
    return patch_response(patch)


# --------------------------------------------------------------------------- staff


def _staff_page(
    request: HttpRequest,
    *,
    installation_form: InstallationForm | None = None,
    failed: tuple[int, str] | None = None,
    failed_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    versions = list(selectors.releases_for(user).select_related("patch__uploaded_by"))
    filter_form = InstallationFilterForm(request.GET or None)
    if filter_form.is_bound and not filter_form.is_valid():
        status = 400
        messages.error(request, _("Unknown customer or product in the filter."))
        filters: dict[str, Any] = {}
    else:
        filters = filter_form.cleaned_data if filter_form.is_bound else {}
    rows = list(selectors.installations(user, filters)[: INSTALLATIONS_SHOWN + 1])
    newest = {}
    for version in versions:  # newest first per product: the first one seen is the newest
        if version.released_on is not None:
            newest.setdefault(version.product_id, version)
    for row in rows:
        latest = newest.get(row.product_id)
        row.newest = latest if latest and latest.pk != row.version_id else None  # type: ignore[attr-defined]
    return render(
        request,
        "releases/staff.html",
        {
            "products": grouped(versions),
            "installations": rows[:INSTALLATIONS_SHOWN],
            "more_installations": len(rows) > INSTALLATIONS_SHOWN,
            "filter_form": filter_form,
            "installation_form": installation_form or InstallationForm(),
            "can_upload": can_engineer(user),
            "can_record": can_draft(user),
            "failed": failed,
            "failed_form": failed_form,
            "max_mb": settings.PATCH_MAX_BYTES // (1024 * 1024),
            "extensions": " ".join(services.PATCH_EXTENSIONS),
        },
        status=status,
    )


def _staff_version(request: HttpRequest, pk: int) -> ProductVersion:
    try:
        return selectors.version_get_for(request.user, pk)
    except NotFound:
        raise Http404 from None


@staff_required
@require_GET
def releases_index(request: HttpRequest) -> HttpResponse:
    return _staff_page(request)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def patch(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: download the patch; POST: upload (or replace) it."""
    if request.method != "POST":
        try:
            return patch_response(selectors.patch_get_for(request.user, pk))
        except NotFound:
            raise Http404 from None
    version = _staff_version(request, pk)
    if not can_engineer(request.user):
        return forbidden(request, _("Only engineers and managers upload patches."))
    form = PatchUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a patch file to upload."))
        return _staff_page(request, failed=(version.pk, "patch"), failed_form=form, status=400)
    try:
        stored = services.patch_upload(
            version, actor=request.user, upload=form.cleaned_data["file"]
        )
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        messages.error(request, str(error.message))
        return _staff_page(request, failed=(version.pk, "patch"), status=error.status)
    messages.success(
        request,
        _("%(name)s is now the patch of %(version)s.")
        % {"name": stored.original_name, "version": version},
    )
    return redirect(f"{reverse('releases:index')}#version-{version.pk}")


@staff_required
@require_POST
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    version = _staff_version(request, pk)
    if not can_engineer(request.user):
        return forbidden(request, _("Only engineers and managers edit release notes."))
    form = NotesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _staff_page(request, failed=(version.pk, "notes"), failed_form=form, status=400)
    try:
        services.release_notes_update(
            version,
            actor=request.user,
            notes=form.cleaned_data["notes"],
            released_on=form.cleaned_data["released_on"],
        )
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        messages.error(request, str(error.message))
        return _staff_page(request, failed=(version.pk, "notes"), status=error.status)
    messages.success(request, _("Release notes of %(version)s saved.") % {"version": version})
    return redirect(f"{reverse('releases:index')}#version-{version.pk}")


@staff_required
@require_POST
def installation_record(request: HttpRequest) -> HttpResponse:
    if not can_draft(request.user):
        return forbidden(request, _("Only agents, engineers and managers record versions."))
    form = InstallationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _staff_page(request, installation_form=form, status=400)
    data = form.cleaned_data
    try:
        services.installation_record(
            data["contract"],
            actor=request.user,
            version=data["version"],
            installed_on=data["installed_on"],
        )
    except NotAllowed as error:
        return forbidden(request, str(error.message))
    except DomainError as error:
        for name, errors in error.fields.items():
            if name in form.fields:
                for message in errors:
                    form.add_error(name, str(message))
        messages.error(request, str(error.message))
        return _staff_page(request, installation_form=form, status=error.status)
    messages.success(
        request,
        _("Recorded: %(organization)s runs %(version)s.")
        % {"organization": data["contract"].organization.name, "version": data["version"]},
    )
    return redirect(f"{reverse('releases:index')}#installations")
