"""What ticket notifications say, for people: what happened, the reply's text, the ticket's
title and number, local times, a link to the ticket (the portal for customers, the staff
console for staff), in the recipient's language; plain text and HTML (email/ticket.*), in
the ticket's mail thread.

Every renderer reads its payload defensively: rows written before a field existed still
render (without it), since a row that cannot render is failed, not sent.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.mail import Rendered, event_mail, local_time
from servicedesk.notifications import topic
from servicedesk.outbox import renderer

from .choices import Severity, TicketStatus

CREATED = topic(
    "ticket.created", gettext_lazy("Request received"), audience="customer", mandatory=True
)
REPLIED = topic("ticket.replied", gettext_lazy("Reply from the service desk"), audience="customer")
STATUS = topic("ticket.status_changed", gettext_lazy("Status changed"), audience="customer")
RESOLVED = topic(
    "ticket.resolved", gettext_lazy("Resolved: awaiting your confirmation"), audience="customer"
)
ASSIGNED = topic("ticket.assigned", gettext_lazy("Ticket assigned to me"), audience="staff")
MERGED = topic(
    "ticket.merged",
    gettext_lazy("Request merged into another ticket"),
    audience="customer",
    mandatory=True,
)
COMPLAINT = topic(
    "ticket.complaint", gettext_lazy("Complaint opened from a low score"), audience="staff"
)
CUSTOMER_REPLIED = topic(
    "ticket.customer_replied", gettext_lazy("Customer replied on my ticket"), audience="staff"
)


@renderer(CREATED.code)
def created_email(topic: str, payload: dict[str, Any]) -> Rendered:
    number = payload.get("ticket", "")
    facts = [
        (_("Received at"), local_time(payload.get("created_at"))),
        (_("Severity"), _label(Severity, payload.get("severity"))),
        (_("Response expected by"), local_time(payload.get("response_due_at"))),
        (_("Resolution expected by"), local_time(payload.get("resolution_due_at"))),
    ]
    return _mail(
        payload,
        subject=_("We received your request: %(title)s") % _t(payload),
        headline=_(
            "Thank you. We have received your request and given it the ticket number "
            "%(number)s. Please quote this number when you contact us about it."
        )
        % {"number": number},
        facts=facts,
    )


@renderer(REPLIED.code)
def replied_email(topic: str, payload: dict[str, Any]) -> Rendered:
    author = payload.get("author") or _("The service desk")
    return _mail(
        payload,
        subject=_("New reply: %(title)s") % _t(payload),
        headline=_("%(author)s replied on your request:") % {"author": author},
        quote=payload.get("body") or _("(The reply is on the ticket page.)"),
        facts=[(_("Replied"), local_time(payload.get("created_at")))],
        attachments=payload.get("attachments") or [],
        action=_("Reply or add information on the ticket page:"),
    )


@renderer(STATUS.code)
def status_email(topic: str, payload: dict[str, Any]) -> Rendered:
    new = _label(TicketStatus, payload.get("new"))
    return _mail(
        payload,
        subject=_("Status is now %(status)s: %(title)s") % {**_t(payload), "status": new},
        headline=_("Your request is now: %(status)s (before: %(old)s).")
        % {"status": new, "old": _label(TicketStatus, payload.get("old"))},
        quote=payload.get("body") or "",
        facts=[(_("Changed"), local_time(payload.get("created_at")))],
    )


@renderer(RESOLVED.code)
def resolved_email(topic: str, payload: dict[str, Any]) -> Rendered:
    """The one mail of a resolve: the solution, and (for the person the survey link was
    issued to) the link that confirms and rates without signing in; the ticket page to
    reopen. Rows written before the link existed keep the ticket page as their action."""
    survey = payload.get("survey_path") or ""
    facts = [(_("Resolved"), local_time(payload.get("created_at")))]
    if not survey:
        return _mail(
            payload,
            subject=_("Resolved, please confirm: %(title)s") % _t(payload),
            headline=_(
                "We have resolved your request. Please check the solution and confirm it on "
                "the ticket page, or reopen the ticket if the problem remains."
            ),
            quote=payload.get("body") or "",
            quote_label=_("Solution"),
            facts=facts,
            action=_("Confirm the solution or reopen the ticket:"),
        )
    facts.append((_("Link valid until"), local_time(payload.get("survey_expires_at"))))
    return _mail(
        payload,
        subject=_("Resolved, please confirm and rate: %(title)s") % _t(payload),
        headline=_(
            "We have resolved your request. Please check the solution, then tell us with one "
            "click whether it works and how satisfied you are (1 = poor, 5 = excellent). The "
            "link works once, without signing in."
        ),
        quote=payload.get("body") or "",
        quote_label=_("Solution"),
        facts=facts,
        action=_("Confirm and rate:"),
        link_path=survey,
        more_links=[
            (_("Problem not solved? Reopen the ticket on its page:"), payload.get("path") or "")
        ],
    )


@renderer(MERGED.code)
def merged_email(topic: str, payload: dict[str, Any]) -> Rendered:
    into = payload.get("into") or ""
    return _mail(
        payload,
        subject=_("Merged into %(into)s: %(title)s") % {**_t(payload), "into": into},
        headline=_(
            "Your request %(number)s reports the same matter as ticket %(into)s, so we merged "
            "it there: its messages and files were copied, and we continue on %(into)s."
        )
        % {"number": payload.get("ticket", ""), "into": into},
    )


@renderer(ASSIGNED.code)
def assigned_email(topic: str, payload: dict[str, Any]) -> Rendered:
    actor = payload.get("actor") or ""
    return _mail(
        payload,
        subject=_("Assigned to you: %(title)s") % _t(payload),
        headline=(
            _("%(actor)s assigned this ticket to you.") % {"actor": actor}
            if actor
            else _("This ticket was assigned to you.")
        ),
        facts=[
            (_("Customer"), payload.get("organization") or ""),
            (_("Severity"), _label(Severity, payload.get("severity"))),
            (_("Resolution due"), local_time(payload.get("resolution_due_at"))),
        ],
    )


@renderer(CUSTOMER_REPLIED.code)
def customer_replied_email(topic: str, payload: dict[str, Any]) -> Rendered:
    author = payload.get("author") or _("The customer")
    return _mail(
        payload,
        subject=_("Customer reply: %(title)s") % _t(payload),
        headline=_("%(author)s replied on a ticket assigned to you:") % {"author": author},
        quote=payload.get("body") or _("(The reply is on the ticket page.)"),
        facts=[(_("Replied"), local_time(payload.get("created_at")))],
        attachments=payload.get("attachments") or [],
    )


@renderer(COMPLAINT.code)
def complaint_email(topic: str, payload: dict[str, Any]) -> Rendered:
    rated = payload.get("rated") or ""
    return _mail(
        payload,
        subject=_("Complaint: score %(score)s from %(organization)s")
        % {"score": payload.get("score", ""), "organization": payload.get("organization", "")},
        headline=(
            _("%(organization)s gave a score of %(score)s for %(rated)s; a complaint was opened.")
            if rated
            else _(
                "%(organization)s gave a score of %(score)s in a survey; a complaint was opened."
            )
        )
        % {
            "organization": payload.get("organization", ""),
            "score": payload.get("score", ""),
            "rated": rated,
        },
        quote=payload.get("body") or "",
        quote_label=_("Comment"),
        facts=[(_("Received at"), local_time(payload.get("created_at")))],
    )


def _mail(payload: dict[str, Any], *, action: str = "", **parts: Any) -> Rendered:
    staff = payload.get("audience") == "staff"
    return event_mail(
        payload,
        number=payload.get("ticket", ""),
        record_label=_("Ticket"),
        thread_kind="ticket",
        action=action or _("Open the ticket:"),
        # older rows without a path: the recipient's list
        fallback_path=reverse("staff:queue" if staff else "portal:ticket-list"),
        **parts,
    )


def _t(payload: dict[str, Any]) -> dict[str, str]:
    return {"title": payload.get("title") or payload.get("ticket") or ""}


def _label(choices: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
