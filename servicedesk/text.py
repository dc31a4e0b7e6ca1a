"""Text clean-up shared by services and the API."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` without control characters or line breaks (each run becomes one space): a
    title or a name ends up in mail subjects and bodies, where a CR/LF would start a line."""
    return _CONTROL.sub(" ", text).strip()
