"""Service hours in the roll-up: time entries summed per day worked, engineer, the ticket's
organization and service group, and the work order's service group
(``reports.models.DailyHours``), written with the ticket facts of the same days
(``write_days``) and read, for the roll-up days, by the service hours, the appraisal and the
service hours per region; the other days come from the time entries, grouped the same way.

Time entries are dated (``worked_on``), so the days are the same in every zone. A change
marks its day through triggers (migration 0005): an entry written, moved or deleted, and a
ticket or work order moved to another organization or service group (the days of its
entries). Scopes the cells do not keep (contract, product, channel, kind, severity) read
the entries live.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection

from ..periods import Period
from ..scope import Scope

# the cell of an entry: (day, engineer, ticket's organization, ticket's group, order's group)
CELL = (
    "SELECT e.worked_on AS day, e.user_id, t.organization_id, t.team_id AS ticket_team_id, "
    "w.team_id AS order_team_id, SUM(e.minutes) AS minutes, "
    "SUM(CASE WHEN e.mode = 'on_site' THEN e.minutes ELSE 0 END) AS on_site_minutes, "
    "SUM(CASE WHEN e.mode = 'remote' THEN e.minutes ELSE 0 END) AS remote_minutes, "
    "COUNT(*) AS entries "
    "FROM maintenance_timeentry e "
    "LEFT JOIN tickets_ticket t ON t.id = e.ticket_id "
    "LEFT JOIN maintenance_workorder w ON w.id = e.work_order_id "
    "WHERE e.worked_on = ANY(%(days)s) "
    "GROUP BY e.worked_on, e.user_id, t.organization_id, t.team_id, w.team_id"
)
SUMS = ("minutes", "on_site_minutes", "remote_minutes", "entries")
KEYS = ("user_id", "organization_id", "ticket_team_id", "order_team_id")
# scope parameters the cells cannot answer
LIVE_ONLY = ("contract", "product", "channel", "kind", "severity")


def write(cursor: Any, days: list[date]) -> None:
    """Replace the cells of ``days`` (inside ``write_days``' transaction)."""
    cursor.execute("DELETE FROM reports_dailyhours WHERE day = ANY(%(days)s)", {"days": days})
    columns = "day, " + ", ".join(KEYS) + ", " + ", ".join(SUMS)
    cursor.execute(f"INSERT INTO reports_dailyhours ({columns}) {CELL}", {"days": days})


def usable(scope: Scope) -> bool:
    return (
        settings.REPORTS_ROLLUP
        and connection.vendor == "postgresql"
        and all(getattr(scope, name) is None for name in LIVE_ONLY)
    )


def _where(scope: Scope, params: dict[str, Any]) -> str:
    parts = []
    if scope.engineer is not None:
        params["engineer"] = scope.engineer
        parts.append("c.user_id = %(engineer)s")
    if scope.organization is not None:
        params["organization"] = scope.organization
        parts.append("c.organization_id = %(organization)s")
    if scope.team is not None:
        params["team"] = scope.team
        parts.append("c.ticket_team_id = %(team)s")
    if scope.teams is not None:
        # the ticket's group, or the work order's for an entry on a work order alone
        params["teams"] = list(scope.teams)
        parts.append(
            "(c.ticket_team_id = ANY(%(teams)s) "
            "OR (c.organization_id IS NULL AND c.order_team_id = ANY(%(teams)s)))"
        )
    return " AND ".join(parts) or "TRUE"


def cells(period: Period, scope: Scope, rolled: list[date]) -> list[dict[str, Any]]:
    """The period's service hours per (engineer, organization, ticket's group, order's
    group) in scope: the roll-up cells of the ``rolled`` days and the entries of the
    others, summed in one query."""
    days = [d for d in period_days(period) if d not in set(rolled)]
    params: dict[str, Any] = {"rolled": rolled, "days": days}
    keys = ", ".join(KEYS)
    sums = ", ".join(f"SUM({name})::bigint AS {name}" for name in SUMS)
    parts = [
        f"SELECT {keys}, {', '.join(SUMS)} FROM reports_dailyhours WHERE day = ANY(%(rolled)s)"
    ]
    if days:
        parts.append(f"SELECT {keys}, {', '.join(SUMS)} FROM ({CELL}) live")
    statement = (
        f"SELECT {keys}, {sums} FROM ({' UNION ALL '.join(parts)}) c "
        f"WHERE {_where(scope, params)} GROUP BY {keys}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def period_days(period: Period) -> list[date]:
    from datetime import timedelta

    return [period.first_day + timedelta(days=i) for i in range(period.days)]
