"""Template tags that bring maintenance facts onto pages owned by other apps.

The staff ticket page includes ``maintenance/_ticket_work_orders.html``, which calls
``{% ticket_work_orders ticket %}``: tickets' views stay free of maintenance imports
(imports point maintenance -> tickets, never back).
"""

from __future__ import annotations

from typing import Any

from django import template

from servicedesk.badges import badges_for
from servicedesk.permissions import can_draft

from .. import selectors

register = template.Library()


@register.inclusion_tag("maintenance/_ticket_work_orders_card.html", takes_context=True)
def ticket_work_orders(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The ticket's work orders and, for those who may draft, the "Draft work order" form."""
    user = context["user"]
    return {
        "ticket": ticket,
        "work_orders": selectors.ticket_work_orders(user, ticket),
        "can_draft": can_draft(user),
    }


@register.simple_tag(takes_context=True)
def approvals_waiting(context: template.Context) -> int | None:
    """How many orders await the signed-in user's signature (None: not a signer)."""
    request = context.get("request")
    if request is not None and getattr(request, "user", None) is not None:
        return badges_for(request).get("approvals")  # with the header's other badges
    user = context.get("user")
    return selectors.approvals_count(user) if user is not None else None
