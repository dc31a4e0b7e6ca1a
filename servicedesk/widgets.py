"""Form widgets shared by the pages."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SELECTED = format_html(" {}", "selected")
NOT_SELECTED = format_html("{}", "")


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python instead of one template per ``<option>``.

    Django's template-based widget costs about 0.1 ms an option; a list of a few hundred
    staff members, shown twice on the triage queue, then costs more than the whole query.
    Same HTML, same behaviour, about 20 times cheaper. Every value and label is escaped by
    ``format_html``.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, group_choices, _index in widget["optgroups"]:
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (
                        "" if option["value"] is None else option["value"],
                        SELECTED if option["selected"] else NOT_SELECTED,
                        option["label"],
                    )
                    for option in group_choices
                ),
            )
            if group_name:
                options = format_html('<optgroup label="{}">{}</optgroup>', group_name, options)
            groups.append((options,))
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", groups),
        )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True
