"""Form widgets shared by the pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    """A ``<select>`` rendered straight from its choices in Python.

    Django's widget builds a context dict per option and renders a template for each; a
    list of a few hundred staff members then costs more than the page's queries. Same HTML
    (a test compares it with Django's), same behaviour, about 20 times cheaper. Every value
    and label is escaped (``conditional_escape``: a safe label is kept as it is).
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        wanted = set(self.format_value(value))
        state = {"selected_one": False}
        options = "".join(self._options(self.choices, wanted, state))
        # every value and label is escaped in _options; the name here, the attributes by flatatt
        return mark_safe(  # noqa: S308
            f'<select name="{conditional_escape(name)}"{flatatt(final_attrs)}>{options}</select>'
        )

    def _options(
        self, choices: Iterable[Any], wanted: set[str], state: dict[str, bool]
    ) -> Iterator[str]:
        # plain strings and one conditional_escape per value and label: format_html per
        # option cost as much as the rest of the widget
        for option_value, option_label in choices:
            if isinstance(option_label, list | tuple):
                inner = "".join(self._options(option_label, wanted, state))
                yield f'<optgroup label="{conditional_escape(option_value)}">{inner}</optgroup>'
                continue
            text = "" if option_value is None else str(option_value)
            selected = text in wanted and (
                self.allow_multiple_selected or not state["selected_one"]
            )
            if selected:
                state["selected_one"] = True
            yield (
                f'<option value="{conditional_escape(text)}"{" selected" if selected else ""}>'
                f"{conditional_escape(option_label)}</option>"
            )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True
