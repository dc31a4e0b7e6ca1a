"""The "inspection due" notification (定期巡检): each morning an open scheduled inspection
whose date has come tells its assignee (else its service group's lead), once per day, by
the channel they chose for the topic (``maintenance.services.notices``). And the on-site
visit notifications (below)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.mail import Rendered, event_mail, local_time
from servicedesk.notifications import (
    Recipient,
    notify,
    recipient_for_contact,
    recipient_for_user,
    topic,
)
from servicedesk.outbox import renderer

INSPECTION_DUE = topic("inspection.due", gettext_lazy("Scheduled inspection due"), audience="staff")


@renderer(INSPECTION_DUE.code)
def inspection_due_email(topic: str, payload: dict[str, Any]) -> Rendered:
    overdue = int(payload.get("days_late") or 0)
    headline = (
        _("This scheduled inspection was due on %(date)s and is not done yet.")
        if overdue
        else _("This scheduled inspection is due today (%(date)s).")
    ) % {"date": payload.get("occurrence", "")}
    return event_mail(
        payload,
        number=payload.get("work_order", ""),
        record_label=_("Scheduled inspection"),
        thread_kind="work-order",
        subject=_("Inspection due: %(title)s") % {"title": payload.get("title", "")},
        headline=headline,
        facts=[(_("Customer"), payload.get("customer", ""))],
        action=_("Record the checklist results on the inspection page:"),
    )


# On-site visits (上门服务): the customer hears of the appointment (made, moved, cancelled)
# and of the visit report to confirm; the engineer of the visits given to them, moved or
# taken from them. Written by ``maintenance.services.visits`` inside each step's
# transaction, one ``notify`` per recipient: once per (event, recipient), by the channel
# each chose for the topic; nobody is told of their own action.

VISIT_APPOINTMENT = topic(
    "visit.appointment", gettext_lazy("On-site visit appointment"), audience="customer"
)
VISIT_REPORT = topic(
    "visit.report", gettext_lazy("On-site visit report to confirm"), audience="customer"
)
VISIT_ASSIGNED = topic(
    "visit.assigned", gettext_lazy("On-site visit assigned to me"), audience="staff"
)


def visit_payload(visit: Any, recipient: Recipient, **payload: Any) -> dict[str, Any]:
    """What every visit mail carries; the link is the portal's ticket page for customers
    (where they confirm a visit report), the staff ticket page for staff."""
    ticket = visit.ticket
    if recipient.is_customer:
        path = reverse("portal:ticket", args=[ticket.number])
    else:
        path = reverse("staff:ticket", args=[ticket.pk])
    return {
        "ticket": ticket.number,
        "ticket_id": ticket.pk,
        "title": ticket.title,
        "visit": visit.pk,
        "address": visit.address,
        "engineer": str(visit.engineer) if visit.engineer_id else "",
        "appointment_at": visit.appointment_at.isoformat() if visit.appointment_at else None,
        "path": path,
        **payload,
    }


def customer_recipient(ticket: Any) -> Recipient | None:
    """The ticket's requester (its portal user), else its contact, as ticket mails do."""
    if ticket.requester_id and ticket.requester and ticket.requester.email:
        return recipient_for_user(ticket.requester) if ticket.requester.is_active else None
    if ticket.contact_id and ticket.contact and ticket.contact.email:
        return recipient_for_contact(ticket.contact)
    return None


def notify_visit_customer(visit: Any, code: str, **payload: Any) -> None:
    recipient = customer_recipient(visit.ticket)
    if recipient is not None:
        notify(recipient, code, visit_payload(visit, recipient, **payload))


def notify_visit_engineer(visit: Any, engineer: Any, actor: Any, **payload: Any) -> None:
    if engineer is None or engineer == actor or not engineer.is_active or not engineer.email:
        return
    recipient = recipient_for_user(engineer)
    notify(recipient, VISIT_ASSIGNED.code, visit_payload(visit, recipient, **payload))


def _visit_mail(payload: dict[str, Any], **parts: Any) -> Rendered:
    return event_mail(
        payload,
        number=payload.get("ticket", ""),
        record_label=_("Ticket"),
        thread_kind="ticket",
        **parts,
    )


@renderer(VISIT_APPOINTMENT.code)
def visit_appointment_email(topic: str, payload: dict[str, Any]) -> Rendered:
    title = {"title": payload.get("title") or payload.get("ticket") or ""}
    change = payload.get("change") or "scheduled"
    when = local_time(payload.get("appointment_at"))
    if change == "cancelled":
        subject = _("On-site visit cancelled: %(title)s") % title
        headline = _("The on-site visit for your request is cancelled.")
    elif change == "moved":
        subject = _("On-site visit moved: %(title)s") % title
        headline = _("The on-site visit for your request has a new appointment: %(when)s.") % {
            "when": when
        }
    else:
        subject = _("On-site visit scheduled: %(title)s") % title
        headline = _("An engineer will visit you on site for your request: %(when)s.") % {
            "when": when
        }
    return _visit_mail(
        payload,
        subject=subject,
        headline=headline,
        quote=payload.get("reason") or "",
        quote_label=_("Reason") if payload.get("reason") else "",
        facts=[
            (_("Appointment"), when if change != "cancelled" else ""),
            (_("Previous appointment"), local_time(payload.get("old_appointment_at"))),
            (_("Engineer"), payload.get("engineer") or ""),
            (_("Address"), payload.get("address") or ""),
        ],
        action=_("Open the ticket:"),
    )


@renderer(VISIT_REPORT.code)
def visit_report_email(topic: str, payload: dict[str, Any]) -> Rendered:
    title = {"title": payload.get("title") or payload.get("ticket") or ""}
    return _visit_mail(
        payload,
        subject=_("On-site visit report, please confirm: %(title)s") % title,
        headline=_(
            "Our engineer has left your site. Please read the visit report and confirm it on "
            "the ticket page, or refuse it with a reason."
        ),
        quote=payload.get("report") or "",
        quote_label=_("Visit report"),
        facts=[
            (_("Engineer"), payload.get("engineer") or ""),
            (_("Arrived"), local_time(payload.get("arrived_at"))),
            (_("Departed"), local_time(payload.get("departed_at"))),
        ],
        action=_("Confirm or refuse the visit report:"),
    )


@renderer(VISIT_ASSIGNED.code)
def visit_assigned_email(topic: str, payload: dict[str, Any]) -> Rendered:
    title = {"title": payload.get("title") or payload.get("ticket") or ""}
    change = payload.get("change") or "scheduled"
    when = local_time(payload.get("appointment_at"))
    if change == "cancelled":
        subject = _("Visit cancelled: %(title)s") % title
        headline = _("An on-site visit you were to make is cancelled.")
    elif change == "unassigned":
        subject = _("Visit given to someone else: %(title)s") % title
        headline = _("An on-site visit you were to make now goes to %(engineer)s.") % {
            "engineer": payload.get("engineer") or ""
        }
    elif change == "moved":
        subject = _("Visit moved: %(title)s") % title
        headline = _("An on-site visit of yours has a new appointment: %(when)s.") % {"when": when}
    else:
        subject = _("On-site visit for you: %(title)s") % title
        headline = _("You are to visit the customer on site: %(when)s.") % {"when": when}
    return _visit_mail(
        payload,
        subject=subject,
        headline=headline,
        quote=payload.get("reason") or "",
        quote_label=_("Reason") if payload.get("reason") else "",
        facts=[
            (_("Customer"), payload.get("organization") or ""),
            (_("Address"), payload.get("address") or ""),
            (_("Contact"), payload.get("contact") or ""),
            (_("Previous appointment"), local_time(payload.get("old_appointment_at"))),
        ],
        action=_("Open the ticket:"),
    )
