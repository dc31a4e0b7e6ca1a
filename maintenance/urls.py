"""Staff pages of product maintenance (namespace "maintenance")."""

from django.urls import path

from . import views

app_name = "maintenance"
wo = "work-orders/<int:pk>"
urlpatterns = [
    path("work-orders/", views.work_order_list, name="work-orders"),
    path(f"{wo}/", views.work_order_detail, name="work-order"),
    path(f"{wo}/submit/", views.work_order_submit, name="work-order-submit"),
    path(f"{wo}/approve/", views.work_order_approve, name="work-order-approve"),
    path(f"{wo}/reject/", views.work_order_reject, name="work-order-reject"),
    path(f"{wo}/start-analysis/", views.work_order_start_analysis, name="work-order-start"),
    path(f"{wo}/analysis/", views.work_order_analyse, name="work-order-analyse"),
    path(f"{wo}/fix/", views.work_order_fix, name="work-order-fix"),
    path(f"{wo}/test/", views.work_order_test, name="work-order-test"),
    path(f"{wo}/deliver/", views.work_order_deliver, name="work-order-deliver"),
    path(f"{wo}/close/", views.work_order_close, name="work-order-close"),
    path(f"{wo}/cancel/", views.work_order_cancel, name="work-order-cancel"),
    path(f"{wo}/link-ticket/", views.work_order_link_ticket, name="work-order-link"),
    path("from-ticket/<int:ticket_pk>/", views.draft_from_ticket, name="draft-from-ticket"),
    path("approvals/", views.approval_inbox, name="approvals"),
    path("fault-log/", views.fault_log, name="fault-log"),
    path("fault-log/export.csv", views.fault_log_export_csv, name="fault-log-csv"),
    path("fault-log/export.xlsx", views.fault_log_export_xlsx, name="fault-log-xlsx"),
    path("calendar/", views.maintenance_calendar, name="calendar"),
]
