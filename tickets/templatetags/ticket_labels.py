"""Labels the screens show instead of stored codes.

``{{ value|severity_name }}`` is the short name of a severity (一级故障…四级故障 in
Chinese); ``{% severity_badge value %}`` is the badge with the full label as its title.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from servicedesk.choices import choice_label
from servicedesk.text import in_brackets, join_phrases
from tickets.choices import Severity, severity_short

register = template.Library()


@register.filter
def severity_name(value: str | None) -> str:
    return severity_short(value)


@register.simple_tag
def severity_badge(value: str | None, extra: str = "") -> SafeString | str:
    if not value:
        return "—"
    return format_html(
        '<span class="badge sev-{}{}" title="{}">{}</span>',
        value,
        f" {extra}" if extra else "",
        choice_label(Severity, value),
        severity_short(value),
    )


@register.filter
def phrases_in_brackets(parts: list[object]) -> str:
    """``["a", "b"]`` -> "(a, b)" in English, "（a，b）" in Chinese (escaped by the template)."""
    return in_brackets(join_phrases(parts))
