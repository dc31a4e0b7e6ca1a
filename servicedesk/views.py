"""Error pages that still work when the database does not (``handler500`` in urls.py).

An unhandled exception reaches ``server_error`` (Django calls it inside its ``except``
block, so ``sys.exc_info()`` holds the exception; DRF re-raises everything that is not an
``APIException``). A lost database connection (``OperationalError``, ``InterfaceError``)
is a 503: the request may succeed in a minute. Under ``/api/`` the answer is the API's
error shape, never a traceback; pages get a standalone template rendered without the
request, so no context processor runs: no user, no session, no query.
"""

from __future__ import annotations

import sys

from csp.decorators import csp_update
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from .middleware import request_id

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_payload() -> dict[str, str]:
    return {
        "code": "service_unavailable",
        "detail": _("The service desk cannot reach its database. Try again in a minute."),
    }


@csp_update({"style-src": ["'unsafe-inline'"]})  # the page's own <style>: no static files
def server_error(request: HttpRequest) -> HttpResponse:
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    response: HttpResponse
    if request.path.startswith("/api/"):
        payload = (
            unavailable_payload()
            if unavailable
            else {"code": "server_error", "detail": _("A server error occurred.")}
        )
        response = JsonResponse({**payload, "request_id": request_id(request)}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render({}), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse:
    """An error in the API's shape, for what Django answers before any API view runs."""
    return JsonResponse(
        {"code": code, "detail": detail, "request_id": request_id(request)}, status=status
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: an unknown path, or an id no route accepts (``/tickets/%C2%B2/``)."""
    if _is_api(request):
        return api_error(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: a request Django refuses before routing (e.g. a malformed body)."""
    if _is_api(request):
        return api_error(request, 400, "bad_request", _("Bad request."))
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403`` (e.g. a failed CSRF check outside DRF)."""
    if _is_api(request):
        return api_error(request, 403, "permission_denied", _("You may not do this."))
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]
