"""Cursor pagination with strict parameters: a ``page_size`` that is not a whole number from 1
to 200, or a cursor the server did not issue, is a 400 naming the parameter (DRF's default
silently uses 50, and answers a bad cursor with a 404)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from servicedesk.errors import ValidationFailed

MAX_PAGE_SIZE = 200
MAX_CURSOR_LENGTH = 500


class CursorPagination(pagination.CursorPagination):
    """Cursor pagination: never a COUNT over a big table (see docs/PERFORMANCE.md)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-created_at"

    def get_page_size(self, request) -> int:
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        raw = values[0]
        if (
            len(values) > 1
            or not (raw.isascii() and raw.isdigit() and len(raw) <= 4)
            or not 1 <= int(raw) <= self.max_page_size
        ):
            message = _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationFailed(message, fields={"page_size": [message]})
        return int(raw)

    def decode_cursor(self, request):
        values = request.query_params.getlist(self.cursor_query_param)
        try:
            if len(values) > 1 or (values and len(values[0]) > MAX_CURSOR_LENGTH):
                raise NotFound
            return super().decode_cursor(request)
        except NotFound:
            message = _("Not a cursor from this list: follow the next or previous link.")
            raise ValidationFailed(
                message, code="invalid_cursor", fields={"cursor": [message]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = (
                    f"Rows per page (1-{self.max_page_size}, default {self.page_size})."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "maxLength": MAX_CURSOR_LENGTH}
                parameter["description"] = (
                    "The cursor of a next or previous link; any other value is a 400."
                )
        return parameters
