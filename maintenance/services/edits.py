"""Editing a work order's facts and responsibility (title, description, team, assignee).

Status, sign-off, analysis and delivery fields change only through their own steps in
``work_orders``; this edit takes the row lock and checks the version like them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, ValidationFailed
from servicedesk.models import Team, User
from servicedesk.permissions import can_draft, is_staff_user

from ..choices import WorkOrderStatus as S
from ..models import WorkOrder
from ._common import event, lock, require, save

EDITABLE_FIELDS = ("title", "description", "team", "assignee")
# Not while it awaits sign-off (the signer reads what was submitted) nor once delivered.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.APPROVED, S.ANALYSIS, S.FIXING, S.TESTING})


@transaction.atomic
def work_order_update(
    order: WorkOrder,
    *,
    actor: User,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> WorkOrder:
    """Change the given fields of a draft or in-progress order; one ``edited`` event names
    the changed fields (old and new values for team and assignee). Nothing changed, nothing
    written."""
    require(actor, can_draft(actor), _("You may not change work orders."))
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here."),
            fields={name: [_("Not editable.")] for name in unknown},
        )
    order = lock(order, actor, expected_version)
    if order.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("A work order awaiting sign-off or finished cannot be edited."),
            code="work_order_locked",
            extra={"status": order.status},
        )
    errors: dict[str, list[str]] = {}
    if "title" in changes and not (changes["title"] or "").strip():
        errors["title"] = [_("A title is required.")]
    assignee = changes.get("assignee")
    if assignee is not None and not (isinstance(assignee, User) and is_staff_user(assignee)):
        errors["assignee"] = [_("Only active staff can be assigned.")]
    team = changes.get("team")
    if team is not None and not isinstance(team, Team):
        errors["team"] = [_("Unknown service group.")]
    if errors:
        raise ValidationFailed(_("The work order has errors."), fields=errors)
    changed: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if name in ("title", "description"):
            value = (value or "").strip()
            if getattr(order, name) != value:
                changed[name] = None
                setattr(order, name, value)
        elif getattr(order, f"{name}_id") != (value.pk if value else None):
            old = getattr(order, name)
            changed[name] = {"from": str(old) if old else None, "to": str(value) if value else None}
            setattr(order, name, value)
    if not changed:
        return order
    save(order, list(changed))
    event(
        order,
        actor,
        "edited",
        fields=sorted(changed),
        **{k: v for k, v in changed.items() if v is not None},
    )
    return order
