"""Report API routes. Collections end with a slash; actions (RPC-style POSTs) do not."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...>)

from .views import ReportRunViewSet, ReportScheduleViewSet

R = ReportRunViewSet
S = ReportScheduleViewSet

urlpatterns = [
    path("report-runs/", R.as_view({"get": "list", "post": "create"}), name="api-report-runs"),
    path("report-runs/<id:pk>/", R.as_view({"get": "retrieve"}), name="api-report-run"),
    path("report-runs/<id:pk>/cancel", R.as_view({"post": "cancel"}), name="api-report-run-cancel"),
    path(
        "report-schedules/",
        S.as_view({"get": "list", "post": "create"}),
        name="api-report-schedules",
    ),
    path(
        "report-schedules/<id:pk>/",
        S.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-report-schedule",
    ),
]
