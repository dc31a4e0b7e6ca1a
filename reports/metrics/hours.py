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
from servicedesk.models import Organization, Team, User

from .. import rollup
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


def _top_cells(cells: list[dict[str, Any]], key: Any, names: Any) -> list[dict[str, Any]]:
    """``_top`` over roll-up cells: ``key(cell)`` groups (``None``: left out), ``names``
    maps the ten ids kept to their labels."""
    sums: dict[int, list[int]] = {}
    for cell in cells:
        k = key(cell)
        if k is None:
            continue
        row = sums.setdefault(k, [0, 0, 0])
        row[0] += cell["minutes"]
        row[1] += cell["on_site_minutes"]
        row[2] += cell["remote_minutes"]
    top = sorted(sums.items(), key=lambda item: (-item[1][0], item[0]))[:TOP]
    labels = names([k for k, _row in top])
    return [
        {
            "id": k,
            "name": labels.get(k),
            "hours": _hours(total),
            "on_site_hours": _hours(on_site),
            "remote_hours": _hours(remote),
        }
        for k, (total, on_site, remote) in top
    ]


def _names(model: Any, field: str) -> Any:
    return lambda ids: dict(model.objects.filter(pk__in=ids).values_list("pk", field))


def _team_of(cell: dict[str, Any]) -> int | None:
    """The ticket's service group, else the work order's (as the live query's Coalesce)."""
    return cell["ticket_team_id"] if cell["ticket_team_id"] is not None else cell["order_team_id"]


def _from_cells(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of ``service_hours`` from roll-up cells (``rollup.hour_cells``)."""
    return {
        "hours": _hours(sum(c["minutes"] for c in cells)),
        "on_site_hours": _hours(sum(c["on_site_minutes"] for c in cells)),
        "remote_hours": _hours(sum(c["remote_minutes"] for c in cells)),
        "entries": sum(c["entries"] for c in cells),
        "per_customer": _top_cells(
            cells, lambda c: c["organization_id"], _names(Organization, "name")
        ),
        "per_engineer": _top_cells(cells, lambda c: c["user_id"], _names(User, "username")),
        "per_team": _top_cells(cells, _team_of, _names(Team, "name")),
    }


def service_hours(period: Period, scope: Scope) -> dict[str, Any]:
    """Four queries: totals and the top ten customers, engineers and service groups (with
    roll-up days: the cells, and the names of the ones shown)."""
    cells = rollup.hour_cells(period, scope)
    if cells is not None:
        return _from_cells(cells)
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
    query (with roll-up days: the cells, and the regions of their organizations)."""
    cells = rollup.hour_cells(period, scope)
    if cells is not None:
        return _regions(cells)
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


def _regions(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = {c["organization_id"] for c in cells if c["organization_id"] is not None}
    region_of = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "region"))
    minutes: dict[str, int] = {}
    organizations: dict[str, set[int]] = {}
    for cell in cells:
        org = cell["organization_id"]
        if org is None:
            continue
        region = region_of[org]
        minutes[region] = minutes.get(region, 0) + cell["minutes"]
        organizations.setdefault(region, set()).add(org)
    rows = sorted(minutes.items(), key=lambda item: (-item[1], item[0]))
    return [
        {
            "region": region,
            "hours": _hours(m),
            "organizations": len(organizations[region]),
            "average_hours": round(m / 60.0 / len(organizations[region]), 1),
        }
        for region, m in rows
    ]
