"""Service hours (服务机时): time entries of the period's local days, on-site and remote, per
customer (the ticket's organization), engineer and service group (the ticket's group, else
the work order's). Staff only.

Scope: the engineer filters who worked; the other ticket parameters keep entries on tickets
in scope (entries booked on a work order alone count only without them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from maintenance.choices import WorkMode
from maintenance.models import TimeEntry

from ..periods import Period
from ..scope import Scope

TOP = 10
TICKET_PARAMS = ("organization", "contract", "product", "team", "channel", "kind", "severity")


def entries(period: Period, scope: Scope) -> QuerySet[TimeEntry]:
    qs = TimeEntry.objects.filter(
        worked_on__gte=period.first_day, worked_on__lte=period.last_day
    ).order_by()
    if scope.engineer is not None:
        qs = qs.filter(user_id=scope.engineer)
    ticket_scope = Scope(**{n: getattr(scope, n) for n in TICKET_PARAMS})
    if not ticket_scope.is_everything:
        qs = qs.filter(ticket_scope.ticket_q("ticket__"))
    if scope.teams is not None:
        qs = qs.filter(
            Q(ticket__team_id__in=scope.teams)
            | Q(ticket__isnull=True, work_order__team_id__in=scope.teams)
        )
    return qs


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60.0, 1)


def _top(qs: QuerySet[TimeEntry], key: str, label: str) -> list[dict[str, Any]]:
    rows = (
        qs.values(key_=F(key), label_=F(label))
        .annotate(
            total=Sum("minutes"),
            on_site=Sum("minutes", filter=Q(mode=WorkMode.ON_SITE)),
            remote=Sum("minutes", filter=Q(mode=WorkMode.REMOTE)),
        )
        .order_by("-total", "key_")[:TOP]
    )
    return [
        {
            "id": r["key_"],
            "name": r["label_"],
            "hours": _hours(r["total"]),
            "on_site_hours": _hours(r["on_site"]),
            "remote_hours": _hours(r["remote"]),
        }
        for r in rows
    ]


def service_hours(period: Period, scope: Scope) -> dict[str, Any]:
    """Four queries: totals and the top ten customers, engineers and service groups."""
    qs = entries(period, scope)
    totals = qs.aggregate(
        total=Sum("minutes"),
        on_site=Sum("minutes", filter=Q(mode=WorkMode.ON_SITE)),
        remote=Sum("minutes", filter=Q(mode=WorkMode.REMOTE)),
        entries=Count("pk"),
    )
    team = Coalesce("ticket__team_id", "work_order__team_id")
    team_name = Coalesce("ticket__team__name", "work_order__team__name")
    return {
        "hours": _hours(totals["total"]),
        "on_site_hours": _hours(totals["on_site"]),
        "remote_hours": _hours(totals["remote"]),
        "entries": totals["entries"],
        "per_customer": _top(
            qs.filter(ticket__isnull=False), "ticket__organization_id", "ticket__organization__name"
        ),
        "per_engineer": _top(qs, "user_id", "user__username"),
        "per_team": _top(qs.annotate(t=team, tn=team_name).filter(t__isnull=False), "t", "tn"),
    }


def per_region(period: Period, scope: Scope) -> list[dict[str, Any]]:
    """Service hours per region (the organization's ``region``; "" when it has none): the
    hours of the period's time entries on tickets of the region's organizations, how many
    organizations received service, and the average hours per such organization. One
    query."""
    rows = (
        entries(period, scope)
        .filter(ticket__isnull=False)
        .values(region=F("ticket__organization__region"))
        .annotate(
            minutes=Sum("minutes"), organizations=Count("ticket__organization", distinct=True)
        )
        .order_by("-minutes", "region")
    )
    return [
        {
            "region": r["region"],
            "hours": _hours(r["minutes"]),
            "organizations": r["organizations"],
            "average_hours": round((r["minutes"] or 0) / 60.0 / r["organizations"], 1),
        }
        for r in rows
    ]
