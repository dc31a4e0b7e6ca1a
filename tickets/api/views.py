"""The ticket API: thin views over ``tickets.selectors`` (reads) and ``tickets.services``
(writes). Every ticket is fetched through the visibility chokepoint, so another
organization's ticket, comment or attachment is a 404; every POST honours Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable
from rest_framework.filters import OrderingFilter
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.filters import DateTimeFilter, FilterBackend, StrictBooleanFilter
from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import (
    ERRORS,
    IDEMPOTENCY_KEY,
    error_example,
    if_match,
    ordering_parameter,
    write_errors,
)
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.parsers import JSONParser
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaff
from servicedesk.api.serializers import ContactSerializer
from servicedesk.api.versions import expected_version, validated
from servicedesk.errors import NotAllowed, ValidationFailed
from servicedesk.models import Contact
from servicedesk.pages import attachment_response
from servicedesk.permissions import is_staff_user
from sla.models import SlaPolicy

from .. import selectors, services
from ..filters import ORDERING_FIELDS, TicketFilter
from ..models import HotlineCall, Ticket
from .serializers import (
    AssigneeSuggestionSerializer,
    AssignSerializer,
    AttachmentCreateSerializer,
    AttachmentSerializer,
    BulkAssignResultSerializer,
    BulkAssignSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    ConfirmSerializer,
    HotlineCallCreateSerializer,
    HotlineCallSerializer,
    TicketCreateSerializer,
    TicketEventSerializer,
    TicketListSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    TransitionSerializer,
    TriageSerializer,
)

# Multipart only where files come with the body (a ticket, a reply, an upload); JSON elsewhere.
WITH_FILES = [JSONParser, MultiPartParser]

TICKET_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Ticket id, or its number (SD-2026-000123).",
)
IF_MATCH = if_match("ticket")
WRITE_ERRORS = write_errors("stale_version, invalid_transition or ticket_closed.")


class ApiTicketFilter(TicketFilter):
    """``TicketFilter`` binding only the filters the request names.

    django-filter deep-copies every declared filter and builds a form field for each one on
    every request: about a third of the Python time of a list page. A filter whose name is
    not in the query string filters nothing, so leaving it out changes no result (a test
    compares the SQL with the full filterset's); the staff queue keeps the full form.
    """

    def __init__(self, data=None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            # an instance attribute: FilterSet.__init__ copies ``self.base_filters``
            self.base_filters = {
                name: flt for name, flt in type(self).base_filters.items() if name in data
            }
        super().__init__(data, *args, **kwargs)

    unassigned = StrictBooleanFilter(
        field_name="assignee", lookup_expr="isnull", label=_("Unassigned")
    )
    created_after = DateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created from")
    )
    created_before = DateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before")
    )


class OldestFirstPagination(CursorPagination):
    """A conversation and a timeline read from the start."""

    ordering = "created_at"


_valid = validated


class TicketViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Tickets visible to the caller: customers see their organization's, staff all."""

    serializer_class = TicketSerializer
    pagination_class = CursorPagination
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = ApiTicketFilter
    ordering_fields = ORDERING_FIELDS
    ordering = "-created_at"

    def get_parsers(self):
        method = getattr(self.request, "method", "") or ""
        action = getattr(self, "action", None) or self.action_map.get(method.lower())
        return [parser() for parser in (WITH_FILES if action == "create" else [JSONParser])]

    def get_queryset(self):
        return selectors.ticket_list(self.request.user)

    def get_object(self) -> Ticket:
        return selectors.ticket_get_for(self.request.user, self.kwargs["pk"])

    def _respond(
        self, ticket: Ticket, code: int = status.HTTP_200_OK, *, reread: bool = True
    ) -> Response:
        """The ticket as the caller now sees it: re-read with its related rows, unless the
        instance in hand is already complete (just read, or just created with them)."""
        fresh = selectors.ticket_get_for(self.request.user, ticket.pk) if reread else ticket
        response = Response(self.get_serializer(fresh).data, status=code)
        response["ETag"] = f'"{fresh.version}"'
        return response

    @extend_schema(
        summary="List tickets",
        parameters=[
            ordering_parameter(
                ORDERING_FIELDS,
                "-created_at",
                "`sla_due_at` lists only tickets with a running deadline. ",
            )
        ],
        responses={200: TicketListSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(selectors.ticket_rows(request.user))
        page = selectors.ticket_rows_named(self.paginate_queryset(queryset) or [])
        rows = TicketListSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(rows.data)

    @extend_schema(
        summary="Submit a request",
        description=(
            "Customers: the organization and contact come from their account; status, "
            "assignee, team, organization, contact and severity are rejected with 400. "
            "Staff must give the organization."
        ),
        request={
            "application/json": TicketCreateSerializer,
            "multipart/form-data": TicketCreateSerializer,
        },
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TicketSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "A customer reports a fault",
                request_only=True,
                media_type="application/json",
                value={
                    "kind": "fault",
                    "title": "Invoices print with a blank second page",
                    "description": "Since the 3.2 update the second page of every invoice is "
                    "blank. Printing from the preview works.",
                    "impact": "Billing clerks reprint each invoice by hand.",
                    "occurred_at": "2026-03-01T09:30:00+08:00",
                    "proposed_severity": "L3",
                },
            ),
            error_example(
                "A customer may not set the organization",
                400,
                "invalid",
                "Taken from your account; customers cannot set it.",
                fields={"organization": ["Taken from your account; customers cannot set it."]},
            ),
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(TicketCreateSerializer, request, self)
        ticket = services.ticket_create(actor=request.user, **data)
        return self._respond(ticket, status.HTTP_201_CREATED, reread=False)

    @extend_schema(
        summary="One ticket", parameters=[TICKET_ID], responses={200: TicketSerializer, **ERRORS}
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object(), reread=False)

    @extend_schema(
        summary="Edit a ticket",
        description=(
            "Only the keys sent change. Customers may edit title, description, impact and "
            "occurred_at while the ticket is new or accepted; staff also kind, product, "
            "product_version, area and severity."
        ),
        parameters=[TICKET_ID, IF_MATCH],
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        changes = _valid(TicketUpdateSerializer, request, self)
        version = expected_version(request, changes.pop("version", None))
        ticket = services.ticket_update(
            ticket, actor=request.user, changes=changes, expected_version=version
        )
        return self._respond(ticket)

    @extend_schema(
        summary="Change the status",
        parameters=[TICKET_ID, IF_MATCH, IDEMPOTENCY_KEY],
        request=TransitionSerializer,
        examples=[
            OpenApiExample(
                "Resolve with the answer",
                request_only=True,
                value={"status": "resolved", "comment": "Fixed by patch 3.2.1.", "version": 4},
            ),
            error_example(
                "Not allowed from the current status",
                409,
                "invalid_transition",
                "A ticket cannot go from “New” to “Resolved”. Allowed: Accepted, Cancelled.",
                allowed=["accepted", "cancelled"],
            ),
            error_example(
                "Changed by someone else",
                409,
                "stale_version",
                "This ticket was changed by someone else (version 5, you sent 4). Reload it "
                "and try again.",
                current_version=5,
            ),
        ],
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = _valid(TransitionSerializer, request, self)
        ticket = services.ticket_transition(
            ticket,
            actor=request.user,
            to_status=data["status"],
            comment=data["comment"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(ticket)

    @extend_schema(
        summary="Confirm or reject the resolution",
        description="The customer's confirmation (客户确认) with a 1-5 rating, or a rejection.",
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        request=ConfirmSerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = _valid(ConfirmSerializer, request, self)
        ticket = services.ticket_confirm(ticket, actor=request.user, **data)
        return self._respond(ticket)

    @extend_schema(
        summary="Assign to a service group and engineer",
        parameters=[TICKET_ID, IF_MATCH, IDEMPOTENCY_KEY],
        request=AssignSerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = _valid(AssignSerializer, request, self)
        ticket = services.ticket_assign(
            ticket,
            actor=request.user,
            team=data["team"],
            assignee=data["assignee"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(ticket)

    @extend_schema(
        summary="Assign many tickets at once (all or nothing)",
        parameters=[IDEMPOTENCY_KEY],
        request=BulkAssignSerializer,
        responses={200: BulkAssignResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="bulk-assign")
    def bulk_assign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(BulkAssignSerializer, request, self)
        ids = sorted(set(data["tickets"]))
        visible = set(
            Ticket.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        missing = [pk for pk in ids if pk not in visible]
        if missing and is_staff_user(request.user):
            raise ValidationFailed(
                _("Some tickets do not exist: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
                fields={"tickets": [_("Unknown ticket ids.")]},
                extra={"unknown": missing},
            )
        updated = services.tickets_bulk_assign(
            ids, actor=request.user, team=data["team"], assignee=data["assignee"]
        )
        return Response({"updated": updated})

    @extend_schema(
        summary="Triage (判断)",
        description=(
            "consultation_answered resolves the ticket with the answer; customization and "
            "fault set the kind and start work."
        ),
        parameters=[TICKET_ID, IF_MATCH, IDEMPOTENCY_KEY],
        request=TriageSerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        data = _valid(TriageSerializer, request, self)
        ticket = services.ticket_triage(
            ticket,
            actor=request.user,
            decision=data["decision"],
            severity=data["severity"],
            answer=data["answer"],
            expected_version=expected_version(request, data.get("version")),
        )
        return self._respond(ticket)

    @extend_schema(
        summary="Engineers ranked by skill, then load (staff only)",
        parameters=[TICKET_ID],
        responses={200: AssigneeSuggestionSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="assignee-suggestions")
    def assignee_suggestions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        if not is_staff_user(request.user):
            raise NotAllowed(_("Only staff may do this."))
        suggestions = selectors.assignee_suggestions(ticket)
        return Response(AssigneeSuggestionSerializer(suggestions, many=True).data)


class _TicketChildView(IdempotentMixin, generics.GenericAPIView):
    """Rows under one ticket: the ticket is resolved through the chokepoint first."""

    pagination_class = OldestFirstPagination
    filter_backends: list[type] = []
    parser_classes = WITH_FILES

    def ticket(self) -> Ticket:
        return selectors.ticket_get_for(self.request.user, self.kwargs["pk"], related=False)

    def paginated(self, queryset) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TicketCommentsView(_TicketChildView):
    """The conversation: public replies, and for staff the internal notes."""

    serializer_class = CommentSerializer

    def get_queryset(self):
        return selectors.comment_list(self.request.user, self.ticket())

    @extend_schema(
        summary="Conversation of a ticket",
        parameters=[TICKET_ID],
        responses={200: CommentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.paginated(self.get_queryset())

    @extend_schema(
        summary="Reply, or add an internal note (staff)",
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "A public reply",
                request_only=True,
                media_type="application/json",
                value={"body": "Please send the printer driver version.", "is_internal": False},
            ),
            OpenApiExample(
                "The reply",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 2203,
                    "author": {"id": 14, "name": "Wang Fang"},
                    "body": "Please send the printer driver version.",
                    "is_internal": False,
                    "created_at": "2026-03-01T10:02:11+08:00",
                    "attachments": [],
                },
            ),
        ],
        request={
            "application/json": CommentCreateSerializer,
            "multipart/form-data": CommentCreateSerializer,
        },
        responses={201: CommentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        data = _valid(CommentCreateSerializer, request, self)
        comment = services.comment_add(ticket, actor=request.user, **data)
        comment = selectors.comment_list(request.user, ticket).get(pk=comment.pk)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


class TicketAttachmentsView(_TicketChildView):
    serializer_class = AttachmentSerializer

    def get_queryset(self):
        return selectors.attachment_list(self.request.user, self.ticket())

    @extend_schema(
        summary="Files of a ticket",
        parameters=[TICKET_ID],
        responses={200: AttachmentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.paginated(self.get_queryset())

    @extend_schema(
        summary="Upload a file",
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        request={"multipart/form-data": AttachmentCreateSerializer},
        responses={201: AttachmentSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        data = _valid(AttachmentCreateSerializer, request, self)
        attachment = services.attachment_add(
            ticket, actor=request.user, upload=data["file"], is_internal=data["is_internal"]
        )
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


class TicketEventsView(_TicketChildView):
    """The timeline (audit events); internal ones are hidden from customers."""

    serializer_class = TicketEventSerializer

    def get_queryset(self):
        return selectors.event_list(self.request.user, self.ticket())

    @extend_schema(
        summary="Timeline of a ticket",
        parameters=[TICKET_ID],
        responses={200: TicketEventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.paginated(self.get_queryset())


class _AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers any Accept header; errors still render as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:  # e.g. "Accept: application/octet-stream"
            return renderers[0], renderers[0].media_type


class AttachmentDownloadView(generics.GenericAPIView):
    content_negotiation_class = _AnyAcceptNegotiation
    serializer_class = None
    pagination_class = None
    filter_backends: list[type] = []

    @extend_schema(
        summary="Download a file",
        description="Always sent as a download (Content-Disposition: attachment, nosniff).",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **{code: ERRORS[code] for code in (401, 403, 404)},
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any):
        attachment = selectors.attachment_get_for(request.user, kwargs["pk"])
        return attachment_response(attachment)


class HotlineCallViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """The hotline duty log (热线值班记录); staff only."""

    serializer_class = HotlineCallSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    pagination_class = CursorPagination
    filter_backends = [FilterBackend]
    filterset_fields = ["external_call_id", "caller_phone"]
    queryset = HotlineCall.objects.select_related("organization", "contact", "ticket", "agent")

    @extend_schema(summary="Hotline duty log", responses={200: HotlineCallSerializer(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Log a call",
        description=(
            "Opens a ticket when the caller's organization is known (given, or found by the "
            "contact's phone). Idempotent on external_call_id: the first call is 201, a "
            "repeat is 200 with the same body."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=HotlineCallCreateSerializer,
        examples=[
            OpenApiExample(
                "A fault reported by phone",
                request_only=True,
                value={
                    "external_call_id": "pbx-20260301-0042",
                    "caller_phone": "+86 139 1234 5678",
                    "caller_name": "Li Lei",
                    "notes": "Cannot log in after the upgrade.",
                    "kind": "fault",
                    "severity": "L3",
                    "resolved_on_first_contact": False,
                },
            ),
            OpenApiExample(
                "The call, with the ticket it opened",
                response_only=True,
                status_codes=["201", "200"],
                value={
                    "id": 918,
                    "external_call_id": "pbx-20260301-0042",
                    "caller_phone": "+86 139 1234 5678",
                    "caller_name": "Li Lei",
                    "organization": {"id": 3, "name": "East Grid"},
                    "contact": {"id": 41, "name": "Li Lei"},
                    "notes": "Cannot log in after the upgrade.",
                    "resolved_on_first_contact": False,
                    "ticket": {"id": 481, "number": "SD-2026-000481"},
                    "agent": {"id": 7, "name": "Zhou Jie"},
                    "started_at": "2026-03-01T09:12:40+08:00",
                    "created_at": "2026-03-01T09:14:02+08:00",
                },
            ),
        ],
        responses={
            201: HotlineCallSerializer,
            200: OpenApiResponse(HotlineCallSerializer, description="Already logged."),
            **WRITE_ERRORS,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(HotlineCallCreateSerializer, request, self)
        data["external_call_id"] = data["external_call_id"].strip() or None
        call, created = services.hotline_call_log(actor=request.user, **data)
        call = self.get_queryset().get(pk=call.pk)
        return Response(
            self.get_serializer(call).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    """Contacts of customer organizations (staff only). ``?phone=`` is the caller lookup.

    It lives with the tickets API because the phone matching is the hotline's selector.
    """

    serializer_class = ContactSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    queryset = Contact.objects.select_related("organization")
    filter_backends = [FilterBackend]
    filterset_fields = ["organization"]

    class pagination_class(CursorPagination):  # noqa: N801 - DRF's attribute name
        ordering = "name"

    @extend_schema(
        summary="Contacts; ?phone= finds callers by phone number (digits only compared)",
        parameters=[
            OpenApiParameter(
                "phone",
                OpenApiTypes.STR,
                description="Caller lookup: up to 10 contacts whose number ends with these "
                "digits (at least 3). The result is one page.",
            )
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        phone = request.query_params.get("phone")
        if phone is not None:
            found = selectors.contacts_by_phone(phone)
            data = self.get_serializer(found, many=True).data
            return Response({"next": None, "previous": None, "results": data})
        return super().list(request, *args, **kwargs)


class PolicyReapplySerializer(serializers.Serializer):
    tickets = serializers.IntegerField(help_text="How many open tickets were recomputed.")


class PolicyReapplyView(IdempotentMixin, generics.GenericAPIView):
    """Re-apply an SLA policy's newest version to its open tickets (managers, audited).

    Lives with the tickets API because it changes tickets' deadlines through their service.
    """

    serializer_class = PolicyReapplySerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaff]

    @extend_schema(
        summary="Re-apply an SLA policy to open tickets",
        description="Open tickets on an older version of the policy are recomputed from their "
        "start with the newest targets, keeping paused time; each gets an audit event.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: PolicyReapplySerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        policy = get_object_or_404(SlaPolicy, pk=kwargs["pk"])
        return Response({"tickets": services.policy_reapply(policy, actor=request.user)})
