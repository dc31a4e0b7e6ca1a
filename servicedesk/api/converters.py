"""Path converters of the API: an id is 1-18 ASCII digits (it fits a bigint), a reference an
id or a number such as ``SD-2026-000123``. Anything else (``%C2%B2``, an Arabic-Indic digit,
``null``) matches no route: a JSON 404 (``servicedesk.views.not_found``)."""

from __future__ import annotations

from django.urls import register_converter

from servicedesk.ids import ID_PATTERN, REF_PATTERN


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


class RefConverter:
    regex = REF_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: int | str) -> str:
        return str(value)


register_converter(IdConverter, "id")
register_converter(RefConverter, "ref")
