"""The sections of 用户服务汇报 and 产品维护汇报, one function per generation step.

Each step reads PostgreSQL with a few aggregate queries over the period and scope (nothing
loads all tickets into Python) and returns a JSON-serializable section; the task stores it in
the run's snapshot before the next step starts. The document pages and the XLSX are drawn
from the snapshot only, so a finished run reads the same forever.

Steps (in this order): ``summary`` (the headline counts), ``metrics`` (the desk's own
figures), ``indicators`` (the quality indicators of ``reports.metrics.collect``),
``charts`` (series for the SVG charts), ``top_issues``, ``breaches``, ``open_risks``,
``groups`` (each service group's figures rolled up into the centre's). The maintenance
report replaces ``top_issues`` with the fault log and work orders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from maintenance.models import FaultLogEntry, TimeEntry, WorkOrder
from servicedesk.models import Team
from tickets.choices import OPEN_STATUSES, Severity, TicketStatus
from tickets.models import Ticket

from .metrics import collect
from .models import ReportKind, ReportRun
from .periods import Period, Scope

LIST_LIMIT = 50  # rows of a listed section (breaches, open risks); the total is counted
TOP = 10
RESOLVED_STATES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def bounds(run: ReportRun) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes in the desk's time zone: [start 00:00, end+1 00:00)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(run.period_start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(run.period_end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def scoped_tickets(run: ReportRun) -> QuerySet[Ticket]:
    """Tickets of the run's scope, through the visibility chokepoint of whoever asked."""
    qs = Ticket.objects.all()
    if run.requested_by is not None:
        qs = Ticket.objects.visible_to(run.requested_by)
    if run.organization_id:
        qs = qs.filter(organization_id=run.organization_id)
    if run.team_id:
        qs = qs.filter(team_id=run.team_id)
    if run.product_id:
        qs = qs.filter(product_id=run.product_id)
    return qs


def received(run: ReportRun) -> QuerySet[Ticket]:
    start, end = bounds(run)
    return scoped_tickets(run).filter(created_at__gte=start, created_at__lt=end)


def breached_q(end: dt.datetime) -> Q:
    """Resolved after the resolution deadline, or still unresolved when it passed."""
    return Q(resolution_due_at__isnull=False) & (
        Q(resolved_at__gt=F("resolution_due_at"))
        | Q(resolved_at__isnull=True, resolution_due_at__lt=end)
    )


def pct(part: int | None, whole: int | None) -> float | None:
    return round(100.0 * (part or 0) / whole, 1) if whole else None


def hours(run: ReportRun) -> dict[str, float]:
    start, end = bounds(run)
    qs = TimeEntry.objects.filter(
        worked_on__gte=run.period_start, worked_on__lte=run.period_end, ticket__isnull=False
    )
    if run.organization_id:
        qs = qs.filter(ticket__organization_id=run.organization_id)
    if run.team_id:
        qs = qs.filter(ticket__team_id=run.team_id)
    if run.product_id:
        qs = qs.filter(ticket__product_id=run.product_id)
    rows = qs.values("mode").annotate(minutes=Sum("minutes"))
    return {r["mode"]: round(r["minutes"] / 60, 1) for r in rows}


def section_summary(run: ReportRun) -> dict[str, Any]:
    start, end = bounds(run)
    tickets = scoped_tickets(run)
    counts = received(run).aggregate(
        received=Count("id"),
        resolved=Count("id", filter=Q(status__in=RESOLVED_STATES)),
        faults=Count("id", filter=Q(kind="fault")),
        breached=Count("id", filter=breached_q(end)),
    )
    counts["open_at_end"] = (
        tickets.filter(created_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
        .exclude(status=TicketStatus.CANCELLED)
        .count()
    )
    by_hours = hours(run)
    counts["service_hours"] = round(sum(by_hours.values()), 1)
    return counts


def section_metrics(run: ReportRun) -> dict[str, Any]:
    """Service quality indicators (服务质量指标), each a value with its unit."""
    start, end = bounds(run)
    agg = received(run).aggregate(
        received=Count("id"),
        resolved=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lt=end)),
        responded_in_time=Count(
            "id",
            filter=Q(first_response_at__isnull=False, first_response_at__lte=F("response_due_at")),
        ),
        with_response_target=Count("id", filter=Q(response_due_at__isnull=False)),
        with_target=Count("id", filter=Q(resolution_due_at__isnull=False)),
        breached=Count("id", filter=breached_q(end)),
        fcr=Count("id", filter=Q(first_contact_resolution=True)),
        hotline=Count("id", filter=Q(channel="hotline")),
        fcr_hotline=Count("id", filter=Q(channel="hotline", first_contact_resolution=True)),
        avg_rating=Avg("rating"),
        rated=Count("rating"),
        satisfied=Count("id", filter=Q(rating__gte=4)),
    )
    met = (agg["with_target"] or 0) - (agg["breached"] or 0)
    return {
        "received": agg["received"],
        "resolution_rate": pct(agg["resolved"], agg["received"]),
        "response_timeliness": pct(agg["responded_in_time"], agg["with_response_target"]),
        "sla_compliance": pct(met, agg["with_target"]),
        "first_contact_resolution": pct(agg["fcr_hotline"], agg["hotline"]),
        "satisfaction": pct(agg["satisfied"], agg["rated"]),
        "average_rating": round(agg["avg_rating"], 2) if agg["avg_rating"] is not None else None,
        "service_hours": round(sum(hours(run).values()), 1),
    }


def section_charts(run: ReportRun) -> dict[str, Any]:
    """Received and resolved per day (per week past two months), by severity and kind."""
    start, end = bounds(run)
    days = (run.period_end - run.period_start).days + 1
    weekly = days > 62
    per_day: dict[str, list[int]] = {}
    series = received(run).annotate(day=TruncDate("created_at")).values("day")
    for row in series.annotate(n=Count("id")).order_by("day"):
        per_day.setdefault(_bucket(row["day"], weekly), [0, 0])[0] += row["n"]
    solved = scoped_tickets(run).filter(resolved_at__gte=start, resolved_at__lt=end)
    for row in solved.annotate(day=TruncDate("resolved_at")).values("day").annotate(n=Count("id")):
        per_day.setdefault(_bucket(row["day"], weekly), [0, 0])[1] += row["n"]
    volume = [{"label": k, "received": v[0], "resolved": v[1]} for k, v in sorted(per_day.items())]
    by_severity = dict.fromkeys(Severity.values, 0)
    for severity, n in received(run).values_list("severity").annotate(n=Count("id")):
        by_severity[severity] = n
    by_kind = {
        row["kind"]: row["n"]
        for row in received(run).values("kind").annotate(n=Count("id")).order_by("-n")
    }
    return {"weekly": weekly, "volume": volume, "severity": by_severity, "kind": by_kind}


def _bucket(day: dt.date, weekly: bool) -> str:
    if weekly:
        day = day - dt.timedelta(days=day.weekday())
    return day.isoformat()


def section_top_issues(run: ReportRun) -> dict[str, Any]:
    """The products and areas most tickets were about, and the busiest customers."""
    qs = received(run)
    products = [
        {"product": r["product__name"] or "—", "area": r["area"] or "", "tickets": r["n"]}
        for r in qs.values("product__name", "area").annotate(n=Count("id")).order_by("-n")[:TOP]
    ]
    customers = [
        {"organization": r["organization__name"], "tickets": r["n"]}
        for r in qs.values("organization__name").annotate(n=Count("id")).order_by("-n")[:TOP]
    ]
    return {"products": products, "customers": customers}


def _ticket_rows(qs: QuerySet[Ticket]) -> list[dict[str, Any]]:
    return [
        {
            "number": r["number"],
            "title": r["title"],
            "organization": r["organization__name"],
            "severity": r["severity"],
            "status": r["status"],
            "due": r["resolution_due_at"],
            "resolved": r["resolved_at"],
        }
        for r in qs.values(
            "number",
            "title",
            "organization__name",
            "severity",
            "status",
            "resolution_due_at",
            "resolved_at",
        )[:LIST_LIMIT]
    ]


def section_breaches(run: ReportRun) -> dict[str, Any]:
    start, end = bounds(run)
    qs = received(run).filter(breached_q(end))
    return {
        "total": qs.count(),
        "rows": _ticket_rows(qs.order_by("severity", "resolution_due_at", "id")),
    }


def section_open_risks(run: ReportRun) -> dict[str, Any]:
    """Open tickets at generation time that are severe (L1, L2) or past their deadline."""
    now = timezone.now()
    qs = (
        scoped_tickets(run)
        .filter(status__in=OPEN_STATUSES)
        .filter(Q(severity__in=[Severity.L1, Severity.L2]) | Q(resolution_due_at__lt=now))
    )
    return {
        "total": qs.count(),
        "rows": _ticket_rows(qs.order_by("severity", "resolution_due_at", "id")),
    }


def section_groups(run: ReportRun) -> dict[str, Any]:
    """Each service group's periodic summary and their roll-up (汇总) for the centre."""
    start, end = bounds(run)
    rows = (
        received(run)
        .values("team_id")
        .annotate(
            received=Count("id"),
            resolved=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lt=end)),
            breached=Count("id", filter=breached_q(end)),
            rated=Count("rating"),
            rating_sum=Sum("rating"),
        )
    )
    names = dict(Team.objects.values_list("id", "name"))
    minutes = {
        r["ticket__team_id"]: r["m"]
        for r in TimeEntry.objects.filter(
            worked_on__gte=run.period_start,
            worked_on__lte=run.period_end,
            ticket__in=received(run).values("id"),
        )
        .values("ticket__team_id")
        .annotate(m=Sum("minutes"))
    }
    groups = []
    total = {"received": 0, "resolved": 0, "breached": 0, "rated": 0, "rating_sum": 0, "m": 0}
    for r in sorted(rows, key=lambda r: names.get(r["team_id"], "~")):
        m = minutes.get(r["team_id"], 0) or 0
        for key in ("received", "resolved", "breached", "rated"):
            total[key] += r[key]
        total["rating_sum"] += r["rating_sum"] or 0
        total["m"] += m
        groups.append(_group_row(names.get(r["team_id"], ""), r, m))
    return {"groups": groups, "centre": _group_row("", total, total["m"])}


def _group_row(name: str, r: Mapping[str, Any], minutes: int) -> dict[str, Any]:
    return {
        "team": name,
        "received": r["received"],
        "resolved": r["resolved"],
        "resolution_rate": pct(r["resolved"], r["received"]),
        "breached": r["breached"],
        "average_rating": round(r["rating_sum"] / r["rated"], 2) if r["rated"] else None,
        "service_hours": round(minutes / 60, 1),
    }


def section_maintenance(run: ReportRun) -> dict[str, Any]:
    """Work orders opened and delivered by kind, and the fault log by cause and severity."""
    start, end = bounds(run)
    orders = WorkOrder.objects.all()
    if run.product_id:
        orders = orders.filter(product_id=run.product_id)
    if run.team_id:
        orders = orders.filter(team_id=run.team_id)
    if run.organization_id:
        orders = orders.filter(tickets__organization_id=run.organization_id).distinct()
    opened = {
        r["kind"]: r["n"]
        for r in orders.filter(created_at__gte=start, created_at__lt=end)
        .values("kind")
        .annotate(n=Count("id", distinct=True))
    }
    delivered = {
        r["kind"]: r["n"]
        for r in orders.filter(delivered_at__gte=start, delivered_at__lt=end)
        .values("kind")
        .annotate(n=Count("id", distinct=True))
    }
    faults = FaultLogEntry.objects.filter(
        recorded_on__gte=run.period_start, recorded_on__lte=run.period_end
    )
    if run.product_id:
        faults = faults.filter(product_id=run.product_id)
    by_cause = {r["cause"]: r["n"] for r in faults.values("cause").annotate(n=Count("id"))}
    by_severity = {r["severity"]: r["n"] for r in faults.values("severity").annotate(n=Count("id"))}
    top_faults = [
        {"date": r["recorded_on"], "product": r["product__name"], "summary": r["summary"]}
        for r in faults.order_by("severity", "-recorded_on").values(
            "recorded_on", "product__name", "summary"
        )[:TOP]
    ]
    return {
        "opened": opened,
        "delivered": delivered,
        "fault_causes": by_cause,
        "fault_severity": by_severity,
        "faults": top_faults,
    }


INDICATOR_SECTIONS = ("quality", "volume", "sla", "first_contact", "satisfaction")


def metrics_scope(run: ReportRun) -> Scope:
    """The run's scope as ``reports.metrics`` takes it, limited to what its requester may
    see (a scheduled run without one covers its scope as configured)."""
    if run.requested_by is None:
        return Scope(organization=run.organization_id, team=run.team_id, product=run.product_id)
    params = {"organization": run.organization_id, "team": run.team_id,
              "product": run.product_id}  # fmt: skip
    return Scope.for_user(run.requested_by, **{k: v for k, v in params.items() if v})


def section_indicators(run: ReportRun) -> dict[str, Any]:
    """The service quality indicators (服务质量指标) with their figures, from
    ``reports.metrics.collect`` over the run's period and scope."""
    period = Period.custom(run.period_start, run.period_end)
    return collect(period, metrics_scope(run), INDICATOR_SECTIONS)


Step = Callable[[ReportRun], dict[str, Any]]
STEPS: dict[str, list[tuple[str, Step]]] = {
    ReportKind.SERVICE: [
        ("summary", section_summary),
        ("metrics", section_metrics),
        ("indicators", section_indicators),
        ("charts", section_charts),
        ("top_issues", section_top_issues),
        ("breaches", section_breaches),
        ("open_risks", section_open_risks),
        ("groups", section_groups),
    ],
    ReportKind.MAINTENANCE: [
        ("summary", section_summary),
        ("metrics", section_metrics),
        ("indicators", section_indicators),
        ("charts", section_charts),
        ("maintenance", section_maintenance),
        ("breaches", section_breaches),
        ("open_risks", section_open_risks),
        ("groups", section_groups),
    ],
}


def steps_of(kind: str) -> list[tuple[str, Step]]:
    return STEPS[kind]
