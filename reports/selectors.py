"""Reads for the reports pages and API: the figures for a user, and the lists a dashboard
shows beside them (breaching soon, workload), all within the user's scope; report runs and
schedules (through ``run_visibility_q``) and the tickets export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, F, Func, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.exports import CHUNK, Table
from servicedesk.models import Organization, Product, ProductVersion, Team, User
from tickets.choices import OPEN_STATUSES, Channel, TicketKind, TicketStatus
from tickets.models import Ticket

from .metrics import DEFINITIONS, collect
from .models import ReportRun, ReportSchedule
from .periods import period_from_params, scope_zone
from .permissions import can_manage_schedules, run_visibility_q
from .scope import PARAMS, Scope

BREACHING_SOON_HOURS = 4
BREACHING_SOON_LIMIT = 10
WORKLOAD_LIMIT = 15


def metrics_for(user: Any, params: Any, check_ids: bool = False) -> dict[str, Any]:
    """The figures ``params`` ask for (period, scope, ``sections`` comma-separated), limited
    to what ``user`` may see; bad parameters raise ``ValidationFailed`` (with
    ``check_ids``, also an id naming nothing), a scope the user may not know ``NotFound``,
    one they may not see ``NotAllowed``. The period is in the organization's time zone
    when the scope is one organization with a zone of its own."""
    scope = Scope.for_user(user, **{name: params.get(name) for name in PARAMS})
    if check_ids:
        scope.check_ids()
    period = period_from_params(params, tz=scope_zone(scope))
    raw = (params.get("sections") or "").strip()
    sections = [s.strip() for s in raw.split(",") if s.strip()] if raw else None
    return {
        "period": period.as_dict(),
        "scope": scope.as_dict(),
        "sections": collect(period, scope, sections),
        "definitions": {
            name: {key: (str(value) if key != "target" else value) for key, value in d.items()}
            for name, d in DEFINITIONS.items()
        },
    }


def breaching_soon(scope: Scope, now=None) -> list[Ticket]:
    """Open tickets whose next deadline falls within the next few hours, soonest first."""
    now = now or timezone.now()
    return list(
        Ticket.objects.filter(scope.ticket_q())
        .filter(
            sla_due_at__gt=now,
            sla_due_at__lte=now + timedelta(hours=BREACHING_SOON_HOURS),
            status__in=OPEN_STATUSES,
        )
        .select_related("organization", "assignee")
        .order_by("sla_due_at", "id")[:BREACHING_SOON_LIMIT]
    )


def workload(scope: Scope) -> list[dict[str, Any]]:
    """Open tickets per engineer (the largest first), with their names: two queries."""
    rows = list(
        Ticket.objects.filter(scope.ticket_q())
        .filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        # COUNT(*), not COUNT(id): the open-assignee index answers alone (index-only scan,
        # 64 -> 15 ms over 71,000 open tickets)
        .annotate(open=Count("*"))
        .order_by("-open", "assignee_id")[:WORKLOAD_LIMIT]
    )
    users = User.objects.in_bulk([r["assignee_id"] for r in rows])
    return [
        {"id": r["assignee_id"], "user": users.get(r["assignee_id"]), "open": r["open"]}
        for r in rows
    ]


RUN_RELATED = ("organization", "team", "product", "requested_by")


def report_runs(user: Any) -> QuerySet[ReportRun]:
    """The runs ``user`` may see, newest first, without their snapshots (lists never need
    them: a year's document is read only by the run's own page)."""
    return (
        ReportRun.objects.filter(run_visibility_q(user))
        .select_related(*RUN_RELATED)
        .defer("snapshot")
        .order_by("-created_at", "-id")
    )


def report_run_get(user: Any, pk: Any, *, with_snapshot: bool = True) -> ReportRun:
    qs = ReportRun.objects.filter(run_visibility_q(user)).select_related(*RUN_RELATED)
    if not with_snapshot:
        qs = qs.defer("snapshot")
    try:
        return qs.get(pk=int(pk))
    except (ReportRun.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Report run not found.")) from None


def report_schedules(user: Any) -> QuerySet[ReportSchedule]:
    if not can_manage_schedules(user):
        return ReportSchedule.objects.none()
    return ReportSchedule.objects.select_related("organization", "team", "product").order_by("id")


def report_schedule_get(user: Any, pk: Any) -> ReportSchedule:
    try:
        return report_schedules(user).get(pk=int(pk))
    except (ReportSchedule.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Report schedule not found.")) from None


TICKET_COLUMNS = (
    "number",
    "created_at",
    "organization_id",
    "product_id",
    "product_version_id",
    "kind",
    "channel",
    "severity",
    "status",
    "team_id",
    "assignee_id",
    "title",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "resolution_due_at",
    "rating",
)
# column index -> (model, field) whose name replaces the id; read per chunk for the ids not
# seen yet, so the export never joins (a join per row made the planner's fast-start plan
# for the cursor six times slower) and holds only the distinct names it met.
NAMED = {
    2: (Organization, "name"),
    3: (Product, "name"),
    4: (ProductVersion, "version"),
    9: (Team, "name"),
    10: (User, "username"),
}


def named_chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[list[Any]]]:
    """``rows`` in lists of ``size``, their foreign ids replaced by names."""
    names: dict[int, dict[int, str]] = {column: {} for column in NAMED}
    chunk: list[list[Any]] = []
    for row in rows:
        chunk.append(list(row))
        if len(chunk) == size:
            yield resolve_names(chunk, names)
            chunk = []
    if chunk:
        yield resolve_names(chunk, names)


def resolve_names(chunk: list[list[Any]], names: dict[int, dict[int, str]]) -> list[list[Any]]:
    for column, (model, field) in NAMED.items():
        known = names[column]
        missing = {r[column] for r in chunk if r[column] is not None} - known.keys()
        if missing:
            known.update(model._default_manager.filter(pk__in=missing).values_list("pk", field))
        for r in chunk:
            r[column] = known.get(r[column], "") if r[column] is not None else ""
    return chunk


TIME_COLUMNS = ("created_at", "first_response_at", "resolved_at", "closed_at", "resolution_due_at")


def local_text(column: str) -> Func:
    """``column`` in the desk's time zone as ``YYYY-MM-DD HH24:MI:SS`` text (PostgreSQL):
    formatting 3.7 million datetimes in Python was most of a year's export."""
    local = Func(Value(settings.TIME_ZONE), F(column), function="timezone")
    return Func(local, Value("YYYY-MM-DD HH24:MI:SS"), function="to_char", output_field=CharField())


def ticket_export(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    *,
    organization: int | None = None,
    team: int | None = None,
    product: int | None = None,
) -> Table:
    """Tickets received in ``[start, end)`` that ``user`` may see, as an export table: one
    indexed range scan on ``created_at`` read through a server-side cursor in chunks, plain
    value tuples (no model objects, no joins), labels looked up in dicts. No row cap: the
    CSV streams in constant memory (docs/PERFORMANCE.md, "CSV export")."""
    qs = Ticket.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    if organization:
        qs = qs.filter(organization_id=organization)
    if team:
        qs = qs.filter(team_id=team)
    if product:
        qs = qs.filter(product_id=product)
    kinds = {k: str(v) for k, v in TicketKind.choices}
    statuses = {k: str(v) for k, v in TicketStatus.choices}
    channels = {k: str(v) for k, v in Channel.choices}

    columns: list[Any] = list(TICKET_COLUMNS)
    if connection.vendor == "postgresql":  # local time as text, formatted by the database
        qs = qs.annotate(**{f"{c}_text": local_text(c) for c in TIME_COLUMNS})
        columns = [f"{c}_text" if c in TIME_COLUMNS else c for c in columns]

    def rows() -> Iterator[list[Any]]:
        ordered = qs.order_by("created_at", "id").values_list(*columns)
        for chunk in named_chunks(ordered.iterator(chunk_size=CHUNK), CHUNK):
            for r in chunk:
                r[5] = kinds.get(r[5], r[5])
                r[6] = channels.get(r[6], r[6])
                r[8] = statuses.get(r[8], r[8])
                for column in (12, 13, 14, 15):
                    if r[column] is None:
                        r[column] = ""
                if r[16] is None:
                    r[16] = ""
                yield r

    return Table(
        name="tickets",
        title=_("Tickets"),
        headers=[
            _("Ticket number"),
            _("Received"),
            _("Customer"),
            _("Product"),
            _("Version"),
            _("Kind"),
            _("Channel"),
            _("Severity"),
            _("Status"),
            _("Service group"),
            _("Engineer"),
            _("Title"),
            _("First response"),
            _("Resolved at"),
            _("Closed at"),
            _("Resolution due"),
            _("Rating"),
        ],  # fmt: skip
        rows=rows(),
    )
