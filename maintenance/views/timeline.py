"""The work order's audit trail as lines for its page: who, when, what (translated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.choices import choice_label
from servicedesk.text import join_phrases
from tickets.choices import severity_short

from .. import selectors
from ..choices import RootCause, TestResult
from ..models import WorkOrder

EVENT_LABELS = {
    "drafted": gettext_lazy("Drafted"),
    "ticket_linked": gettext_lazy("Ticket linked"),
    "submitted": gettext_lazy("Submitted for sign-off"),
    "approved": gettext_lazy("Signed off"),
    "rejected": gettext_lazy("Rejected"),
    "analysis_started": gettext_lazy("Analysis started"),
    "analysed": gettext_lazy("Analysis recorded"),
    "fixed": gettext_lazy("Fix recorded"),
    "tested": gettext_lazy("Test recorded"),
    "delivered": gettext_lazy("Delivered"),
    "done": gettext_lazy("Closed"),
    "cancelled": gettext_lazy("Cancelled"),
    # migration 0006: the severity text frozen in an old description was taken out
    "description_migrated": gettext_lazy("Severity text removed from the description"),
}


def _details(kind: str, data: dict[str, Any]) -> list[str]:
    """The facts an event carries, as short translated phrases."""
    parts: list[str] = []
    if data.get("signed_for"):
        parts.append(_("for %(manager)s") % {"manager": data["signed_for"]})
    if kind == "drafted" and data.get("tickets"):
        parts.append(_("from %(tickets)s") % {"tickets": join_phrases(data["tickets"])})
    if data.get("ticket"):
        parts.append(str(data["ticket"]))
    if kind == "analysed":
        if data.get("root_cause"):
            parts.append(str(choice_label(RootCause, data["root_cause"])))
        if data.get("severity"):
            parts.append(severity_short(data["severity"]))
        parts.append(
            _("software must change") if data.get("software_change") else _("no software change")
        )
    if kind == "tested" and data.get("result"):
        parts.append(str(choice_label(TestResult, data["result"])))
    if kind == "fixed" and data.get("manual_section"):
        parts.append(_("user manual: %(section)s") % {"section": data["manual_section"]})
    if kind == "delivered":
        if data.get("version"):
            parts.append(_("in %(version)s") % {"version": data["version"]})
        if data.get("resolved"):
            parts.append(_("resolved %(tickets)s") % {"tickets": join_phrases(data["resolved"])})
    return parts


def timeline_for(order: WorkOrder, user: Any) -> list[dict[str, Any]]:
    lines = []
    for item in selectors.work_order_events(user, order):
        data = item.data or {}
        lines.append(
            {
                "when": item.created_at,
                "actor": item.actor,
                "kind": item.kind,
                "label": EVENT_LABELS.get(item.kind, item.kind),
                "details": _details(item.kind, data),
                "text": data.get("comment") or data.get("reason") or "",
            }
        )
    return lines
