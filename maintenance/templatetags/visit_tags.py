"""回访 and 上门服务 on pages owned by tickets: ``{% visits_panel ticket %}`` on the staff
ticket page and ``{% portal_visits ticket %}`` on the portal's (through the templates
registered in ``tickets.panels``, so tickets' views import nothing of maintenance)."""

from __future__ import annotations

from typing import Any

from django import template

from servicedesk.permissions import is_customer_user, is_staff_user

from ..views import visits

register = template.Library()


@register.inclusion_tag("maintenance/_visits_card.html", takes_context=True)
def visits_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The ticket's visits and follow-ups with their forms; nothing for non-staff."""
    user = context["user"]
    if not is_staff_user(user):
        return {"hidden": True}
    return visits.panel_context(user, ticket)


@register.inclusion_tag("maintenance/_portal_visits_card.html", takes_context=True)
def portal_visits(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The customer's view of the ticket's visits, with the confirmation of a done one."""
    user = context["user"]
    if not is_customer_user(user):
        return {"hidden": True}
    return visits.portal_context(user, ticket)
