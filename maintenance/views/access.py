"""Who may use the maintenance pages: members of staff (as the staff console). The lists
give others the console's 403 page (``staff_required``); pages about one object that a
customer may not know of give them a 404 (``staff_or_404``). The role rules of each step
are the services' business."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from tickets.permissions import is_staff_user
from tickets.views.staff.access import forbidden, staff_required

__all__ = ["forbidden", "staff_or_404", "staff_required"]


def staff_or_404(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page); anyone but staff gets a 404 and learns nothing."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
