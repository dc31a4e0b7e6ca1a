"""The page header's counts (unread notifications, orders awaiting a signature, ...) read
in one query.

Each badge was a query of its own on every page. An app registers the rows a badge counts
(``badge_source_add``: a queryset, bounded where the badge shows "99+", or None where the
user has no such badge); the first badge a page asks for reads them all in one statement,
``SELECT (SELECT COUNT(*) FROM (<rows>) ...), ...``, kept on the request for the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

BadgeRows = Callable[[Any], "QuerySet[Any] | None"]
_SOURCES: dict[str, BadgeRows] = {}


def badge_source_add(name: str, rows: BadgeRows) -> None:
    """Count ``rows(user)`` for the badge ``name`` (None: the user has no such badge)."""
    _SOURCES[name] = rows


class Badges:
    """The header's counts for one user, read together on first use."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._counts: dict[str, int | None] | None = None

    def get(self, name: str) -> int | None:
        if self._counts is None:
            self._counts = self._read()
        return self._counts.get(name)

    def _read(self) -> dict[str, int | None]:
        counts: dict[str, int | None] = {}
        parts: list[tuple[str, str, tuple[Any, ...]]] = []
        alias = "default"
        for name, rows in _SOURCES.items():
            qs = rows(self.user)
            if qs is None:
                counts[name] = None
                continue
            sql, params = qs.query.sql_with_params()
            parts.append((name, sql, tuple(params)))
            alias = qs.db
        if parts:
            columns = ", ".join(
                f"(SELECT COUNT(*) FROM ({sql}) AS badge_{i})"  # noqa: S608 (querysets' SQL)
                for i, (_name, sql, _params) in enumerate(parts)
            )
            with connections[alias].cursor() as cursor:
                cursor.execute(f"SELECT {columns}", [p for *_, ps in parts for p in ps])  # noqa: S608 (the SQL of querysets; values are parameters)
                row = cursor.fetchone()
            counts.update(
                (name, int(value)) for (name, _sql, _p), value in zip(parts, row, strict=True)
            )
        return counts


def badges_for(request: Any) -> Badges:
    """The request's badges (one ``Badges`` per request)."""
    badges = getattr(request, "_header_badges", None)
    if badges is None:
        badges = Badges(request.user)
        request._header_badges = badges
    return badges
