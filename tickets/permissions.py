"""Who may see which tickets. Pages and the API share these rules; the role predicates
(``can_triage``, ``can_assign``, ``is_staff_user`` ...) are the policy of
``servicedesk.permissions``.

``ticket_visibility_q`` is the single visibility chokepoint (``Ticket.objects.visible_to``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from servicedesk.permissions import is_customer_user, is_staff_user

from .workflow import CUSTOMER, STAFF

NOTHING = Q(pk__in=[])


def ticket_visibility_q(user: Any) -> Q:
    if is_staff_user(user):
        return Q()
    if is_customer_user(user):
        return Q(organization_id=user.organization_id)
    return NOTHING


def party_of(user: Any) -> str | None:
    if is_staff_user(user):
        return STAFF
    if is_customer_user(user):
        return CUSTOMER
    return None


def can_see_internal(user: Any) -> bool:
    return is_staff_user(user)
