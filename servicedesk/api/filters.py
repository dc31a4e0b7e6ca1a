"""Filters shared by the API's filter sets."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms


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
