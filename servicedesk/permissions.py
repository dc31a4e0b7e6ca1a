"""The permission policy: who is staff, who is a customer, and which roles may take which
step, for every app. Pages, the API and the services ask these predicates; nothing else
compares roles.

Visibility rules that need an app's own tables stay in that app, built on these:
``tickets.permissions`` (the ticket chokepoint) and ``maintenance.permissions`` (work-order
visibility, deputies who sign for a manager).
"""

from __future__ import annotations

from typing import Any

from .choices import Role

MANAGER_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
TRIAGE_ROLES = frozenset({Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.ADMIN})
ASSIGN_ROLES = TRIAGE_ROLES
HOTLINE_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})
DRAFT_ROLES = frozenset({Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.ADMIN})
ENGINEERING_ROLES = frozenset({Role.ENGINEER, Role.MANAGER, Role.ADMIN})
TEST_ROLES = frozenset({Role.TESTER, Role.MANAGER, Role.ADMIN})


def is_staff_user(user: Any) -> bool:
    """Signed in, active, with a staff role."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff_member)


def is_customer_user(user: Any) -> bool:
    """Signed in, active, a customer of an organization."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.role == Role.CUSTOMER
        and user.organization_id
    )


def is_manager(user: Any) -> bool:
    """A service-center manager or an administrator (a superuser of staff counts as one).

    The one rule for SLA policies, sign-off, deadline changes and the admin link."""
    return is_staff_user(user) and (user.role in MANAGER_ROLES or user.is_superuser)


def can_triage(user: Any) -> bool:
    return is_staff_user(user) and user.role in TRIAGE_ROLES


def can_assign(user: Any) -> bool:
    return is_staff_user(user) and user.role in ASSIGN_ROLES


def can_log_call(user: Any) -> bool:
    return is_staff_user(user) and user.role in HOTLINE_ROLES


def can_draft(user: Any) -> bool:
    """Draft work orders and plans, record installed versions."""
    return is_staff_user(user) and user.role in DRAFT_ROLES


def can_engineer(user: Any) -> bool:
    """Analyse and fix faults, upload patches, edit release notes."""
    return is_staff_user(user) and user.role in ENGINEERING_ROLES


def can_test(user: Any) -> bool:
    return is_staff_user(user) and user.role in TEST_ROLES


def can_see_all_metrics(user: Any) -> bool:
    """Every service group's figures: managers, and staff granted the permission
    ``servicedesk.view_all_metrics``; other staff see their own groups' (reports)."""
    return is_manager(user) or (
        is_staff_user(user) and user.has_perm("servicedesk.view_all_metrics")
    )
