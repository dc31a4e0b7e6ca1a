"""What every versioned write of the API reads from a request: the validated body and the
version the client last read (optimistic concurrency; a stale one gets 409 in the service)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.request import Request

from servicedesk.errors import ValidationFailed


def expected_version(
    request: Request, body_version: int | None = None, *, message: str | None = None
) -> int | None:
    """The version the client last read: the body's ``version`` or the If-Match header
    (``"3"``, ``W/"3"``; ``*`` means any). ``message`` names the object in the 400 for a
    malformed header."""
    sent = request.headers.get("If-Match")
    raw = (sent or "").strip()
    header_version = None
    if sent is not None and raw != "*":
        raw = raw.removeprefix("W/").strip('"')
        # ASCII digits only: "٣".isdigit() is true and int() reads it as 3
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
            raise ValidationFailed(
                message or _('If-Match must be the ticket version you last read, e.g. "3".'),
                fields={"If-Match": [_("Not a version number.")]},
            )
        header_version = int(raw)
    if None not in (body_version, header_version) and body_version != header_version:
        raise ValidationFailed(
            _("The version in the body and the If-Match header disagree."),
            fields={"version": [_("Does not match If-Match.")]},
        )
    return body_version if body_version is not None else header_version


def validated(serializer_class: type, request: Request, view: Any) -> dict[str, Any]:
    """The request body checked by ``serializer_class`` (a 400 naming the fields if not)."""
    serializer = serializer_class(data=request.data, context=view.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
