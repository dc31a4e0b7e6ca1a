"""Maintenance API routes. Collections end with a slash; actions (RPC-style POSTs) do not."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...> and <ref:...>)

from . import fault_log, inspections, plans, time_entries, visits, work_orders

W = work_orders.WorkOrderViewSet
STEPS = (
    ("submit", "submit"),
    ("approve", "approve"),
    ("reject", "reject"),
    ("start-analysis", "start_analysis"),
    ("analysis", "analysis"),
    ("fix", "fix"),
    ("test", "test"),
    ("deliver", "deliver"),
    ("close", "close"),
    ("cancel", "cancel"),
    ("tickets", "link_ticket"),
)
T = time_entries.TimeEntryViewSet
P = plans.MaintenancePlanViewSet
F = visits.FollowUpViewSet
V = visits.VisitViewSet

urlpatterns = [
    path("work-orders/", W.as_view({"get": "list", "post": "create"}), name="api-wo-list"),
    path(
        "work-orders/<ref:pk>/",
        W.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-wo-detail",
    ),
    path(
        "work-orders/<ref:pk>/events/",
        work_orders.WorkOrderEventsView.as_view(),
        name="api-wo-events",
    ),
    *[
        path(f"work-orders/<ref:pk>/{url}", W.as_view({"post": name}), name=f"api-wo-{url}")
        for url, name in STEPS
    ],
    path("fault-log/", fault_log.FaultLogView.as_view(), name="api-fault-log"),
    path("fault-log/export", fault_log.FaultLogExportView.as_view(), name="api-fault-log-export"),
    path("time-entries/", T.as_view({"get": "list", "post": "create"}), name="api-time-entries"),
    path(
        "time-entries/totals",
        T.as_view({"get": "totals"}, filter_backends=[], pagination_class=None),
        name="api-time-totals",
    ),
    # maintenance plans and their inspections
    path(
        "maintenance-plans/",
        P.as_view({"get": "list", "post": "create"}),
        name="api-plan-list",
    ),
    path(
        "maintenance-plans/<id:pk>/",
        P.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-plan-detail",
    ),
    path(
        "maintenance-plans/<id:pk>/events/", plans.PlanEventsView.as_view(), name="api-plan-events"
    ),
    *[
        path(
            f"maintenance-plans/<id:pk>/{step}", P.as_view({"post": step}), name=f"api-plan-{step}"
        )
        for step in ("submit", "approve", "reject", "close")
    ],
    path(
        "work-orders/<id:pk>/inspection",
        inspections.InspectionView.as_view(),
        name="api-inspection",
    ),
    path(
        "work-orders/<id:pk>/inspection/raise-corrective",
        inspections.RaiseCorrectiveView.as_view(),
        name="api-inspection-raise",
    ),
    # 回访 and 上门服务
    path("follow-ups/", F.as_view({"get": "list"}), name="api-follow-ups"),
    path("follow-ups/<id:pk>/", F.as_view({"get": "retrieve"}), name="api-follow-up"),
    path("follow-ups/<id:pk>/record", F.as_view({"post": "record"}), name="api-follow-up-record"),
    path("visits/", V.as_view({"get": "list", "post": "create"}), name="api-visits"),
    path("visits/<id:pk>/", V.as_view({"get": "retrieve"}), name="api-visit"),
    *[
        path(f"visits/<id:pk>/{step}", V.as_view({"post": step}), name=f"api-visit-{step}")
        for step in ("schedule", "arrive", "depart", "confirm", "cancel")
    ],
]
