"""Every state change of product maintenance; pages, API, commands and tasks call these."""

from .work_orders import (
    default_kind_for,
    work_order_analyse,
    work_order_approve,
    work_order_cancel,
    work_order_close,
    work_order_deliver,
    work_order_draft,
    work_order_link_ticket,
    work_order_record_fix,
    work_order_record_test,
    work_order_reject,
    work_order_start_analysis,
    work_order_submit,
)

__all__ = [
    "default_kind_for",
    "work_order_analyse",
    "work_order_approve",
    "work_order_cancel",
    "work_order_close",
    "work_order_deliver",
    "work_order_draft",
    "work_order_link_ticket",
    "work_order_record_fix",
    "work_order_record_test",
    "work_order_reject",
    "work_order_start_analysis",
    "work_order_submit",
]
