"""Filters shared by the API's filter sets, and the one filter backend every list uses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from servicedesk.errors import ValidationFailed


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    """``true`` or ``false``; anything else is a 400 naming the parameter (django-filter's
    ``BooleanFilter`` reads ``maybe`` as "not given" and filters nothing)."""

    field_class = forms.TypedChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(
            choices=[("true", "true"), ("false", "false")],
            coerce=lambda value: value == "true",
            empty_value=None,
        )
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelChoiceFilter):
    """A row's id; one that does not exist, or that the caller may not name, is a 400 naming
    the parameter. (The schema states an integer also where the filter only validates and a
    selector filters: django-filter's ``method`` hid the type.)"""


@extend_schema_field(OpenApiTypes.DATE)
class DateFilter(django_filters.DateFilter):
    """An ISO date (``2026-03-01``) only: not the locale's input formats (``03/01/2026``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class TextFilter(django_filters.CharFilter):
    """Free text (the schema states a string also where a ``method`` filters)."""


# A date, or a date and time with an optional UTC offset (without one: the desk's time zone).
DATE_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)


class _DateTimeField(IsoDateTimeField):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not re.fullmatch(DATE_TIME_PATTERN, str(value)):
            raise forms.ValidationError(
                _("Enter a date (2026-03-01) or a date and time (2026-03-01T09:30:00+08:00)."),
                code="invalid",
            )
        return super().to_python(value)


@extend_schema_field(
    {
        "type": "string",
        "pattern": DATE_TIME_PATTERN,
        "example": "2026-03-01T09:30:00+08:00",
        "description": "A date, or a date and time in ISO 8601 (2026-03-01T09:30:00+08:00); "
        "without an offset it is read in the desk's time zone.",
    }
)
class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """A date or a date and time as the schema states them (``DATE_TIME_PATTERN``).

    Python's ``fromisoformat`` behind django-filter's ``IsoDateTimeFilter`` also took
    ``20260301`` and week dates (``2026W01``): values the schema calls invalid."""

    field_class = _DateTimeField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend whose 400 names the parameter in ``detail`` too.

    django-filter already refuses a filter value its form field rejects (an unknown or
    malformed id, an unknown choice, a bad date) with a 400 whose ``fields`` name the
    parameter; the first message alone ("Select a valid choice...") did not say which
    parameter it was about. Every list of the API filters through this backend.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise query_error(filterset.errors)
        return filterset.qs


def query_error(errors: Mapping[str, Any]) -> ValidationFailed:
    """The 400 for invalid query parameters (a form's or a serializer's ``errors``): ``fields``
    names each parameter, ``detail`` the first one with its first message."""
    fields = {name: [str(m) for m in messages] for name, messages in errors.items()}
    name, messages = next(iter(fields.items()))
    return ValidationFailed(
        _("Query parameter %(name)s: %(message)s") % {"name": name, "message": messages[0]},
        fields=fields,
    )
