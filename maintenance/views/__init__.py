"""Staff pages of product maintenance: work orders, approvals, fault log, calendar.

Thin pages: reads through ``maintenance.selectors`` (the visibility rule of
``maintenance.permissions``), writes through ``maintenance.services``. Members of staff
only; others get a 403 page.
"""

from .approvals import approval_inbox, work_order_approve, work_order_reject
from .calendar import maintenance_calendar
from .fault_log import fault_log, fault_log_export_csv, fault_log_export_xlsx
from .work_orders import (
    draft_from_ticket,
    work_order_analyse,
    work_order_cancel,
    work_order_close,
    work_order_deliver,
    work_order_detail,
    work_order_fix,
    work_order_link_ticket,
    work_order_list,
    work_order_start_analysis,
    work_order_submit,
    work_order_test,
)

__all__ = [
    "approval_inbox",
    "draft_from_ticket",
    "fault_log",
    "fault_log_export_csv",
    "fault_log_export_xlsx",
    "maintenance_calendar",
    "work_order_analyse",
    "work_order_approve",
    "work_order_cancel",
    "work_order_close",
    "work_order_deliver",
    "work_order_detail",
    "work_order_fix",
    "work_order_link_ticket",
    "work_order_list",
    "work_order_reject",
    "work_order_start_analysis",
    "work_order_submit",
    "work_order_test",
]
