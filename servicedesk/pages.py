"""Helpers shared by the pages of every app: who may open a staff page, the 403 page, file
downloads, and a service's error shown on a form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import DomainError, NotFound
from .permissions import is_staff_user


def query_string(params: QueryDict, **changes: str | None) -> str:
    """``?``-query of ``params`` with ``changes`` (None or "" drops a parameter): the links of
    a filtered list (next page, first page, another order) keep its other filters."""
    query = params.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "staff/forbidden.html", {"message": message}, status=403)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members of staff only; customers and others get a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            return forbidden(request, _("The staff console is for support staff only."))
        return view(request, *args, **kwargs)

    return wrapper


def staff_or_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page); anyone but staff gets a 404 and learns nothing."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def found_or_404(read: Callable[..., Any], *args: Any) -> Any:
    """``read(*args)`` (a selector), with its ``NotFound`` as the page's 404."""
    try:
        return read(*args)
    except NotFound:
        raise Http404 from None


def attachment_response(attachment: Any) -> FileResponse:
    """A stored file (``file``, ``original_name``) always as a download: never rendered
    inline, never sniffed."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def apply_domain_error(form: forms.Form, error: DomainError, field_map: dict[str, str]) -> None:
    """Show a service's error on the form: per field where the form has one, else on top."""
    placed = False
    for name, messages in error.fields.items():
        target = field_map.get(name, name)
        if target in form.fields and (not form.is_bound or target not in form.errors):
            for message in messages:
                form.add_error(target, str(message))
            placed = True
    if not placed or not error.fields:
        form.add_error(None, str(error.message))
