"""Who sees which report runs and schedules (the roles are ``servicedesk.permissions``).

Staff see every run. A customer sees the customer service reports of their own
organization (those they requested and those staff or a schedule generated for it), never a
maintenance report and never another organization's: 404, as for tickets. Schedules are for
managers only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from servicedesk.permissions import is_customer_user, is_manager, is_staff_user

from .models import ReportKind

NOTHING = Q(pk__in=[])


def run_visibility_q(user: Any) -> Q:
    if is_staff_user(user):
        return Q()
    if is_customer_user(user):
        return Q(kind=ReportKind.SERVICE, organization_id=user.organization_id)
    return NOTHING


def can_request_run(user: Any, kind: str) -> bool:
    return is_staff_user(user) or (is_customer_user(user) and kind == ReportKind.SERVICE)


def can_manage_schedules(user: Any) -> bool:
    return is_manager(user)
