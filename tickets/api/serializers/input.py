"""What a client may send: input serializers. They check shape and types; the rules
(who may set what, contracts, the state machine) stay in ``tickets.services``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.api.serializers import InputSerializer
from servicedesk.choices import SkillArea
from servicedesk.models import Contact, Organization, Product, ProductVersion, Team, User
from servicedesk.permissions import is_customer_user

from ...choices import Channel, LinkKind, Severity, TicketKind, TicketStatus, TriageDecision
from .output import MAX_BULK, MAX_FILE_NAME, MAX_ID


def _reject_keys(serializer: serializers.Serializer, rules: Mapping[str, Any]) -> None:
    """400 for keys a client may not send here, each with the reason (never silently dropped)."""
    data = serializer.initial_data
    if not isinstance(data, Mapping):
        return
    errors = {key: [reason] for key, reason in rules.items() if key in data}
    if errors:
        raise serializers.ValidationError(errors)


NOT_ON_CREATE = {
    "status": _("Set by the workflow: use POST /tickets/{id}/transition."),
    "assignee": _("Use POST /tickets/{id}/assign."),
    "team": _("Use POST /tickets/{id}/assign."),
}
STAFF_ONLY_ON_CREATE = {
    "organization": _("Taken from your account; customers cannot set it."),
    "contact": _("Taken from your account; customers cannot set it."),
    "severity": _("Set by staff; propose one with proposed_severity."),
}
NOT_ON_UPDATE = {
    "status": _("Set by the workflow: use POST /tickets/{id}/transition."),
    "assignee": _("Use POST /tickets/{id}/assign."),
    "team": _("Use POST /tickets/{id}/assign."),
    "organization": _("The organization of a ticket cannot change."),
}


def _staff_only(serializer: serializers.Serializer) -> bool:
    request = serializer.context.get("request")
    return request is None or not is_customer_user(request.user)


def _version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_(
            "The ticket version you last read; a stale one gets 409 stale_version. "
            "Alternatively send the If-Match header."
        ),
    )


class TicketCreateSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("The phenomenon observed.")
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    impact = serializers.CharField(required=False, allow_blank=True, default="")
    proposed_severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_blank=True, default=""
    )
    area = serializers.ChoiceField(
        choices=SkillArea.choices, required=False, allow_blank=True, default=""
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, default=None
    )
    product_version = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.select_related("product"),
        required=False,
        allow_null=True,
        default=None,
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        default=Channel.API,
        help_text=_("Customers: api (default) or portal."),
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Staff only, and required for staff."),
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Staff only: a contact of the organization."),
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Staff only: the confirmed severity."),
    )
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=MAX_FILE_NAME),
        required=False,
        default=list,
        help_text=_("Files, sent as multipart/form-data."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _reject_keys(self, NOT_ON_CREATE)
        if not _staff_only(self):
            _reject_keys(self, STAFF_ONLY_ON_CREATE)
            if attrs["channel"] not in (Channel.API, Channel.PORTAL):
                raise serializers.ValidationError(
                    {"channel": [_("Customers file requests through api or portal.")]}
                )
        return attrs


class TicketUpdateSerializer(InputSerializer):
    """PATCH: only the keys sent are changed; the service decides who may change which."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    impact = serializers.CharField(required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=TicketKind.choices, required=False)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    product_version = serializers.PrimaryKeyRelatedField(
        queryset=ProductVersion.objects.select_related("product"),
        required=False,
        allow_null=True,
    )
    area = serializers.ChoiceField(choices=SkillArea.choices, required=False, allow_blank=True)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, help_text=_("Staff only.")
    )
    version = _version_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _reject_keys(self, NOT_ON_UPDATE)
        return attrs


class CommentCreateSerializer(InputSerializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    is_internal = serializers.BooleanField(
        required=False, default=False, help_text=_("Staff only: an internal note.")
    )
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=MAX_FILE_NAME), required=False, default=list
    )


class AttachmentCreateSerializer(InputSerializer):
    file = serializers.FileField(max_length=MAX_FILE_NAME)
    is_internal = serializers.BooleanField(
        required=False, default=False, help_text=_("Staff only: hidden from the customer.")
    )


class TransitionSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The reason, or the resolution told to the customer; some steps need one."),
    )
    version = _version_field()


class ConfirmSerializer(InputSerializer):
    accepted = serializers.BooleanField(
        help_text=_("true: the resolution works (closes); false: it does not (reopens).")
    )
    rating = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, default=None
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(InputSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    version = _version_field()


class BulkAssignSerializer(InputSerializer):
    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=MAX_BULK,
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )


class TriageSerializer(InputSerializer):
    decision = serializers.ChoiceField(choices=TriageDecision.choices)
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_null=True, default=None
    )
    answer = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for consultation_answered: the answer given to the customer."),
    )
    version = _version_field()


class HotlineCallCreateSerializer(InputSerializer):
    external_call_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The telephony system's call id; a repeated id returns the first call."),
    )
    caller_phone = serializers.CharField(max_length=40)
    caller_name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True, default=None
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True, default=None
    )
    notes = serializers.CharField()
    resolved_on_first_contact = serializers.BooleanField(required=False, default=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=TicketKind.choices, required=False, default=TicketKind.CONSULTATION
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, default=None
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_null=True, default=None
    )
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CannedReplyCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    body = serializers.CharField(
        help_text=_(
            "The text, with placeholders {{customer_name}}, {{ticket_number}}, "
            "{{ticket_title}}, {{deadline}}, {{agent_name}}, {{organization}}; any other "
            "placeholder is refused with 400."
        )
    )
    shared = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Shared with the team, or with all staff (managers only) when no team."),
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    set_status = serializers.ChoiceField(
        choices=TicketStatus.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Applying the reply then moves the ticket here (workflow rules apply)."),
    )
    set_assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Applying the reply then assigns the ticket to this member of staff."),
    )


class CannedReplyUpdateSerializer(CannedReplyCreateSerializer):
    """Only the keys sent change."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


class CannedReplyApplySerializer(InputSerializer):
    canned_reply = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The text as the agent edited it; empty: the canned reply, rendered."),
    )
    is_internal = serializers.BooleanField(
        required=False, default=False, help_text=_("Send it as an internal note.")
    )


class TicketLinkCreateSerializer(InputSerializer):
    ticket = serializers.CharField(
        max_length=20, help_text=_("The other ticket: its id or its number (SD-2026-000123).")
    )
    kind = serializers.ChoiceField(
        choices=LinkKind.choices,
        help_text=_(
            "related; duplicate: this ticket duplicates the other; parent: this ticket is "
            "the other's parent."
        ),
    )


class TicketMergeSerializer(InputSerializer):
    into = serializers.CharField(
        max_length=20,
        help_text=_("The ticket this duplicate is merged into: its id or its number."),
    )
