"""The "inspection due" notification (定期巡检): each morning an open scheduled inspection
whose date has come tells its assignee (else its service group's lead), once per day, by
the channel they chose for the topic (``maintenance.services.notices``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.mail import Rendered, event_mail
from servicedesk.notifications import topic
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
