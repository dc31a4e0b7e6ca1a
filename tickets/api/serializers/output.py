"""What the API answers: read-only serializers (references, tickets, conversation)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from servicedesk.api.openapi import ErrorSerializer  # noqa: F401  (re-exported)
from servicedesk.api.serializers import (
    ContactRefSerializer,
    OrganizationRefSerializer,
    OutputSerializer,
    ProductRefSerializer,
    ProductVersionRefSerializer,
    TeamRefSerializer,
    UserRefSerializer,
    display_name,
)
from servicedesk.models import full_name
from sla.api.serializers import ClockSerializer
from sla.selectors import clock_summary, ticket_clocks

from ... import workflow
from ...choices import LinkKind, TicketStatus
from ...models import Attachment, CannedReply, Comment, HotlineCall, Ticket, TicketEvent
from ...permissions import party_of

MAX_FILE_NAME = 200
MAX_BULK = 500
MAX_ID = 2**63 - 1  # the largest BigAutoField id


def iso_datetime(value: datetime | None, tz: tzinfo) -> str | None:
    """DRF's ``DateTimeField`` output, without its per-value time-zone look-ups."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _text(value: Any) -> str | None:
    """A char or choice field as DRF returns it: the plain string (not the enum member)."""
    return None if value is None else str(value)


def clock_representation(summary: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """``ClockSerializer(summary).data`` by hand (a test compares the two)."""
    remaining = summary["remaining_minutes"]
    return {
        "kind": _text(summary["kind"]),
        "state": _text(summary["state"]),
        "state_display": _text(summary["state_display"]),
        "policy": _text(summary["policy"]),
        "calendar": _text(summary["calendar"]),
        "target_minutes": int(summary["target_minutes"]),
        "started_at": iso_datetime(summary["started_at"], tz),
        "due_at": iso_datetime(summary["due_at"], tz),
        "warn_at": iso_datetime(summary["warn_at"], tz),
        "remaining_minutes": None if remaining is None else float(remaining),
        "paused_minutes": float(summary["paused_minutes"]),
        "paused_since": iso_datetime(summary["paused_since"], tz),
        "warned_at": iso_datetime(summary["warned_at"], tz),
        "breached_at": iso_datetime(summary["breached_at"], tz),
        "met_at": iso_datetime(summary["met_at"], tz),
        "explanation": [
            {
                "at": iso_datetime(item["at"], tz),
                "kind": _text(item["kind"]),
                "text": _text(item["text"]),
            }
            for item in summary["explanation"]
        ],
    }


class TicketSerializer(OutputSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    contact = ContactRefSerializer(read_only=True)
    product = ProductRefSerializer(read_only=True)
    product_version = ProductVersionRefSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_("The statuses the requesting user may move this ticket to now.")
    )
    sla = serializers.SerializerMethodField(
        help_text=_(
            "The response and resolution clocks: deadlines, remaining business time, state "
            "and the explanation of how the deadline was reached."
        )
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "channel",
            "status",
            "severity",
            "proposed_severity",
            "severity_confirmed",
            "triage_decision",
            "organization",
            "contact",
            "product",
            "product_version",
            "area",
            "description",
            "occurred_at",
            "impact",
            "team",
            "assignee",
            "created_at",
            "updated_at",
            "response_due_at",
            "resolution_due_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "merged_into",
            "resolution",
            "reopen_count",
            "rating",
            "rating_comment",
            "sla_due_at",
            "version",
            "allowed_transitions",
            "sla",
        ]
        read_only_fields = fields

    def to_representation(self, obj: Ticket) -> dict[str, Any]:
        """The declared fields, written out by hand like the list row: DRF builds and binds
        about 40 field objects for every response (the model fields through
        ``get_field_kwargs``), about a quarter of the CPU of a create. A test compares this
        with the generic path field by field."""
        tz = timezone.get_current_timezone()
        organization, contact = obj.organization, obj.contact
        product, version = obj.product, obj.product_version
        team, assignee = obj.team, obj.assignee
        return {
            "id": obj.pk,
            "number": obj.number,
            "title": obj.title,
            "kind": _text(obj.kind),
            "channel": _text(obj.channel),
            "status": _text(obj.status),
            "severity": _text(obj.severity),
            "proposed_severity": _text(obj.proposed_severity),
            "severity_confirmed": obj.severity_confirmed,
            "triage_decision": _text(obj.triage_decision),
            "organization": None
            if organization is None
            else {"id": organization.pk, "name": organization.name},
            "contact": None if contact is None else {"id": contact.pk, "name": contact.name},
            "product": None
            if product is None
            else {"id": product.pk, "code": product.code, "name": product.name},
            "product_version": None
            if version is None
            else {"id": version.pk, "version": version.version},
            "area": _text(obj.area),
            "description": obj.description,
            "occurred_at": iso_datetime(obj.occurred_at, tz),
            "impact": obj.impact,
            "team": None if team is None else {"id": team.pk, "name": team.name},
            "assignee": None
            if assignee is None
            else {"id": assignee.pk, "name": display_name(assignee)},
            "created_at": iso_datetime(obj.created_at, tz),
            "updated_at": iso_datetime(obj.updated_at, tz),
            "response_due_at": iso_datetime(obj.response_due_at, tz),
            "resolution_due_at": iso_datetime(obj.resolution_due_at, tz),
            "first_response_at": iso_datetime(obj.first_response_at, tz),
            "resolved_at": iso_datetime(obj.resolved_at, tz),
            "closed_at": iso_datetime(obj.closed_at, tz),
            "merged_into": obj.merged_into_id,
            "resolution": obj.resolution,
            "reopen_count": obj.reopen_count,
            "rating": obj.rating,
            "rating_comment": obj.rating_comment,
            "sla_due_at": iso_datetime(obj.sla_due_at, tz),
            "version": obj.version,
            "allowed_transitions": self.get_allowed_transitions(obj),
            "sla": [clock_representation(c, tz) for c in self._clock_summaries(obj)],
        }

    def _clock_summaries(self, obj: Ticket) -> list[dict[str, Any]]:
        now = timezone.now()
        clocks = getattr(obj, "sla_clocks", None)  # set by ticket_create on a new ticket
        if clocks is None:
            clocks = ticket_clocks(obj.pk)
        return [clock_summary(clock, now) for clock in clocks]

    @extend_schema_field(ClockSerializer(many=True))
    def get_sla(self, obj: Ticket) -> list[dict[str, Any]]:
        return ClockSerializer(self._clock_summaries(obj), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj: Ticket) -> list[str]:
        request = self.context.get("request")
        party = party_of(request.user) if request else None
        return workflow.allowed_targets(obj.status, party) if party else []


LIST_FIELDS = [
    "id",
    "number",
    "title",
    "kind",
    "channel",
    "status",
    "severity",
    "proposed_severity",
    "severity_confirmed",
    "triage_decision",
    "organization",
    "product",
    "product_version",
    "area",
    "team",
    "assignee",
    "created_at",
    "updated_at",
    "response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "resolved_at",
    "rating",
    "version",
    "allowed_transitions",
]


class TicketListSerializer(TicketSerializer):
    """A list row: the fields a queue shows; ``GET /tickets/{id}/`` gives the whole record.

    ``to_representation`` is written out by hand because a 50-row page is the hottest path
    of the API: DRF's generic field machinery costs about 4 ms a page, this about 0.5 ms.
    The declared fields still describe the same shape for the OpenAPI schema (a test
    compares the two).
    """

    class Meta(TicketSerializer.Meta):
        fields = LIST_FIELDS
        read_only_fields = fields

    def _page(self) -> tuple[Any, Any, dict[str, list[str]]]:
        """What every row of a page shares, looked up once per page (the one child
        serializer renders all rows): the caller's party, the time zone, and the allowed
        transitions per status."""
        page = self.__dict__.get("_page_state")
        if page is None:
            request = self.context.get("request")
            party = party_of(request.user) if request else None
            page = self._page_state = (party, timezone.get_current_timezone(), {})
        return page

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row``: one dict of ``tickets.selectors.ticket_rows``."""
        party, tz, transitions = self._page()
        status = row["status"]
        allowed = transitions.get(status)
        if allowed is None:
            allowed = transitions[status] = workflow.allowed_targets(status, party) if party else []

        def dt(value: datetime | None) -> str | None:
            return iso_datetime(value, tz)

        assignee_id = row["assignee_id"]
        return {
            "id": row["id"],
            "number": row["number"],
            "title": row["title"],
            "kind": row["kind"],
            "channel": row["channel"],
            "status": row["status"],
            "severity": row["severity"],
            "proposed_severity": row["proposed_severity"],
            "severity_confirmed": row["severity_confirmed"],
            "triage_decision": row["triage_decision"],
            "organization": {"id": row["organization_id"], "name": row["organization__name"]},
            "product": None
            if row["product_id"] is None
            else {
                "id": row["product_id"],
                "code": row["product__code"],
                "name": row["product__name"],
            },
            "product_version": None
            if row["product_version_id"] is None
            else {"id": row["product_version_id"], "version": row["product_version__version"]},
            "area": row["area"],
            "team": None
            if row["team_id"] is None
            else {"id": row["team_id"], "name": row["team__name"]},
            "assignee": None
            if assignee_id is None
            else {
                "id": assignee_id,
                "name": full_name(row["assignee__first_name"], row["assignee__last_name"])
                or row["assignee__username"],
            },
            "created_at": dt(row["created_at"]),
            "updated_at": dt(row["updated_at"]),
            "response_due_at": dt(row["response_due_at"]) if row["response_due_at"] else None,
            "resolution_due_at": dt(row["resolution_due_at"]) if row["resolution_due_at"] else None,
            "sla_due_at": dt(row["sla_due_at"]) if row["sla_due_at"] else None,
            "resolved_at": dt(row["resolved_at"]) if row["resolved_at"] else None,
            "rating": row["rating"],
            "version": row["version"],
            "allowed_transitions": list(allowed),
        }


class AttachmentSerializer(OutputSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = UserRefSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "is_internal",
            "comment",
            "uploaded_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Attachment) -> str:
        request = self.context.get("request")
        version = getattr(request, "version", None) or "v1"
        return reverse("api-attachment-download", kwargs={"version": version, "pk": obj.pk})


class CommentAttachmentSerializer(AttachmentSerializer):
    class Meta(AttachmentSerializer.Meta):
        fields = ["id", "name", "content_type", "size", "download_url"]
        read_only_fields = fields


class CommentSerializer(OutputSerializer):
    author = UserRefSerializer(read_only=True)
    attachments = CommentAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_internal", "created_at", "attachments"]
        read_only_fields = fields


class TicketEventSerializer(OutputSerializer):
    actor = UserRefSerializer(read_only=True)
    data = serializers.DictField(read_only=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "data", "is_internal", "created_at"]
        read_only_fields = fields


class AssigneeSuggestionSerializer(serializers.Serializer):
    user = UserRefSerializer(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    score = serializers.IntegerField(read_only=True)
    open_load = serializers.IntegerField(
        read_only=True, help_text=_("Open tickets assigned to this engineer.")
    )
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)


class HotlineCallSerializer(OutputSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    contact = ContactRefSerializer(read_only=True)
    agent = UserRefSerializer(read_only=True)
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = HotlineCall
        fields = [
            "id",
            "external_call_id",
            "caller_phone",
            "caller_name",
            "organization",
            "contact",
            "notes",
            "resolved_on_first_contact",
            "ticket",
            "agent",
            "started_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string"},
            },
        }
    )
    def get_ticket(self, obj: HotlineCall) -> dict[str, Any] | None:
        # Deliberately without the ticket's status: a repeated call must get the same body.
        if obj.ticket_id is None:
            return None
        return {"id": obj.ticket_id, "number": obj.ticket.number}


class BulkAssignResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(read_only=True)


class CannedReplySerializer(OutputSerializer):
    """A canned reply (常用回复); ``body`` as written, with its placeholders."""

    owner = UserRefSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    set_assignee = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CannedReply
        fields = [
            "id", "name", "language", "body", "shared", "team", "owner", "set_status",
            "set_assignee", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class LinkedTicketRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=TicketStatus.choices, read_only=True)


class TicketLinkSerializer(serializers.Serializer):
    """A link seen from the ticket in the URL: ``relation`` reads from that ticket's side."""

    id = serializers.IntegerField(source="link.pk", read_only=True)
    kind = serializers.ChoiceField(source="link.kind", choices=LinkKind.choices, read_only=True)
    direction = serializers.SerializerMethodField(
        help_text="outgoing: this ticket is the link's source (e.g. the duplicate, the parent)."
    )
    relation = serializers.CharField(source="label", read_only=True)
    ticket = LinkedTicketRefSerializer(source="other", read_only=True)
    created_at = serializers.DateTimeField(source="link.created_at", read_only=True)

    def get_direction(self, obj: Any) -> str:
        return "outgoing" if obj.link.target_id == obj.other.pk else "incoming"
