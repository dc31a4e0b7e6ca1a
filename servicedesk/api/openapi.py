"""What every endpoint's OpenAPI description shares: the error shape and responses, the
Idempotency-Key and If-Match headers. The apps' API modules import these."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
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
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (e.g. a UUID). A retry with the same key and body returns the first "
        "response with `Idempotent-Replayed: true`; the same key with another body is 422."
    ),
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed (role or token scope)."),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not visible to you."),
}


def if_match(thing: str) -> OpenApiParameter:
    """The optional If-Match header of a versioned write on ``thing`` (e.g. "ticket")."""
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=False,
        description=f"The {thing} version you last read (its ETag); a stale one gets 409.",
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
