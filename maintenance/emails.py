"""Sign-off notifications (签发): a submitted work order tells the service-center managers
that it needs their approval; the decision tells whoever drafted it. Written by the
work-order services through ``servicedesk.notifications.notify``, in their transactions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.choices import STAFF_ROLES
from servicedesk.mail import Rendered, event_mail, local_time
from servicedesk.models import User
from servicedesk.notifications import notify, recipient_for_user, topic
from servicedesk.outbox import renderer
from servicedesk.permissions import MANAGER_ROLES

from .choices import WorkOrderKind

APPROVAL_NEEDED = topic(
    "work_order.approval_needed", gettext_lazy("Work order awaiting my sign-off"), audience="staff"
)
DECIDED = topic(
    "work_order.decided", gettext_lazy("Sign-off decision on my work order"), audience="staff"
)


def work_order_payload(order: Any, **payload: Any) -> dict[str, Any]:
    return {
        "work_order": order.number,
        "title": order.title,
        "kind": order.kind,
        "path": reverse("maintenance:work-order", args=[order.pk]),
        **payload,
    }


def notify_approval_needed(order: Any, actor: User) -> None:
    """Every active manager but the one who submitted it (nobody signs their own draft)."""
    managers = User.objects.filter(
        Q(role__in=MANAGER_ROLES) | Q(is_superuser=True, role__in=STAFF_ROLES),
        is_active=True,
    ).exclude(pk__in=[actor.pk, order.drafted_by_id or 0])
    payload = work_order_payload(
        order, submitted_by=str(actor), submitted_at=order.submitted_at.isoformat()
    )
    for manager in managers.select_related("organization").order_by("pk"):
        notify(recipient_for_user(manager), APPROVAL_NEEDED.code, payload)


def notify_decided(order: Any, actor: User, *, approved: bool, text: str) -> None:
    drafter = order.drafted_by
    if drafter is None or drafter == actor or not drafter.is_active:
        return
    payload = work_order_payload(order, approved=approved, decided_by=str(actor), body=text)
    notify(recipient_for_user(drafter), DECIDED.code, payload)


@renderer(APPROVAL_NEEDED.code)
def approval_needed_email(topic: str, payload: dict[str, Any]) -> Rendered:
    kind = _kind(payload.get("kind"))
    return event_mail(
        payload,
        number=payload.get("work_order", ""),
        record_label=_("Work order"),
        thread_kind="work-order",
        subject=_("Sign-off needed: %(title)s") % {"title": payload.get("title", "")},
        headline=_("%(person)s submitted a %(kind)s for your sign-off.")
        % {"person": payload.get("submitted_by") or _("A colleague"), "kind": kind},
        facts=[(_("Submitted"), local_time(payload.get("submitted_at")))],
        action=_("Approve or reject it on the work order page:"),
    )


@renderer(DECIDED.code)
def decided_email(topic: str, payload: dict[str, Any]) -> Rendered:
    approved = bool(payload.get("approved"))
    person = payload.get("decided_by") or _("The service-center manager")
    return event_mail(
        payload,
        number=payload.get("work_order", ""),
        record_label=_("Work order"),
        thread_kind="work-order",
        subject=(_("Approved: %(title)s") if approved else _("Rejected: %(title)s"))
        % {"title": payload.get("title", "")},
        headline=(
            _("%(person)s approved your work order.")
            if approved
            else _("%(person)s rejected your work order; fix it and submit it again.")
        )
        % {"person": person},
        quote=payload.get("body") or "",
        quote_label=_("Comment") if approved else _("Reason"),
    )


def _kind(value: str | None) -> str:
    try:
        return str(WorkOrderKind(value or "").label)
    except ValueError:
        return _("work order")
