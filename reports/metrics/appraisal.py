"""Engineer appraisal (工程师考核) and the same figures per service group: tickets handled
(resolved in the period), resolution time, SLA kept, satisfaction, service hours, reopen
rate. Staff only."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum

from maintenance.models import TimeEntry
from servicedesk.models import Team, User
from sla.models import ClockKind, SlaClock

from ..periods import Period
from ..scope import Scope
from .base import resolved, tickets
from .sql import Percentile, Seconds, rate

TOP = 50


def _rows(period: Period, scope: Scope, key: str) -> list[dict[str, Any]]:
    seconds = Seconds(F("resolved_at"), F("created_at"))
    breached = Exists(
        SlaClock.objects.filter(
            ticket=OuterRef("pk"), kind=ClockKind.RESOLUTION, breached_at__isnull=False
        )
    )
    rows = (
        tickets(scope)
        .filter(resolved(period), **{f"{key}__isnull": False})
        .values(key)
        .annotate(
            handled=Count("pk"),
            mean=Avg(seconds),
            median=Percentile(seconds, 0.5),
            breached=Count("pk", filter=Q(breached)),
            rated=Count("rating"),
            rating=Avg("rating"),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        )
        .order_by("-handled", key)[:TOP]
    )
    return [
        {
            "id": r[key],
            "handled": r["handled"],
            "resolution_hours_mean": None if r["mean"] is None else round(r["mean"] / 3600, 2),
            "resolution_hours_median": (
                None if r["median"] is None else round(r["median"] / 3600, 2)
            ),
            "sla_kept_percent": rate(r["handled"] - r["breached"], r["handled"]),
            "rating_average": None if r["rating"] is None else round(r["rating"], 2),
            "rated": r["rated"],
            "reopen_percent": rate(r["reopened"], r["handled"]),
        }
        for r in rows
    ]


def appraisal(period: Period, scope: Scope) -> dict[str, Any]:
    """Six queries: per engineer and per group, their names, and their service hours."""
    engineers = _rows(period, scope, "assignee_id")
    teams = _rows(period, scope, "team_id")
    names = dict(
        User.objects.filter(pk__in=[r["id"] for r in engineers]).values_list("pk", "username")
    )
    team_names = dict(
        Team.objects.filter(pk__in=[r["id"] for r in teams]).values_list("pk", "name")
    )
    in_days = Q(worked_on__gte=period.first_day, worked_on__lte=period.last_day)
    minutes = dict(
        TimeEntry.objects.filter(in_days, user_id__in=list(names))
        .values("user_id")
        .annotate(m=Sum("minutes"))
        .values_list("user_id", "m")
    )
    team_minutes = dict(
        TimeEntry.objects.filter(in_days, ticket__team_id__in=list(team_names))
        .values("ticket__team_id")
        .annotate(m=Sum("minutes"))
        .values_list("ticket__team_id", "m")
    )
    for row in engineers:
        row["name"] = names.get(row["id"], "")
        row["service_hours"] = round((minutes.get(row["id"]) or 0) / 60, 1)
    for row in teams:
        row["name"] = team_names.get(row["id"], "")
        row["service_hours"] = round((team_minutes.get(row["id"]) or 0) / 60, 1)
    return {"engineers": engineers, "teams": teams}
