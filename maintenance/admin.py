"""Django admin for product maintenance.

Work orders, plans and their decisions change through the services (pages and API), so the
admin shows them read-only; deputies are plain records kept here (Django's admin log records
who changed them).
"""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Deputy,
    FaultLogEntry,
    FollowUp,
    InspectionCheck,
    InspectionDueNotice,
    MaintenancePlan,
    OnSiteVisit,
    PlanEvent,
    PlanItem,
    TimeEntry,
    VisitEvent,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderSequence,
    WorkOrderTicket,
)


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "kind", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "status", "title", "product", "drafted_by", "created_at"]
    list_filter = ["kind", "status", "product"]
    search_fields = ["number", "title"]
    inlines = [WorkOrderEventInline]


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["manager", "deputy", "starts_on", "ends_on"]
    raw_id_fields = ["manager", "deputy"]


@admin.register(FaultLogEntry)
class FaultLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["product", "recorded_on", "severity", "cause", "summary", "fixed_version"]
    list_filter = ["product", "severity", "cause"]


class PlanItemInline(ReadOnlyInline):
    model = PlanItem


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "contract", "starts_on", "ends_on", "status", "team"]
    list_filter = ["status"]
    inlines = [PlanItemInline]


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ["user", "worked_on", "minutes", "mode", "ticket", "work_order"]
    list_filter = ["mode"]
    raw_id_fields = ["ticket", "work_order"]


@admin.register(InspectionCheck)
class InspectionCheckAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "item", "outcome"]


@admin.register(WorkOrderEvent)
class WorkOrderEventAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["work_order"]


@admin.register(WorkOrderTicket)
class WorkOrderTicketAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "ticket", "created_at"]
    raw_id_fields = ["work_order", "ticket"]


@admin.register(PlanItem)
class PlanItemAdmin(ReadOnlyAdmin):
    list_display = ["plan", "title", "recurrence", "lead_days"]


@admin.register(WorkOrderSequence)
class WorkOrderSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]


@admin.register(PlanEvent)
class PlanEventAdmin(ReadOnlyAdmin):
    list_display = ["plan", "kind", "actor", "created_at"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "due_at", "assignee", "outcome", "done_at"]
    list_filter = ["outcome"]
    raw_id_fields = ["ticket"]


@admin.register(OnSiteVisit)
class OnSiteVisitAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "status", "engineer", "due_at", "arrived_at", "departed_at"]
    list_filter = ["status"]
    raw_id_fields = ["ticket", "time_entry"]


@admin.register(VisitEvent)
class VisitEventAdmin(ReadOnlyAdmin):
    list_display = ["visit", "follow_up", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["visit", "follow_up"]


@admin.register(InspectionDueNotice)
class InspectionDueNoticeAdmin(ReadOnlyAdmin):
    list_display = ["work_order", "day", "created_at"]
    raw_id_fields = ["work_order"]
