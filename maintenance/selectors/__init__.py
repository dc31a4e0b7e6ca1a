"""Every read of product maintenance, one module per sub-domain: ``work_orders`` (lists,
detail, events, sign-off inbox), ``fault_log``, ``service_hours``, ``plans`` (plans and
inspections), ``calendar``; ``columns`` holds what rows show of their references. The
functions are re-exported here: ``from maintenance import selectors``."""

from .calendar import inspection_calendar
from .fault_log import fault_log, fault_log_export, filter_fault_log
from .plans import (
    inspection_checks,
    inspection_order_id,
    is_open_inspection,
    next_occurrences,
    plan_events,
    plan_get_for,
    plan_list,
    plan_work_orders,
    plans_awaiting,
    schedule_in_words,
    visible_plans,
)
from .service_hours import (
    TOTAL_GROUPS,
    filter_time_entries,
    time_entries_of,
    time_entry_list,
    time_entry_sum,
    time_entry_totals,
)
from .work_orders import (
    approval_cards,
    approval_inbox,
    approvals_count,
    filter_work_orders,
    ticket_work_orders,
    tickets_awaiting_signature,
    visible_work_orders,
    with_deadlines,
    work_order_events,
    work_order_get_for,
    work_order_list,
    work_order_page,
)

__all__ = [
    "TOTAL_GROUPS",
    "approval_cards",
    "approval_inbox",
    "approvals_count",
    "fault_log",
    "fault_log_export",
    "filter_fault_log",
    "filter_time_entries",
    "filter_work_orders",
    "inspection_calendar",
    "inspection_checks",
    "inspection_order_id",
    "is_open_inspection",
    "next_occurrences",
    "plan_events",
    "plan_get_for",
    "plan_list",
    "plan_work_orders",
    "plans_awaiting",
    "schedule_in_words",
    "ticket_work_orders",
    "tickets_awaiting_signature",
    "time_entries_of",
    "time_entry_list",
    "time_entry_sum",
    "time_entry_totals",
    "visible_plans",
    "visible_work_orders",
    "with_deadlines",
    "work_order_events",
    "work_order_get_for",
    "work_order_list",
    "work_order_page",
]
