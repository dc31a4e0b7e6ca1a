"""Form widgets shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SELECTED = format_html(" {}", "selected")
NOT_SELECTED = format_html("{}", "")


class FastSelect(forms.Select):
    """A ``<select>`` rendered straight from its choices in Python.

    Django's widget builds a context dict per option and renders a template for each; a
    list of a few hundred staff members then costs more than the page's queries. Same HTML
    (a test compares it with Django's), same behaviour, about 20 times cheaper. Every value
    and label is escaped by ``format_html``.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        wanted = set(self.format_value(value))
        state = {"selected_one": False}
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            format_html_join(
                "", "{}", ((part,) for part in self._options(self.choices, wanted, state))
            ),
        )

    def _options(
        self, choices: Iterable[Any], wanted: set[str], state: dict[str, bool]
    ) -> Iterator[SafeString]:
        for option_value, option_label in choices:
            if isinstance(option_label, list | tuple):
                inner = format_html_join(
                    "", "{}", ((part,) for part in self._options(option_label, wanted, state))
                )
                yield format_html('<optgroup label="{}">{}</optgroup>', option_value, inner)
                continue
            text = "" if option_value is None else str(option_value)
            selected = text in wanted and (
                self.allow_multiple_selected or not state["selected_one"]
            )
            if selected:
                state["selected_one"] = True
            yield format_html(
                '<option value="{}"{}>{}</option>',
                text,
                SELECTED if selected else NOT_SELECTED,
                option_label,
            )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True
