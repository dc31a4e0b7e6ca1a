"""客户服务报告单: the per-case service report of a closed ticket — customer, contact,
product and version, phenomenon, cause, solution, service mode, engineer, hours, the
customer's confirmation and rating. Read by the staff and portal page (through the ticket
visibility chokepoint) and attached to the customer's closing mail."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from maintenance.models import TimeEntry, WorkOrder
from servicedesk.errors import NotFound
from servicedesk.outbox import Attachment, attacher
from tickets.choices import EventKind, TicketStatus
from tickets.models import Ticket, TicketEvent


def service_report_get(user: Any, pk: Any) -> dict[str, Any]:
    """The report of ticket ``pk`` if ``user`` may see it and it is closed (else 404)."""
    try:
        ticket = (
            Ticket.objects.visible_to(user)
            .select_related("organization", "contact", "product", "product_version", "assignee")
            .get(pk=int(pk), status=TicketStatus.CLOSED)
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No closed ticket with this number.")) from None
    return service_report(ticket)


def service_report(ticket: Ticket) -> dict[str, Any]:
    hours = TimeEntry.objects.filter(ticket=ticket)
    modes = {}
    for row in hours.values("mode").annotate(minutes=Sum("minutes")).order_by("mode"):
        modes[row["mode"]] = row["minutes"]
    orders = WorkOrder.objects.filter(tickets=ticket).order_by("id")
    causes = [o.root_cause_text for o in orders.only("root_cause_text") if o.root_cause_text]
    closing = (
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    from maintenance.choices import WorkMode

    return {
        "ticket": ticket,
        "cause": "\n".join(causes),
        "modes": [(str(WorkMode(m).label), round(n / 60, 1)) for m, n in modes.items()],
        "hours": round(sum(modes.values()) / 60, 1),
        "confirmed_by": closing.actor if closing else None,
        "confirmed_at": ticket.closed_at,
    }


@attacher("ticket.status_changed")
def closing_mail_attachment(payload: dict[str, Any]) -> list[Attachment]:
    """The closing mail carries the service report (plain HTML that prints cleanly)."""
    if payload.get("new") != TicketStatus.CLOSED:
        return []
    ticket = (
        Ticket.objects.select_related(
            "organization", "contact", "product", "product_version", "assignee"
        )
        .filter(number=payload.get("ticket"), status=TicketStatus.CLOSED)
        .first()
    )
    if ticket is None:  # reopened since: the report would not be final
        return []
    html = render_to_string("reports/service_report_mail.html", service_report(ticket))
    return [(f"service-report-{ticket.number}.html", html.encode(), "text/html")]
