"""Trends over the period's parts (days of a month, weeks of a quarter, months of a year):
received, resolved, SLA compliance, hotline first-contact resolution and average rating per
part. Each series is one ``GROUP BY`` on the local date, truncated in the period's zone."""

from __future__ import annotations

import bisect
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, Count, Q
from django.db.models.functions import Trunc

from sla.models import ClockKind
from tickets.choices import Channel, TicketStatus

from .. import rollup
from ..models import SLA_SEVERITIES, sla_fact
from ..periods import Period
from ..scope import Scope
from .base import clocks, received, resolved, tickets, within
from .sql import rate


def _grouped(qs, column: str, period: Period, kind: str, **aggregates: Any) -> list[dict]:
    part = Trunc(column, kind, tzinfo=period.tz)
    return list(qs.annotate(part=part).values("part").annotate(**aggregates).order_by())


def trend(period: Period, scope: Scope) -> dict[str, Any]:
    """Four queries."""
    parts = period.subperiods()
    kind = period.trend_kind()
    firsts = [p.first_day for p in parts]

    def index(value: date | datetime) -> int:
        day = value.date() if isinstance(value, datetime) else value
        return max(0, bisect.bisect_right(firsts, max(day, period.first_day)) - 1)

    series: list[dict[str, Any]] = [
        {
            "label": p.label,
            "first_day": p.first_day.isoformat(),
            "last_day": p.last_day.isoformat(),
            "received": 0,
            "resolved": 0,
            "hotline": 0,
            "hotline_fcr": 0,
            "response_met": 0,
            "response_breached": 0,
            "resolution_met": 0,
            "resolution_breached": 0,
            "rated": 0,
            "rating_sum": 0.0,
        }
        for p in parts
    ]
    facts = rollup.facts(period, scope)
    if facts is not None:
        _from_facts(series, facts, index)
    else:
        _live(series, period, scope, kind, index)
    return _finish(kind, series)


def _from_facts(series: list[dict[str, Any]], facts: rollup.Facts, index: Any) -> None:
    names = {
        "received": ("received",),
        "resolved": ("resolved",),
        "hotline": ("hotline",),
        "hotline_fcr": ("hotline_fcr",),
        "rated": ("rated",),
        "rating_sum": ("rating_sum",),
        **{
            f"{kind}_{outcome}": tuple(sla_fact(short, s, outcome) for s in SLA_SEVERITIES)
            for short, kind in (("resp", "response"), ("res", "resolution"))
            for outcome in ("met", "breached")
        },
    }
    for (day,), cell in facts.by("day").items():
        s = series[index(day)]
        for key, columns in names.items():
            s[key] += sum(cell[c] for c in columns)


def _live(
    series: list[dict[str, Any]], period: Period, scope: Scope, kind: str, index: Any
) -> None:
    hotline = Q(channel=Channel.HOTLINE)
    for row in _grouped(
        tickets(scope).filter(received(period)),
        "created_at",
        period,
        kind,
        received=Count("pk"),
        hotline=Count("pk", filter=hotline),
        hotline_fcr=Count("pk", filter=hotline & Q(first_contact_resolution=True)),
    ):
        s = series[index(row["part"])]
        for key in ("received", "hotline", "hotline_fcr"):
            s[key] += row[key]
    for row in _grouped(
        tickets(scope).filter(resolved(period)), "resolved_at", period, kind, resolved=Count("pk")
    ):
        series[index(row["part"])]["resolved"] += row["resolved"]
    closed = within("closed_at", period) & Q(status=TicketStatus.CLOSED, rating__isnull=False)
    for row in _grouped(
        tickets(scope).filter(closed),
        "closed_at",
        period,
        kind,
        rated=Count("pk"),
        rating=Avg("rating"),
    ):
        s = series[index(row["part"])]
        s["rated"] += row["rated"]
        s["rating_sum"] += row["rating"] * row["rated"]
    for row in _grouped(
        clocks(scope).filter(received(period, "ticket__")),
        "ticket__created_at",
        period,
        kind,
        response_met=Count(
            "pk", filter=Q(kind=ClockKind.RESPONSE, breached_at__isnull=True, state="met")
        ),
        response_breached=Count("pk", filter=Q(kind=ClockKind.RESPONSE, breached_at__isnull=False)),
        resolution_met=Count(
            "pk", filter=Q(kind=ClockKind.RESOLUTION, breached_at__isnull=True, state="met")
        ),
        resolution_breached=Count(
            "pk", filter=Q(kind=ClockKind.RESOLUTION, breached_at__isnull=False)
        ),
    ):
        s = series[index(row["part"])]
        for key in ("response_met", "response_breached", "resolution_met", "resolution_breached"):
            s[key] += row[key]


def _finish(kind: str, series: list[dict[str, Any]]) -> dict[str, Any]:
    for s in series:
        s["response_met_percent"] = rate(
            s["response_met"], s["response_met"] + s["response_breached"]
        )
        s["resolution_met_percent"] = rate(
            s["resolution_met"], s["resolution_met"] + s["resolution_breached"]
        )
        s["hotline_fcr_percent"] = rate(s["hotline_fcr"], s["hotline"])
        s["rating_average"] = round(s["rating_sum"] / s["rated"], 2) if s["rated"] else None
        del s["rating_sum"]
    return {"unit": kind, "series": series}
