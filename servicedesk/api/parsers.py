"""Request body parsers of the API.

JSON is parsed with limits: at most ``MAX_JSON_DEPTH`` levels of nesting (Python's parser
raises ``RecursionError`` near 1,000, and validating a deep body recurses too) and at most
``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes; beyond either the answer is a 400 / 413 in the API's
error shape, before any view code runs.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

MAX_JSON_DEPTH = 20


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def json_depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and str(length).isdigit() and limit is not None and int(length) > limit:
            raise RequestTooLarge(_("The request body is too large."))
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = json_depth(data) > MAX_JSON_DEPTH
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.")
                % {"depth": MAX_JSON_DEPTH}
            )
        return data
