"""Every state change of SLA data, one module per concern: ``policies`` (the default
policy, new policies and versions), ``calendars`` (business calendars and their holidays),
``clocks`` (what tickets start, pause, resume, stop and retarget). Pure arithmetic is
``sla.arithmetic``, reads are ``sla.selectors``. Re-exported here, so callers write
``from sla.services import clocks_plan``. The lock order is in ``clocks``.
"""

from servicedesk.permissions import is_manager

from ..arithmetic import Deadlines, deadlines, reached, target_minutes
from ..selectors import calendar_dependents
from .calendars import (
    calendar_delete,
    calendar_holidays_add,
    calendar_save,
    calendar_validate,
)
from .clocks import (
    PLAN_CACHE_SECONDS,
    clocks_plan,
    clocks_retarget,
    clocks_save,
    clocks_update,
    elapsed_minutes,
    level_times,
    next_check,
    plan_cache_clear,
    schedule,
)
from .policies import (
    CALENDAR_24X7,
    CALENDAR_STANDARD,
    DEFAULT_LEVELS,
    DEFAULT_POLICY_NAME,
    DEFAULT_TARGETS,
    MAX_AFTER_PERCENT,
    MAX_LEVEL,
    MAX_TARGET_MINUTES,
    current_version_for,
    policy_create,
    policy_ensure_default,
    policy_version_create,
)

__all__ = [
    "CALENDAR_24X7",
    "CALENDAR_STANDARD",
    "DEFAULT_LEVELS",
    "DEFAULT_POLICY_NAME",
    "DEFAULT_TARGETS",
    "MAX_AFTER_PERCENT",
    "MAX_LEVEL",
    "MAX_TARGET_MINUTES",
    "Deadlines",
    "PLAN_CACHE_SECONDS",
    "calendar_delete",
    "calendar_dependents",
    "calendar_holidays_add",
    "calendar_save",
    "calendar_validate",
    "clocks_plan",
    "clocks_retarget",
    "clocks_save",
    "clocks_update",
    "current_version_for",
    "deadlines",
    "elapsed_minutes",
    "is_manager",
    "level_times",
    "next_check",
    "plan_cache_clear",
    "policy_create",
    "policy_ensure_default",
    "policy_version_create",
    "reached",
    "schedule",
    "target_minutes",
]
