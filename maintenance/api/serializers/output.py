"""What the work-order, fault-log and service-hours API answers (read-only)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.api.serializers import (
    OutputSerializer,
    ProductRefSerializer,
    ProductVersionRefSerializer,
    TeamRefSerializer,
    UserRefSerializer,
)

from ...choices import WorkOrderKind
from ...models import FaultLogEntry, TimeEntry, WorkOrder, WorkOrderEvent
from ...workflow import PREVENTIVE_TRANSITIONS, WORK_ORDER_TRANSITIONS, allowed


class NumberRefSerializer(serializers.Serializer):
    """A ticket or work order named by its number."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)


class LinkedTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    severity = serializers.CharField(read_only=True)
    sla_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("The earliest deadline of the ticket's running SLA clocks."),
    )
    resolution_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deadline = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_(
            "sla_due_at, else resolution_due_at, while the ticket is open; null once it is "
            "closed. Business minutes left are on GET /tickets/{id}/."
        ),
    )
    overdue = serializers.BooleanField(read_only=True, default=False)


class WorkOrderListSerializer(OutputSerializer):
    """A row of the list and the approval inbox."""

    product = ProductRefSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    drafted_by = UserRefSerializer(read_only=True)
    tickets = LinkedTicketSerializer(many=True, read_only=True)
    deadline = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The earliest deadline of the open linked tickets."),
    )
    overdue = serializers.BooleanField(read_only=True, default=False)
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_(
            "The statuses the order's workflow allows next (roles are checked on the step)."
        )
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "kind", "status", "title", "severity", "product", "team",
            "assignee", "drafted_by", "submitted_at", "created_at", "updated_at", "version",
            "tickets", "deadline", "overdue", "allowed_transitions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj: WorkOrder) -> list[str]:
        table = PREVENTIVE_TRANSITIONS if obj.kind == WorkOrderKind.PREVENTIVE else None
        return allowed(table or WORK_ORDER_TRANSITIONS, obj.status)


class WorkOrderSerializer(WorkOrderListSerializer):
    """One work order with its sign-off, analysis, fix, test and delivery."""

    approved_by = UserRefSerializer(read_only=True)
    approved_for = UserRefSerializer(
        read_only=True, help_text=_("The manager a deputy signed for.")
    )
    cause = serializers.CharField(source="root_cause_text", read_only=True)
    affected_versions = ProductVersionRefSerializer(many=True, read_only=True)
    fixed_by = UserRefSerializer(read_only=True)
    tested_by = UserRefSerializer(read_only=True)
    delivered_version = ProductVersionRefSerializer(read_only=True)

    class Meta(WorkOrderListSerializer.Meta):
        fields = [
            *WorkOrderListSerializer.Meta.fields,
            "description", "approved_by", "approved_for", "approved_at", "rejection_reason",
            "root_cause", "cause", "confirmed_severity", "software_change",
            "affected_versions", "analysis_report", "analysed_at",
            "change_summary", "fixed_by", "manual_updated", "manual_section",
            "tested_by", "test_result", "test_notes",
            "delivered_version", "delivery_note", "delivered_at", "cancel_reason",
            "occurrence", "checklist",
        ]  # fmt: skip
        read_only_fields = fields


class WorkOrderEventSerializer(OutputSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True)

    class Meta:
        model = WorkOrderEvent
        fields = ["id", "kind", "actor", "data", "created_at"]
        read_only_fields = fields


class FaultLogEntrySerializer(OutputSerializer):
    """产品故障记录: one line of the product fault log."""

    product = ProductRefSerializer(read_only=True)
    date = serializers.DateField(source="recorded_on", read_only=True)
    affected_versions = ProductVersionRefSerializer(many=True, read_only=True)
    fixed_version = ProductVersionRefSerializer(read_only=True, allow_null=True)
    tickets = serializers.SerializerMethodField(help_text=_("The ticket numbers."))
    work_order = NumberRefSerializer(read_only=True)

    class Meta:
        model = FaultLogEntry
        fields = [
            "id", "product", "date", "severity", "cause", "summary", "affected_versions",
            "fixed_version", "tickets", "work_order",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tickets(self, obj: FaultLogEntry) -> list[str]:
        return [ticket.number for ticket in obj.tickets.all()]


class TimeEntrySerializer(OutputSerializer):
    """服务机时: time a staff member spent on a ticket or a work order."""

    user = UserRefSerializer(read_only=True)
    ticket = NumberRefSerializer(read_only=True, allow_null=True)
    work_order = NumberRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id", "user", "ticket", "work_order", "worked_on", "minutes", "mode", "note",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class TimeTotalSerializer(serializers.Serializer):
    key = serializers.IntegerField(
        allow_null=True, help_text=_("The id of the ticket, work order, organization or user.")
    )
    label = serializers.CharField(help_text=_("Its number or name; empty for none."))
    minutes = serializers.IntegerField()
    entries = serializers.IntegerField()


class TimeTotalsSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    minutes = serializers.IntegerField(help_text=_("All rows together."))
    results = TimeTotalSerializer(many=True)


def totals_payload(group_by: str, date_from: Any, date_to: Any, rows: list[dict]) -> dict:
    return {
        "group_by": group_by,
        "date_from": date_from,
        "date_to": date_to,
        "minutes": sum(row["minutes"] or 0 for row in rows),
        "results": rows,
    }
