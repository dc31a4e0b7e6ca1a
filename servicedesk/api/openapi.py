"""What every endpoint's OpenAPI description shares: the error shape and responses, the
Idempotency-Key and If-Match headers. The apps' API modules import these."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (see docs/API.md)."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("invalid_transition: the statuses you may move the ticket to."),
    )
    current_version = serializers.IntegerField(
        required=False, help_text=_("stale_version: the ticket's version now.")
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": 200},
    OpenApiParameter.HEADER,
    required=False,
    examples=[OpenApiExample("uuid", value="5f0c6a52-8d1e-4c55-9a43-0f5e2b7d9c10")],
    description=(
        "Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
        "response with `Idempotent-Replayed: true`; the same key with another body is 422. "
        "An empty value is no key."
    ),
)


def ordering_parameter(fields: tuple[str, ...], default: str, note: str = "") -> OpenApiParameter:
    """A list's ``ordering``: one of ``fields``, each optionally with ``-`` (descending), or
    several comma-separated. Unknown values are ignored (the default order; docs/API.md), so
    the schema states a string and names the values rather than an enum the server does not
    enforce."""
    names = ", ".join(f"`{name}`" for name in fields)
    return OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        examples=[OpenApiExample(f"-{fields[0]}", value=f"-{fields[0]}")],
        description=f"Sort order: {names}, each optionally with `-` for descending "
        f"(default `{default}`). {note}Other values are ignored.",
    )


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed (role or token scope)."),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not visible to you."),
}


# servicedesk.api.versions.expected_version: a version of up to 10 digits, quoted or not,
# weak or not, or "*"
IF_MATCH_PATTERN = r'^(\*|(W/)?"?[0-9]{1,10}"?)$'


def if_match(thing: str) -> OpenApiParameter:
    """The optional If-Match header of a versioned write on ``thing`` (e.g. "ticket")."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        pattern=IF_MATCH_PATTERN,
        examples=[OpenApiExample("version", value='"3"')],
        description=f'The {thing} version you last read (its ETag, e.g. `"3"` or '
        f'`W/"3"`; `*` for any); a stale one gets 409, anything else 400.',
    )


REQUEST_ID_EXAMPLE = "6f1c0e8b2d3a4f5e9a7b1c2d3e4f5a6b"


def error_example(name: str, status: int, code: str, detail: str, **extra) -> OpenApiExample:
    """A response example of the error shape (``ErrorSerializer``) for ``status``."""
    return OpenApiExample(
        name,
        response_only=True,
        status_codes=[str(status)],
        value={"code": code, "detail": detail, **extra, "request_id": REQUEST_ID_EXAMPLE},
    )


def write_errors(conflicts: str) -> dict[int, OpenApiResponse]:
    """``ERRORS`` of a write, with its 409 codes (``conflicts``) and the Idempotency-Key 422."""
    return {
        **ERRORS,
        409: OpenApiResponse(ErrorSerializer, description=conflicts),
        422: OpenApiResponse(
            ErrorSerializer, description="Idempotency-Key reused with another body."
        ),
    }


# What any operation may answer besides its own responses (docs/API.md, "Errors"): the
# parameters or body are invalid (400), no or a bad token (401), a role or token scope that
# may not (403), an id that does not exist or is not visible to the caller, which is also
# what customers get from staff-only endpoints, whatever the method (404), a request limit
# reached (429). Stale versions are 409 (the If-Match of a write included), never 412.
COMMON_ERRORS = {
    "400": "Invalid input: `fields` names each parameter or body field (dotted paths).",
    "401": "Not signed in, or the token is unknown or revoked.",
    "403": "Not allowed for your role or token scope.",
    "404": "Not found or not visible to you; customers get 404 from every staff-only "
    "endpoint, so they learn nothing of what they may not see.",
    "429": 'Over a request limit (docs/API.md, "Limits"): retry after `Retry-After` seconds.',
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "description": "Seconds to wait before retrying.",
        "required": True,
    }
}
# ... and what a write may answer besides those.
WRITE_ERRORS = {
    "409": "The object's state or version forbids the change (the `code` says which).",
    "413": "The body is larger than the upload limit.",
    "415": "The body's content type is not one this operation accepts.",
}
IDEMPOTENCY_ERROR = {"422": "Idempotency-Key reused with another body."}


def doc_excludes() -> list[type]:
    """drf-spectacular's ``GET_LIB_DOC_EXCLUDES``: besides DRF's classes, our base classes
    document how they work, not an operation or a body; their docstrings were the public
    description of every output body ("A read-only model serializer whose schema...") and
    of the idempotent views' operations ("Mix into an APIView...")."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from servicedesk.api.idempotency import IdempotentMixin
    from servicedesk.api.serializers import InputSerializer, OutputSerializer

    return [*get_lib_doc_excludes(), OutputSerializer, InputSerializer, IdempotentMixin]


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the error responses it
    can give, in the one error shape (``Error``)."""
    error = {"$ref": "#/components/schemas/Error"}
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = dict(COMMON_ERRORS)
            if method != "get":
                wanted.update(WRITE_ERRORS)
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                wanted.update(IDEMPOTENCY_ERROR)
            for code, description in wanted.items():
                response = responses.setdefault(
                    code,
                    {
                        "content": {"application/json": {"schema": error}},
                        "description": description,
                    },
                )
                if code == "429":
                    response.setdefault("headers", RETRY_AFTER)
    return result
