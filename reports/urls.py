from django.urls import path

from . import views
from .views import exports, runs, schedules

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("runs/", runs.run_list, name="runs"),
    path("runs/new/", runs.run_new, name="run-new"),
    path("runs/<int:pk>/", runs.run_detail, name="run"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run-progress"),
    path("runs/<int:pk>/cancel/", runs.run_cancel, name="run-cancel"),
    path("runs/<int:pk>/report.xlsx", runs.run_xlsx, name="run-xlsx"),
    path("runs/<int:pk>/print/", runs.run_print, name="run-print"),
    path("tickets/<int:pk>/service-report/", exports.service_report_page, name="service-report"),
    path("tickets.csv", exports.tickets_csv, name="tickets-csv"),
    path("tickets.xlsx", exports.tickets_xlsx, name="tickets-xlsx"),
    path("schedules/", schedules.schedule_list, name="schedules"),
    path("schedules/new/", schedules.schedule_edit, name="schedule-new"),
    path("schedules/<int:pk>/", schedules.schedule_edit, name="schedule"),
]
