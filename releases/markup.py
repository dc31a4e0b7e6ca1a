"""Markdown-lite for announcements: paragraphs, line breaks, emphasis, inline code, lists,
headings and links, rendered by markdown-it-py with raw HTML off, then sanitized by nh3 (the
same allow-list as mail). What a manager writes never runs as markup of its own."""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
    ["emphasis", "backticks", "list", "heading", "link", "newline", "escape"]
)
TAGS = {"p", "br", "em", "strong", "code", "ul", "ol", "li", "h1", "h2", "h3", "h4", "a"}


def render_markdown(text: str) -> SafeString:
    html = _PARSER.render(text or "")
    return mark_safe(  # noqa: S308  (sanitized just here)
        nh3.clean(
            html,
            tags=TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
        )
    )
