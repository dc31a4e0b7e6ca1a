"""Engineer appraisal (工程师考核) and the same figures per service group: tickets handled
(resolved in the period), resolution time, SLA kept, satisfaction, service hours, reopen
rate. Staff only."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from servicedesk.models import Team, User
from sla.models import ClockKind, SlaClock

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .base import resolved, tickets
from .hours import entries
from .sql import Seconds, rate

TOP = 50


def _grouped(period: Period, scope: Scope) -> list[dict[str, Any]]:
    """One ``GROUP BY (assignee, team)`` over the tickets resolved in the period; the
    per-engineer and per-group figures are sums of these cells (medians are not, so they
    are left out: the mean and the SLA, rating and reopen shares add up)."""
    facts = rollup.facts(period, scope)
    if facts is not None:
        return [
            {
                "assignee_id": assignee,
                "team_id": team,
                "handled": cell["resolved"],
                "seconds": cell["res_sec"],
                "breached": cell["breached_resolved"],
                "rated": cell["rated_resolved"],
                "rating_sum": cell["rating_sum_resolved"],
                "reopened": cell["reopened_resolved"],
            }
            for (assignee, team), cell in facts.by("assignee_id", "team_id").items()
            if cell["resolved"]
        ]
    seconds = Seconds(F("resolved_at"), F("created_at"))
    breached = Exists(
        SlaClock.objects.filter(
            ticket=OuterRef("pk"), kind=ClockKind.RESOLUTION, breached_at__isnull=False
        )
    )
    return [
        dict(cell)
        for cell in tickets(scope)
        .filter(resolved(period))
        .values("assignee_id", "team_id")
        .annotate(
            handled=Count("pk"),
            seconds=Sum(seconds),
            breached=Count("pk", filter=Q(breached)),
            rated=Count("rating"),
            rating_sum=Sum("rating"),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        )
        .order_by()
    ]


def _rollup(cells: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    totals: dict[int, dict[str, Any]] = {}
    for cell in cells:
        if cell[key] is None:
            continue
        row = totals.setdefault(
            cell[key],
            {
                "handled": 0,
                "seconds": 0.0,
                "breached": 0,
                "rated": 0,
                "rating_sum": 0,
                "reopened": 0,
            },
        )
        for name in row:
            row[name] += cell[name] or 0
    ordered = sorted(totals.items(), key=lambda item: (-item[1]["handled"], item[0]))[:TOP]
    return [
        {
            "id": pk,
            "handled": r["handled"],
            "resolution_hours_mean": round(r["seconds"] / r["handled"] / 3600, 2),
            "sla_kept_percent": rate(r["handled"] - r["breached"], r["handled"]),
            "rating_average": round(r["rating_sum"] / r["rated"], 2) if r["rated"] else None,
            "rated": r["rated"],
            "reopen_percent": rate(r["reopened"], r["handled"]),
        }
        for pk, r in ordered
    ]


def appraisal(period: Period, scope: Scope) -> dict[str, Any]:
    """Five queries: the grouped tickets, the names, and the service hours."""
    cells = _grouped(period, scope)
    engineers = _rollup(cells, "assignee_id")
    teams = _rollup(cells, "team_id")
    names = dict(
        User.objects.filter(pk__in=[r["id"] for r in engineers]).values_list("pk", "username")
    )
    team_names = dict(
        Team.objects.filter(pk__in=[r["id"] for r in teams]).values_list("pk", "name")
    )
    hour_cells = rollup.hour_cells(period, scope)
    if hour_cells is not None:
        minutes: dict[Any, Any] = {}
        team_minutes: dict[Any, Any] = {}
        for cell in hour_cells:
            if cell["user_id"] in names:
                minutes[cell["user_id"]] = minutes.get(cell["user_id"], 0) + cell["minutes"]
            if cell["ticket_team_id"] in team_names:
                team = cell["ticket_team_id"]
                team_minutes[team] = team_minutes.get(team, 0) + cell["minutes"]
    else:
        minutes, team_minutes = _live_minutes(period, scope, names, team_names)
    for row in engineers:
        row["name"] = names.get(row["id"], "")
        row["service_hours"] = round((minutes.get(row["id"]) or 0) / 60, 1)
    for row in teams:
        row["name"] = team_names.get(row["id"], "")
        row["service_hours"] = round((team_minutes.get(row["id"]) or 0) / 60, 1)
    return {"engineers": engineers, "teams": teams}


def _live_minutes(
    period: Period, scope: Scope, names: dict[Any, Any], team_names: dict[Any, Any]
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    scoped = entries(period, scope)
    minutes = dict(
        scoped.filter(user_id__in=list(names))
        .values("user_id")
        .annotate(m=Sum("minutes"))
        .values_list("user_id", "m")
    )
    team_minutes = dict(
        scoped.filter(ticket__team_id__in=list(team_names))
        .values("ticket__team_id")
        .annotate(m=Sum("minutes"))
        .values_list("ticket__team_id", "m")
    )
    return minutes, team_minutes
