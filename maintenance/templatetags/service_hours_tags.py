"""服务机时 on pages owned by other apps: ``{% service_hours_card ticket %}`` on the staff
ticket page (through ``maintenance/_ticket_service_hours.html``, so tickets' views import
nothing of maintenance) and ``{% service_hours_card order %}`` on the work-order page."""

from __future__ import annotations

from typing import Any

from django import template

from servicedesk.permissions import is_staff_user

from ..views import service_hours

register = template.Library()


@register.inclusion_tag("maintenance/_service_hours_card.html", takes_context=True)
def service_hours_card(context: template.Context, subject: Any) -> dict[str, Any]:
    """The subject's entries, total and logging form; nothing at all for non-staff."""
    user = context["user"]
    if not is_staff_user(user):
        return {"hidden": True}
    return service_hours.card_context(user, subject)


@register.filter
def hours_minutes(minutes: int | None) -> str:
    """90 -> "1:30"."""
    return service_hours.hours_minutes(minutes)
