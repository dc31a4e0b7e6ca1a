"""A finished run as tables: the XLSX download (one sheet per section, written by
``servicedesk.exports.workbook``), the scheduled mail's attachment, and the labels the
document page shows. Everything is read from the run's snapshot, never from live data."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.exports import Table, workbook
from tickets.choices import Severity, TicketKind, TicketStatus

from .models import ReportRun

SUMMARY_LABELS = {
    "received": gettext_lazy("Tickets received"),
    "resolved": gettext_lazy("Resolved or closed"),
    "faults": gettext_lazy("Faults"),
    "breached": gettext_lazy("Resolution deadlines missed"),
    "open_at_end": gettext_lazy("Open at the end of the period"),
    "service_hours": gettext_lazy("Service hours"),
}
METRIC_LABELS = {
    "resolution_rate": (gettext_lazy("Resolution rate"), "%"),
    "response_timeliness": (gettext_lazy("Responded in time"), "%"),
    "sla_compliance": (gettext_lazy("SLA compliance"), "%"),
    "first_contact_resolution": (gettext_lazy("First-contact resolution (hotline)"), "%"),
    "satisfaction": (gettext_lazy("Satisfied customers (rating 4-5)"), "%"),
    "average_rating": (gettext_lazy("Average rating"), "/5"),
    "service_hours": (gettext_lazy("Service hours"), "h"),
}


def summary_rows(snapshot: dict[str, Any]) -> list[tuple[str, Any]]:
    summary = snapshot.get("summary", {})
    return [(str(label), summary.get(key)) for key, label in SUMMARY_LABELS.items()]


def metric_rows(snapshot: dict[str, Any]) -> list[tuple[str, Any, str]]:
    metrics = snapshot.get("metrics", {})
    return [(str(label), metrics.get(key), unit) for key, (label, unit) in METRIC_LABELS.items()]


def indicator_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The quality indicators with their translated labels (from ``DEFINITIONS``)."""
    from .metrics import DEFINITIONS

    found = snapshot.get("indicators", {}).get("quality", {}).get("indicators", {})
    rows = []
    for name, figures in found.items():
        definition = DEFINITIONS.get(name, {})
        rows.append(
            {
                "characteristic": str(definition.get("characteristic", "")),
                "label": str(definition.get("label", name)),
                "definition": str(definition.get("definition", "")),
                "value": figures.get("value"),
                "target": figures.get("target"),
                "meets_target": figures.get("meets_target"),
            }
        )
    return rows


def label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def ticket_table(title: str, rows: list[dict[str, Any]]) -> Table:
    return Table(
        name="",
        title=title,
        headers=[
            _("Ticket number"),
            _("Title"),
            _("Customer"),
            _("Severity"),
            _("Status"),
            _("Resolution due"),
            _("Resolved at"),
        ],
        rows=[
            [
                r["number"],
                r["title"],
                r["organization"],
                r["severity"],
                label(TicketStatus, r["status"]),
                r["due"] or "",
                r["resolved"] or "",
            ]
            for r in rows
        ],
    )


def run_tables(run: ReportRun) -> list[Table]:
    """One table per section of the document, in the page's order."""
    snap = run.snapshot or {}
    scope = scope_text(run)
    tables = [
        Table(
            name="",
            title=_("Summary"),
            headers=[_("Indicator"), _("Value"), _("Unit")],
            rows=[
                [_("Report"), run.get_kind_display(), ""],
                [_("Period"), run.period_label, f"{run.period_start} – {run.period_end}"],
                [_("Scope"), scope, ""],
                *[[name, value, ""] for name, value in summary_rows(snap)],
                *[[name, value, unit] for name, value, unit in metric_rows(snap)],
            ],
        )
    ]
    tables.append(
        Table(
            name="",
            title=_("Quality indicators"),
            headers=[
                _("Characteristic"),
                _("Indicator"),
                _("Value in percent"),
                _("Target in percent"),
                _("Target met"),
                _("Definition"),
            ],  # fmt: skip
            rows=[
                [
                    r["characteristic"],
                    r["label"],
                    r["value"],
                    r["target"],
                    ""
                    if r["meets_target"] is None
                    else (_("yes") if r["meets_target"] else _("no")),
                    r["definition"],
                ]  # fmt: skip
                for r in indicator_rows(snap)
            ],
        )
    )
    charts = snap.get("charts", {})
    tables.append(
        Table(
            name="",
            title=_("Volume"),
            headers=[
                _("Week from") if charts.get("weekly") else _("Date"),
                _("Received"),
                _("Resolved"),
            ],  # fmt: skip
            rows=[[v["label"], v["received"], v["resolved"]] for v in charts.get("volume", [])],
        )
    )
    tables.append(
        Table(
            name="",
            title=_("By severity and kind"),
            headers=[_("Category"), _("Tickets")],
            rows=[
                *[[label(Severity, k), n] for k, n in charts.get("severity", {}).items()],
                *[[label(TicketKind, k), n] for k, n in charts.get("kind", {}).items()],
            ],
        )
    )
    if "top_issues" in snap:
        top = snap["top_issues"]
        tables.append(
            Table(
                name="",
                title=_("Top issues"),
                headers=[_("Product"), _("Area"), _("Tickets")],
                rows=[[r["product"], r["area"], r["tickets"]] for r in top.get("products", [])],
            )
        )
    if "maintenance" in snap:
        m = snap["maintenance"]
        tables.append(
            Table(
                name="",
                title=_("Product faults"),
                headers=[_("Date"), _("Product"), _("Fault")],
                rows=[[r["date"], r["product"], r["summary"]] for r in m.get("faults", [])],
            )
        )
    tables.append(ticket_table(_("Breaches"), snap.get("breaches", {}).get("rows", [])))
    tables.append(ticket_table(_("Open risks"), snap.get("open_risks", {}).get("rows", [])))
    groups = snap.get("groups", {})
    rollup = [*groups.get("groups", []), {**groups.get("centre", {}), "team": _("Service centre")}]
    tables.append(
        Table(
            name="",
            title=_("Service groups"),
            headers=[
                _("Service group"),
                _("Received"),
                _("Resolved"),
                _("Resolution rate"),
                _("Breaches"),
                _("Average rating"),
                _("Service hours"),
            ],
            rows=[
                [
                    g.get("team") or _("Unassigned"),
                    g.get("received"),
                    g.get("resolved"),
                    g.get("resolution_rate"),
                    g.get("breached"),
                    g.get("average_rating"),
                    g.get("service_hours"),
                ]
                for g in rollup
                if g.get("received") is not None
            ],
        )
    )
    return tables


def scope_text(run: ReportRun) -> str:
    parts = [str(x) for x in (run.organization, run.team, run.product) if x is not None]
    return " / ".join(parts) or _("All customers")


def run_file_name(run: ReportRun, extension: str) -> str:
    return f"{run.kind}-report-{run.period_start}-{run.pk}.{extension}"


def run_xlsx(run: ReportRun) -> bytes:
    return workbook(run_tables(run))
