from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...>)

from .runs import ReportRunViewSet, ReportScheduleViewSet
from .views import MetricsView

R = ReportRunViewSet
S = ReportScheduleViewSet

# /api/v1/reports/...
urlpatterns = [path("metrics/", MetricsView.as_view(), name="api-reports-metrics")]

# /api/v1/report-runs/ and /api/v1/report-schedules/ (collections of their own)
run_urlpatterns = [
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
