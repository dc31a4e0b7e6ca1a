"""What the SLA engine's notifications say: one renderer per outbox topic it writes.

The sweep writes one ``sla.digest`` per staff recipient and sweep (``sla.digest``). Rows of
the single-escalation topics ``sla.warning`` and ``sla.breach``, written before digests,
are rendered as a digest of one ticket.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from servicedesk.mail import site_link
from servicedesk.notifications import topic
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
# Escalations reach staff as one digest per sweep (the sweep writes the rows in bulk,
# sla/digest.py): breaches by email whatever they chose; warnings as each one chose.
DIGEST = topic("sla.digest", gettext_lazy("SLA breaches"), audience="staff", mandatory=True)
WARNING = topic("sla.warning", gettext_lazy("SLA warnings"), audience="staff")
# The staff queue filters a reader follows to see every ticket of a digest.
WARNING_HOURS = 4


@renderer("sla.digest")
def digest_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    context = digest_context(payload)
    subject = ngettext(
        "SLA: %(count)d ticket needs attention (%(breaches)d breached)",
        "SLA: %(count)d tickets need attention (%(breaches)d breached)",
        context["total"],
    ) % {"count": context["total"], "breaches": context["breaches"]}
    return subject, render_to_string("email/sla_digest.txt", context)


@renderer("sla.warning", "sla.breach")
def escalation_email(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    """A single-escalation row written before digests existed, as a digest of one."""
    breach = topic == "sla.breach"
    item = {key: payload.get(key) for key in ("ticket", "title", "clock", "level", "due_at")}
    digest = {
        "at": payload.get("reached_at"),
        "total": 1,
        "breaches": int(breach),
        "escalations": 1,
        "items": [{**item, "breach": breach, "role": payload.get("role", "")}],
    }
    return digest_email("sla.digest", digest)


def digest_context(payload: dict[str, Any]) -> dict[str, Any]:
    items = [_line(item) for item in payload.get("items", [])]
    total = int(payload.get("total", len(items)))
    breaches = int(payload.get("breaches", 0))
    roles = {item["role_label"] for item in items}
    return {
        "at": _local(payload.get("at")),
        "timezone": timezone.get_current_timezone_name(),
        "total": total,
        "breaches": breaches,
        "warnings": total - breaches,
        "items": items,
        "more": max(total - len(items), 0),
        "role_label": roles.pop() if len(roles) == 1 else "",
        "breached_url": _queue_url("sla_breached=true"),
        "soon_url": _queue_url(f"breaching_within={WARNING_HOURS}"),
        "warning_hours": WARNING_HOURS,
    }


def _line(item: dict[str, Any]) -> dict[str, Any]:
    clock = item.get("clock") or ""
    role = item.get("role") or ""
    return {
        **item,
        "due": _local(item.get("due_at")),
        "clock_label": CLOCK_LABELS.get(clock, clock),
        "role_label": str(ROLE_LABELS.get(role, role)),
    }


def _local(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _queue_url(query: str) -> str:
    """The staff queue with one filter, as an absolute link (``SITE_URL``)."""
    try:
        return site_link(f"{reverse('staff:queue')}?{query}")
    except NoReverseMatch:
        return site_link(f"/staff/?{query}")
