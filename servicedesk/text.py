"""Text clean-up shared by services and the API."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import pgettext

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` without control characters or line breaks (each run becomes one space): a
    title or a name ends up in mail subjects and bodies, where a CR/LF would start a line."""
    return _CONTROL.sub(" ", text).strip()


def join_phrases(parts: Iterable[object]) -> str:
    """Phrases joined with the language's list separator: ", " in English, "，" in Chinese
    (an audit line built in code must not mix half-width punctuation into Chinese)."""
    return pgettext("list separator", ", ").join(str(p) for p in parts)


def in_brackets(text: object) -> str:
    """``text`` in the language's parentheses: "(…)" in English, "（…）" in Chinese."""
    return pgettext("parenthesised details", "(%(details)s)") % {"details": text}
