"""What a client may send. These check shape and types; the rules (roles, the state machine,
required reasons) stay in ``maintenance.services``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.api.serializers import InputSerializer
from servicedesk.choices import STAFF_ROLES
from servicedesk.models import Product, ProductVersion, Team, User
from tickets.models import Ticket

from ...choices import RootCause, WorkMode, WorkOrderKind
from ...models import SEVERITIES, WorkOrder
from ...selectors.service_hours import TOTAL_GROUPS

MAX_ID = 2**63 - 1
MAX_TICKETS = 100
LONG_TEXT = 20_000

SERVER_SET = {
    "status": _("Set by the workflow: use the step endpoints (submit, approve, ...)."),
    "number": _("Given by the server."),
    "drafted_by": _("You are the drafter."),
}


def _reject_keys(serializer: serializers.Serializer, rules: Mapping[str, Any]) -> None:
    """400 for keys a client may not send, each with the reason (never silently dropped)."""
    data = serializer.initial_data
    if isinstance(data, Mapping):
        errors = {key: [reason] for key, reason in rules.items() if key in data}
        if errors:
            raise serializers.ValidationError(errors)


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The work order version you last read; a stale one gets 409 stale_version. "
            "Alternatively send the If-Match header."
        ),
    )


def _text(required: bool = False, max_length: int = LONG_TEXT) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=max_length, allow_blank=True)
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default=""
    )


def _staff() -> Any:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES)


class WorkOrderCreateSerializer(InputSerializer):
    kind = serializers.ChoiceField(
        choices=[
            (WorkOrderKind.CORRECTIVE, WorkOrderKind.CORRECTIVE.label),
            (WorkOrderKind.PERFECTIVE, WorkOrderKind.PERFECTIVE.label),
        ],
        help_text=_("Inspections (preventive) come from maintenance plans."),
    )
    title = serializers.CharField(max_length=200)
    description = _text()
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=MAX_TICKETS,
        help_text=_("Ticket ids to link; the first one's facts fill an empty description."),
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, default=None
    )
    severity = serializers.ChoiceField(
        choices=SEVERITIES, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _reject_keys(self, {**SERVER_SET, "team": _("Use PATCH after drafting.")})
        return attrs

    def validate_tickets(self, value: list[int]) -> list[Ticket]:
        """Every id must be a ticket the caller may see; foreign and unknown are the same."""
        ids = list(dict.fromkeys(value))
        user = self.context["request"].user
        found = {t.pk: t for t in Ticket.objects.visible_to(user).filter(pk__in=ids)}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(
                _("Unknown tickets: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            )
        return [found[pk] for pk in ids]


class WorkOrderUpdateSerializer(InputSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_staff(), required=False, allow_null=True, help_text=_("An active staff member.")
    )
    version = _version()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _reject_keys(
            self,
            {
                **SERVER_SET,
                "kind": _("The kind of a work order cannot change."),
                "tickets": _("Use POST /work-orders/{id}/tickets."),
                "product": _("The product of a work order cannot change."),
                "severity": _("The analysis confirms the severity."),
            },
        )
        return attrs


class VersionOnlySerializer(InputSerializer):
    version = _version()


class ApproveSerializer(InputSerializer):
    comment = _text(max_length=2000)
    version = _version()


class RejectSerializer(InputSerializer):
    reason = _text(required=True, max_length=2000)
    version = _version()


class AnalysisSerializer(InputSerializer):
    root_cause = serializers.ChoiceField(choices=RootCause.choices)
    cause = serializers.CharField(max_length=LONG_TEXT, allow_blank=True)
    confirmed_severity = serializers.ChoiceField(choices=SEVERITIES)
    software_change = serializers.BooleanField()
    affected_versions = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.all(), many=True, required=False, default=list
    )
    report = _text(max_length=100_000)
    version = _version()


class FixSerializer(InputSerializer):
    change = serializers.CharField(max_length=LONG_TEXT, allow_blank=True)
    manual_updated = serializers.BooleanField(required=False, default=False)
    manual_section = _text(max_length=200)
    version = _version()


class TestResultSerializer(InputSerializer):
    passed = serializers.BooleanField()
    notes = _text()
    version = _version()


class DeliverSerializer(InputSerializer):
    note = serializers.CharField(
        max_length=LONG_TEXT,
        allow_blank=True,
        help_text=_("What the customers are told, as a public reply on each linked ticket."),
    )
    version = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The product version (release or patch) with the fix; required when the "
            "software changed. Send the work order version as If-Match here."
        ),
    )


class CancelSerializer(InputSerializer):
    reason = _text(required=True, max_length=2000)


class LinkTicketSerializer(InputSerializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def validate_ticket(self, value: int) -> Ticket:
        user = self.context["request"].user
        ticket = Ticket.objects.visible_to(user).filter(pk=value).first()
        if ticket is None:
            raise serializers.ValidationError(_("Unknown ticket."))
        return ticket


class TimeEntryCreateSerializer(InputSerializer):
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), required=False, allow_null=True, default=None
    )
    work_order = serializers.PrimaryKeyRelatedField(
        queryset=WorkOrder.objects.all(), required=False, allow_null=True, default=None
    )
    worked_on = serializers.DateField(help_text=_("The day worked: today or earlier."))
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    mode = serializers.ChoiceField(choices=WorkMode.choices)
    note = _text(max_length=300)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _reject_keys(self, {"user": _("You record your own time.")})
        return attrs


class TimeTotalsQuerySerializer(InputSerializer):
    group_by = serializers.ChoiceField(choices=[(g, g) for g in TOTAL_GROUPS])
    locals()["from"] = serializers.DateField(required=False, help_text=_("First day (inclusive)."))
    locals()["to"] = serializers.DateField(required=False, help_text=_("Last day (inclusive)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("Before the first day.")]})
        return attrs
