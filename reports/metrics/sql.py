"""SQL building blocks shared by the metric families.

Everything is an aggregate PostgreSQL computes: durations as seconds between two columns,
``percentile_cont`` for medians and p90. SQLite (the embedded development default) has no
ordered-set aggregates: there the percentiles come back as ``None`` and the means and
counts still work.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Aggregate, Avg, Count, FloatField, Func, Q


class Seconds(Func):
    """Seconds from ``start`` to ``end`` (two datetime columns or expressions)."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL)."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return "NULL", []


def has_percentiles() -> bool:
    return connection.vendor == "postgresql"


def duration_aggregates(name: str, seconds: Any, where: Q | None = None) -> dict[str, Any]:
    """Count, mean, median and p90 of ``seconds`` (optionally only rows matching ``where``)."""
    return {
        f"{name}_count": Count(seconds, filter=where),
        f"{name}_mean": Avg(seconds, filter=where),
        f"{name}_median": Percentile(seconds, 0.5, filter=where),
        f"{name}_p90": Percentile(seconds, 0.9, filter=where),
    }


def durations(row: dict[str, Any], name: str, unit: float = 3600.0) -> dict[str, Any]:
    """The four figures of ``duration_aggregates`` from an aggregate row, in hours."""

    def scaled(value: float | None) -> float | None:
        return None if value is None else round(value / unit, 2)

    return {
        "count": row[f"{name}_count"] or 0,
        "mean": scaled(row[f"{name}_mean"]),
        "median": scaled(row[f"{name}_median"]),
        "p90": scaled(row[f"{name}_p90"]),
    }


def rate(part: int | None, whole: int | None) -> float | None:
    """``part / whole`` in percent (one decimal), ``None`` when there is nothing to divide."""
    if not whole:
        return None
    return round(100.0 * (part or 0) / whole, 1)


def count_where(q: Q) -> Count:
    return Count("pk", filter=q)
