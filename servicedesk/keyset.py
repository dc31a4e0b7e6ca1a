"""Keyset pages for the HTML lists (staff queue, portal list, maintenance lists): one indexed
range query per page and never a ``COUNT`` over the table (DESIGN.md section 6).

A cursor is the sort key of a page's last (or first) row, with a tag naming the order it was
made for, as URL-safe base64 JSON. A cursor that is malformed, crafted or made for another
order decodes to nothing and the list starts again from its first page. The API pages with
DRF's cursor pagination instead (``servicedesk.api.pagination``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

PAGE_SIZE = 50
MAX_CURSOR = 400


@dataclass(frozen=True)
class Key:
    """One column of a total order: its name, the type of its values, its direction."""

    name: str
    kind: type = int
    descending: bool = True


def encode(tag: str, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    raw = json.dumps([tag, *plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _value(kind: type, item: Any) -> Any:
    if kind is dt.datetime:
        parsed = dt.datetime.fromisoformat(str(item))
        if parsed.tzinfo is None:
            raise ValueError(item)
        return parsed
    if kind is dt.date:
        return dt.date.fromisoformat(str(item))
    if kind is int:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < 2**63:
            raise ValueError(item)
        return item
    return str(item)[:200]


def decode(cursor: str | None, tag: str, keys: Sequence[Key]) -> list[Any] | None:
    """The key values of a cursor made for ``tag``; None for anything else."""
    if not cursor or len(cursor) > MAX_CURSOR:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, list) or len(data) != len(keys) + 1 or data[0] != tag:
            return None
        return [_value(key.kind, item) for key, item in zip(keys, data[1:], strict=True)]
    except (binascii.Error, ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return None


def _beyond(keys: Sequence[Key], values: Sequence[Any], *, backwards: bool) -> Q:
    """Rows after ``values`` in the order of ``keys`` (before them when ``backwards``)."""
    condition, equal = Q(pk__in=[]), dict[str, Any]()
    for key, value in zip(keys, values, strict=True):
        later = key.descending != backwards
        condition |= Q(**equal, **{f"{key.name}__{'lt' if later else 'gt'}": value})
        equal[key.name] = value
    return condition


def keyset_page(
    qs: QuerySet[Any],
    keys: Sequence[Key],
    *,
    after: str | None = None,
    before: str | None = None,
    tag: str = "",
    size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One page of ``qs`` in the order of ``keys``: the rows after the ``after`` cursor, or
    those just before the ``before`` cursor (a way back), or the first page.

    Returns ``rows``, ``next_cursor`` (the page after; "" on the last), ``previous_cursor``
    (the page before; "" on the first) and ``is_first`` (no cursor was used).
    """
    order = [f"-{k.name}" if k.descending else k.name for k in keys]
    back = decode(before, tag, keys)
    if back is not None:
        reverse = [o[1:] if o.startswith("-") else f"-{o}" for o in order]
        rows = list(qs.filter(_beyond(keys, back, backwards=True)).order_by(*reverse)[: size + 1])
        has_previous, has_next = len(rows) > size, True
        rows = rows[:size][::-1]
        start: list[Any] | None = back
    else:
        start = decode(after, tag, keys)
        if start is not None:
            qs = qs.filter(_beyond(keys, start, backwards=False))
        rows = list(qs.order_by(*order)[: size + 1])
        has_previous, has_next = start is not None, len(rows) > size
        rows = rows[:size]

    def cursor(row: Any) -> str:  # a model instance, or a dict from ``values()``
        if isinstance(row, dict):
            return encode(tag, [row[k.name] for k in keys])
        return encode(tag, [getattr(row, k.name) for k in keys])

    return {
        "rows": rows,
        "next_cursor": cursor(rows[-1]) if rows and has_next else "",
        "previous_cursor": cursor(rows[0]) if rows and has_previous else "",
        "is_first": start is None,
    }
