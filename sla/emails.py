"""What the SLA engine's notifications say: one renderer per outbox topic it writes."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from servicedesk.outbox import renderer

CLOCK_LABELS = {
    "response": pgettext_lazy("SLA clock", "response"),
    "resolution": pgettext_lazy("SLA clock", "resolution"),
}
ROLE_LABELS = {
    "assignee": gettext_lazy("the assignee"),
    "team_lead": gettext_lazy("the service group lead"),
    "manager": gettext_lazy("service-center manager"),
    "contract_owner": gettext_lazy("the contract owner"),
}
SUBJECTS = {
    "sla.warning": gettext_noop("SLA warning: %(ticket)s"),
    "sla.breach": gettext_noop("SLA breached: %(ticket)s"),
}


@renderer("sla.warning", "sla.breach")
def escalation_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    subject = _(SUBJECTS[topic]) % {"ticket": payload.get("ticket", "")}
    body = render_to_string(f"email/{topic.replace('.', '_')}.txt", escalation_context(payload))
    return subject, body


def escalation_context(payload: dict[str, Any]) -> dict[str, Any]:
    due = parse_datetime(payload.get("due_at") or "")
    return {
        **payload,
        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else "-",
        "clock_label": CLOCK_LABELS.get(payload.get("clock", ""), payload.get("clock", "")),
        "role_label": ROLE_LABELS.get(payload.get("role", ""), payload.get("role", "")),
        "percent": f"{payload.get('percent', 75)}%",
    }
