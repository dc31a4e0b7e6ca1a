"""The work-order and plan state machines as data. Pure: no database.

Services call ``assert_can_move`` before changing ``status``; a refused step is a 409 that
names the allowed ones.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from servicedesk.errors import InvalidTransition

from .choices import OPEN_WORK_ORDER_STATUSES, PlanStatus, VisitStatus
from .choices import WorkOrderStatus as S

# from-status -> the statuses a work order may move to (who may is the services' business:
# approving needs a manager, testing a tester other than the fixer, ...).
WORK_ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.DRAFT, S.CANCELLED}),  # draft = rejected
    S.APPROVED: frozenset({S.ANALYSIS, S.CANCELLED}),
    # No software change (workaround, configuration): analysis goes straight to delivered.
    S.ANALYSIS: frozenset({S.FIXING, S.DELIVERED, S.CANCELLED}),
    S.FIXING: frozenset({S.TESTING, S.CANCELLED}),
    S.TESTING: frozenset({S.DELIVERED, S.FIXING, S.CANCELLED}),  # fixing = test failed
    S.DELIVERED: frozenset({S.DONE}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}

# Preventive orders (inspections) need no sign-off of their own: the plan was signed.
PREVENTIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPROVED: frozenset({S.DONE, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}

PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    PlanStatus.DRAFT: frozenset({PlanStatus.SUBMITTED}),
    PlanStatus.SUBMITTED: frozenset({PlanStatus.APPROVED, PlanStatus.DRAFT}),
    PlanStatus.APPROVED: frozenset({PlanStatus.CLOSED}),
    PlanStatus.CLOSED: frozenset(),
}


# 上门服务: requested -> scheduled (appointment, engineer) -> on site (arrival) -> done
# (departure, report) -> confirmed or refused by the customer. A visit may be re-scheduled
# before the engineer arrives, and cancelled until then.
V = VisitStatus
VISIT_TRANSITIONS: dict[str, frozenset[str]] = {
    V.REQUESTED: frozenset({V.SCHEDULED, V.CANCELLED}),
    V.SCHEDULED: frozenset({V.SCHEDULED, V.ON_SITE, V.CANCELLED}),
    V.ON_SITE: frozenset({V.DONE}),
    V.DONE: frozenset({V.CONFIRMED, V.REFUSED}),
    V.CONFIRMED: frozenset(),
    V.REFUSED: frozenset(),
    V.CANCELLED: frozenset(),
}


def cancellable(status: str) -> bool:
    return status in OPEN_WORK_ORDER_STATUSES


def allowed(table: dict[str, frozenset[str]], current: str) -> list[str]:
    return sorted(table.get(current, frozenset()))


def assert_can_move(table: dict[str, frozenset[str]], current: str, target: str) -> None:
    """Raise a 409 unless the table allows ``current`` -> ``target``."""
    if target not in table.get(current, frozenset()):
        names = allowed(table, current)
        raise InvalidTransition(
            _("This cannot go from “%(from)s” to “%(to)s”. Allowed: %(allowed)s.")
            % {"from": current, "to": target, "allowed": ", ".join(names) or "-"},
            extra={"allowed": names},
        )
