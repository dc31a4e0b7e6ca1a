"""Who may see and do what with tickets. Pages and the API share these rules.

``ticket_visibility_q`` is the single visibility chokepoint (``Ticket.objects.visible_to``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from servicedesk.choices import Role

from .workflow import CUSTOMER, STAFF

NOTHING = Q(pk__in=[])

TRIAGE_ROLES = frozenset({Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.ADMIN})
ASSIGN_ROLES = TRIAGE_ROLES
HOTLINE_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})


def is_staff_user(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff_member)


def is_customer_user(user: Any) -> bool:
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.role == Role.CUSTOMER
        and user.organization_id
    )


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


def can_triage(user: Any) -> bool:
    return is_staff_user(user) and user.role in TRIAGE_ROLES


def can_assign(user: Any) -> bool:
    return is_staff_user(user) and user.role in ASSIGN_ROLES


def can_log_call(user: Any) -> bool:
    return is_staff_user(user) and user.role in HOTLINE_ROLES
