"""Who may see and do what in product maintenance. Pages and the API share these rules.

Customers never see work orders, plans or the fault log (they learn of fixes through their
tickets' replies and the downloads): every maintenance read goes through
``work_order_visibility_q``, which gives them nothing, so a foreign or internal id is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from servicedesk.choices import Role
from tickets.permissions import is_staff_user

NOTHING = Q(pk__in=[])
MANAGER_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
DRAFT_ROLES = frozenset({Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.ADMIN})
ENGINEERING_ROLES = frozenset({Role.ENGINEER, Role.MANAGER, Role.ADMIN})
TEST_ROLES = frozenset({Role.TESTER, Role.MANAGER, Role.ADMIN})


def work_order_visibility_q(user: Any) -> Q:
    return Q() if is_staff_user(user) else NOTHING


def is_manager(user: Any) -> bool:
    return is_staff_user(user) and (user.role in MANAGER_ROLES or user.is_superuser)


def can_draft(user: Any) -> bool:
    return is_staff_user(user) and user.role in DRAFT_ROLES


def can_engineer(user: Any) -> bool:
    return is_staff_user(user) and user.role in ENGINEERING_ROLES


def can_test(user: Any) -> bool:
    return is_staff_user(user) and user.role in TEST_ROLES


def deputised_managers(user: Any, on: dt.date | None = None) -> list[int]:
    """The managers ``user`` may sign for today (as their deputy)."""
    from .models import Deputy

    if not is_staff_user(user):
        return []
    day = on or timezone.localdate()
    return list(
        Deputy.objects.filter(deputy=user, starts_on__lte=day, ends_on__gte=day)
        .order_by("manager_id")
        .values_list("manager_id", flat=True)
    )


def can_sign(user: Any) -> bool:
    """A manager, or a deputy within their date range."""
    return is_manager(user) or bool(deputised_managers(user))
