"""The queue's table rows, built as HTML in one pass over plain values.

Rendered by the template language, a 50-row page was about 1,900 node renders and 80% of the
request's time (docs/PERFORMANCE.md, "Triage queue"); here each row is one string with every
value escaped, and the constant texts are translated once per page (README decision 15).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from servicedesk.choices import choice_label
from servicedesk.humanize import due_text, phrases
from tickets.choices import (
    OPEN_STATUSES,
    Channel,
    Severity,
    TicketKind,
    TicketStatus,
    severity_short,
)

_PK = 987654321


def _person(row: dict[str, Any]) -> str:
    full = f"{row['assignee__first_name'] or ''} {row['assignee__last_name'] or ''}".strip()
    return full or row["assignee__username"] or ""


def _when(value: datetime) -> str:
    local = timezone.localtime(value)
    return (
        f'<time datetime="{value.isoformat()}">{local:%Y-%m-%d} '
        f'<span class="muted">{local:%H:%M}</span></time>'
    )


def queue_rows_html(rows: list[dict[str, Any]], *, checkboxes: bool, now: datetime) -> SafeString:
    """``<tr>`` elements for ``rows`` (``selectors.ticket_rows`` with names attached)."""
    link = reverse("staff:ticket", kwargs={"pk": _PK}).replace(str(_PK), "{}")
    unassigned = f'<span class="muted">{escape(_("unassigned"))}</span>'
    proposed = escape(_("Proposed, not yet confirmed"))
    select = escape(_("Select %(number)s"))
    texts = phrases()
    labels: dict[tuple[Any, str], str] = {}
    # the column names again on each cell: on a phone each row is a card (static/css/app.css)
    col = {
        key: f' data-label="{escape(text)}"'
        for key, text in (
            ("number", _("Ticket number")),
            ("title", _("Title")),
            ("organization", _("Organization")),
            ("kind", _("Kind")),
            ("severity", _("Severity")),
            ("status", _("Status")),
            ("channel", _("Channel")),
            ("product", _("Product")),
            ("team", _("Service group")),
            ("assignee", _("Assignee")),
            ("created", _("Created")),
            ("due", _("Next deadline")),
        )
    }

    def label(enum: Any, value: str) -> str:
        key = (enum, value)
        if key not in labels:
            # str(): the label is lazy, and a lazy escape() would translate it again at
            # every use in the f-strings below
            labels[key] = escape(str(choice_label(enum, value)))
        return labels[key]

    shorts: dict[str, str] = {}

    def short(value: str) -> str:
        if value not in shorts:
            shorts[value] = escape(str(severity_short(value)))
        return shorts[value]

    out = []
    for row in rows:
        pk, number = row["id"], escape(row["number"])
        url = link.format(pk)
        cells = []
        if checkboxes:
            aria = select.replace("%(number)s", number)
            cells.append(
                '<td class="check"><input type="checkbox" name="tickets" form="bulk-form" '
                f'value="{pk}" aria-label="{aria}"></td>'
            )
        severity, status = row["severity"], row["status"]
        unconfirmed = (
            ""
            if row["severity_confirmed"]
            else f' <span class="muted small" title="{proposed}">?</span>'
        )
        product = row["product__name"]
        if product:
            version = row["product_version__version"]
            product_cell = escape(f"{product} {version}" if version else product)
        else:
            product_cell = '<span class="muted">—</span>'
        assignee = escape(_person(row)) if row["assignee_id"] else unassigned
        due = row["sla_due_at"]
        if due:
            words, overdue = due_text(due, now, texts)
            late = overdue and status in OPEN_STATUSES
            local = timezone.localtime(due)
            mark = ' class="overdue"' if late else ""
            countdown = "countdown late" if late else "countdown"
            due_cell = (
                f'<time datetime="{due.isoformat()}"{mark}>'
                f"{local:%Y-%m-%d} <span>{local:%H:%M}</span></time>"
                f'<span class="{countdown}">{escape(words)}</span>'
            )
        else:
            due_cell = "—"
        cells += [
            f'<td class="nowrap"{col["number"]}><a href="{url}">{number}</a></td>',
            f'<td class="title-cell"{col["title"]}>'
            f'<a href="{url}" class="title">{escape(row["title"])}</a></td>',
            f"<td{col['organization']}>{escape(row['organization__name'] or '')}</td>",
            f"<td{col['kind']}>{label(TicketKind, row['kind'])}</td>",
            f'<td{col["severity"]}><span class="badge sev-{escape(severity)}" '
            f'title="{label(Severity, severity)}">{short(severity)}</span>{unconfirmed}</td>',
            f'<td{col["status"]}><span class="badge st-{escape(status)}">'
            f"{label(TicketStatus, status)}</span></td>",
            f"<td{col['channel']}>{label(Channel, row['channel'])}</td>",
            f"<td{col['product']}>{product_cell}</td>",
            f"<td{col['team']}>{escape(row['team__name'] or '—')}</td>",
            f"<td{col['assignee']}>{assignee}</td>",
            f'<td class="when"{col["created"]}>{_when(row["created_at"])}</td>',
            f'<td class="when"{col["due"]}>{due_cell}</td>',
        ]
        out.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(out))  # noqa: S308 (every value above is escaped)
