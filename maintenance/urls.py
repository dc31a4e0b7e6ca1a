"""Staff pages of product maintenance (namespace "maintenance")."""

from django.urls import path

from . import views
from .views import plans as plan_views
from .views import service_hours as hours
from .views import visits

app_name = "maintenance"
wo = "work-orders/<int:pk>"
plan = "plans/<int:pk>"
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
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/new/", plan_views.plan_create, name="plan-new"),
    path(f"{plan}/", plan_views.plan_detail, name="plan"),
    path(f"{plan}/edit/", plan_views.plan_edit, name="plan-edit"),
    path(f"{plan}/submit/", plan_views.plan_submit, name="plan-submit"),
    path(f"{plan}/approve/", plan_views.plan_approve, name="plan-approve"),
    path(f"{plan}/reject/", plan_views.plan_reject, name="plan-reject"),
    path(f"{plan}/close/", plan_views.plan_close, name="plan-close"),
    path(f"{wo}/inspection/", plan_views.inspection_complete, name="inspection-complete"),
    path(
        "inspection-checks/<int:pk>/raise/",
        plan_views.inspection_raise_corrective,
        name="inspection-raise",
    ),
    path("service-hours/", hours.service_hours_report, name="service-hours"),
    path("service-hours/export.csv", hours.service_hours_export_csv, name="service-hours-csv"),
    path("service-hours/ticket/<int:ticket_pk>/", hours.ticket_hours, name="ticket-hours"),
    path(f"{wo}/service-hours/", hours.work_order_hours, name="work-order-hours"),
    # 回访 and 上门服务
    path("follow-ups/", visits.follow_ups, name="follow-ups"),
    path("follow-ups/<int:pk>/record/", visits.follow_up_record, name="follow-up-record"),
    path("visits/ticket/<int:ticket_pk>/", visits.visit_request, name="visit-request"),
    path("visits/<int:pk>/report/", visits.visit_report, name="visit-report"),
    path("visits/<int:pk>/confirm/", visits.visit_confirm, name="visit-confirm"),
    path("visits/<int:pk>/<slug:step>/", visits.visit_step, name="visit-step"),
]
