"""Request-wide middleware: the request id, and the language a signed-in user chose."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware.

    Order of preference: the language cookie set by the switcher, the user's saved language,
    then the browser's Accept-Language (already applied by LocaleMiddleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language in self.codes
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware:
    """Give every request an id: the caller's ``X-Request-ID`` when it looks like one (8-64
    letters, digits, ``.``, ``_``, ``-``), else a new one. It is echoed in the response
    header and in the body of every API error, so a report can be matched with the logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def request_id(request) -> str:
    """The id of ``request`` (also a DRF request); a new one when the middleware did not run."""
    request = getattr(request, "_request", request)
    if not hasattr(request, "request_id"):
        request.request_id = uuid.uuid4().hex
    return request.request_id
