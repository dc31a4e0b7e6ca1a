"""What an id looks like: 1-18 ASCII digits (it fits a bigint). ``str.isdigit()`` also accepts
``²`` (which ``int()`` refuses) and ``٣`` (which ``int()`` reads as 3): never use it on ids."""

from __future__ import annotations

ID_PATTERN = "[0-9]{1,18}"
MAX_ID = 10**18 - 1
# an id, or a record number such as SD-2026-000123 or WO-2026-000009
REF_PATTERN = "[0-9]{1,18}|[A-Za-z]{1,8}-[0-9]{4}-[0-9]{1,12}"


def parse_id(text: object) -> int | None:
    """``text`` as an id when it is 1-18 ASCII digits, else None."""
    value = str(text)
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None
