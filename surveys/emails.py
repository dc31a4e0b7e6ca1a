"""What a survey invitation says (topic ``survey.invitation``): who asks, about what, the
link that answers without signing in, and until when; plain text and sanitized HTML in the
recipient's language (servicedesk.mail)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.mail import Rendered, event_mail, local_time
from servicedesk.notifications import topic
from servicedesk.outbox import renderer

INVITATION = topic(
    "survey.invitation", gettext_lazy("Satisfaction survey invitation"), audience="customer"
)


@renderer(INVITATION.code)
def invitation_email(topic: str, payload: dict[str, Any]) -> Rendered:
    kind = payload.get("kind")
    title = payload.get("title") or ""
    reminder = _("Reminder: ") if payload.get("reminder") else ""
    if kind == "per_case":
        subject = _("Please confirm and rate: %(title)s") % {"title": title}
        headline = _(
            "We have resolved your request. Please tell us whether the solution works and "
            "how satisfied you are (1 = poor, 5 = excellent). The link below works once, "
            "without signing in."
        )
    elif kind == "random":
        subject = _("A short satisfaction survey: %(title)s") % {"title": title}
        headline = _(
            "Your request was closed recently. Would you rate our service in one minute? "
            "The link below works once, without signing in."
        )
    else:
        subject = _("Satisfaction survey: %(title)s") % {"title": title}
        headline = _(
            "We visit our customers regularly to hear how we are doing: four short questions "
            "on our overall service, responsiveness and professionalism. The link below "
            "works once, without signing in."
        )
    return event_mail(
        payload,
        number=payload.get("ticket") or "",
        record_label=_("Ticket") if payload.get("ticket") else _("Satisfaction survey"),
        thread_kind="ticket",
        subject=f"{reminder}{subject}",
        headline=headline,
        facts=[(_("Link valid until"), local_time(payload.get("expires_at")))],
        action=_("Answer the survey:"),
    )
