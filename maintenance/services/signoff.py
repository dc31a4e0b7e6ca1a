"""签发 (sign-off), the same for work orders and maintenance plans: who signs for whom, and
the compare-and-set that lets exactly one of two decisions win."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed
from servicedesk.models import User
from servicedesk.permissions import is_manager

from ..permissions import can_sign, deputised_managers
from ..workflow import assert_can_move

Signed = TypeVar("Signed", bound=models.Model)
SUBMITTED = "submitted"


def signing_for(
    record: Any,
    actor: User,
    *,
    require: Callable[[User, bool, str], None],
    own_message: str,
    own_code: str,
) -> User | None:
    """Whom the actor signs ``record`` for: None when signing as a manager; the manager when
    signing as their deputy. ``require`` answers for those who may not sign (403, or 404
    for customers); nobody signs what they drafted themselves (403 ``own_code``)."""
    require(actor, can_sign(actor), _("Only a service-center manager (or their deputy) may sign."))
    if record.drafted_by_id == actor.pk:
        raise NotAllowed(own_message, code=own_code)
    if is_manager(actor):
        return None
    return User.objects.get(pk=deputised_managers(actor)[0])


def decide(
    record: Signed,
    transitions: dict[str, frozenset[str]],
    to_status: str,
    *,
    conflict: str,
    **fields: Any,
) -> Signed:
    """Compare-and-set from "submitted" at the version read: of two decisions at once
    exactly one wins, the other gets 409 ``already_decided`` (``conflict``)."""
    current: Any = record
    if current.status != SUBMITTED:
        assert_can_move(transitions, current.status, to_status)
    manager = type(record)._default_manager
    count = manager.filter(pk=record.pk, status=SUBMITTED, version=current.version).update(
        status=to_status, version=current.version + 1, **fields
    )
    if count != 1:
        raise Conflict(conflict, code="already_decided")
    record.refresh_from_db()
    return record
