"""The portal's announcement banner and the markdown-lite filter of announcements."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from ..markup import render_markdown
from ..selectors import announcements_current

register = template.Library()


@register.inclusion_tag("releases/_announcement_banner.html", takes_context=True)
def announcement_banner(context: dict[str, Any]) -> dict[str, Any]:
    """Current announcements for the signed-in customer (one query; none for others)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"announcements": announcements_current(user) if user is not None else []}


@register.filter
def markdown_lite(text: str) -> SafeString:
    return render_markdown(text)
