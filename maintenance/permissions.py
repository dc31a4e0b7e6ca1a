"""Who may see and sign what in product maintenance. Pages and the API share these rules;
the role predicates (``can_draft``, ``can_engineer``, ``can_test``, ``is_manager``) are the
policy of ``servicedesk.permissions``.

Customers never see work orders, plans or the fault log (they learn of fixes through their
tickets' replies and the downloads): every maintenance read goes through
``work_order_visibility_q``, which gives them nothing, so a foreign or internal id is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from servicedesk.permissions import is_manager, is_staff_user

NOTHING = Q(pk__in=[])


def work_order_visibility_q(user: Any) -> Q:
    return Q() if is_staff_user(user) else NOTHING


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
