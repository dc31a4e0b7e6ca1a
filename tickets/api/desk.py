"""The agent's desk over the API: canned replies (常用回复), applying one to a ticket,
linked tickets and merging a duplicate (关联工单 / 合并工单).

Canned replies are staff-only (customers get 404: they learn nothing of them). Links are
read through the visibility chokepoint on both ends, so a customer sees only links between
their own organization's tickets; only staff link, unlink and merge.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.idempotency import IdempotentMixin
from servicedesk.api.openapi import ERRORS, IDEMPOTENCY_KEY, write_errors
from servicedesk.api.pagination import CursorPagination
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.api.versions import validated
from servicedesk.errors import NotFound

from .. import selectors, services
from ..models import CannedReply, Ticket
from .serializers import (
    CannedReplyApplySerializer,
    CannedReplyCreateSerializer,
    CannedReplySerializer,
    CannedReplyUpdateSerializer,
    TicketLinkCreateSerializer,
    TicketLinkSerializer,
    TicketMergeSerializer,
    TicketSerializer,
)

TICKET_ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Ticket id, or its number (SD-2026-000123).",
)
WRITE_ERRORS = write_errors(
    "already_linked, merge_refused, invalid_transition, stale_version or ticket_closed."
)


class ByNamePagination(CursorPagination):
    ordering = ("name", "id")


class CannedReplyViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Canned replies the caller may use: their own, their service groups', everyone's."""

    serializer_class = CannedReplySerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404]
    pagination_class = ByNamePagination
    filter_backends: list[type] = []

    def get_queryset(self):
        return selectors.canned_reply_list(self.request.user)

    def get_object(self) -> CannedReply:
        return selectors.canned_reply_get_for(self.request.user, self.kwargs["pk"])

    @extend_schema(summary="Canned replies", responses={200: CannedReplySerializer(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Keep a canned reply",
        parameters=[IDEMPOTENCY_KEY],
        request=CannedReplyCreateSerializer,
        responses={201: CannedReplySerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Resolve with a patch",
                request_only=True,
                value={
                    "name": "Fixed by patch",
                    "language": "en",
                    "body": "Dear {{customer_name}}, {{ticket_number}} is fixed by patch "
                    "3.2.1 (download it from the portal).",
                    "set_status": "resolved",
                },
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(CannedReplyCreateSerializer, request, self)
        canned = services.canned_reply_create(actor=request.user, **data)
        canned = selectors.canned_reply_get_for(request.user, canned.pk)
        return Response(self.get_serializer(canned).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="One canned reply", responses={200: CannedReplySerializer, **ERRORS})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Edit a canned reply (its owner; managers also the shared ones)",
        request=CannedReplyUpdateSerializer,
        responses={200: CannedReplySerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        canned = self.get_object()
        changes = validated(CannedReplyUpdateSerializer, request, self)
        services.canned_reply_update(canned, actor=request.user, changes=changes)
        canned = selectors.canned_reply_get_for(request.user, canned.pk)
        return Response(self.get_serializer(canned).data)

    @extend_schema(summary="Delete a canned reply", responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.canned_reply_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _TicketView(IdempotentMixin, generics.GenericAPIView):
    pagination_class = None
    filter_backends: list[type] = []

    def ticket(self) -> Ticket:
        return selectors.ticket_get_for(self.request.user, self.kwargs["pk"], related=False)

    def other(self, ref: str, field: str) -> Ticket:
        try:
            return selectors.ticket_get_for(self.request.user, ref.strip(), related=False)
        except NotFound as err:
            raise NotFound(err.message, fields={field: [str(err.message)]}) from None

    def ticket_response(self, ticket: Ticket) -> Response:
        fresh = selectors.ticket_get_for(self.request.user, ticket.pk)
        data = TicketSerializer(fresh, context=self.get_serializer_context()).data
        response = Response(data)
        response["ETag"] = f'"{fresh.version}"'
        return response


class TicketCannedReplyView(_TicketView):
    serializer_class = TicketSerializer

    @extend_schema(
        summary="Answer with a canned reply (staff)",
        description=(
            "Sends the canned reply (rendered for this ticket, or the edited ``body``) as a "
            "reply or internal note, then applies its status and assignee through the "
            "workflow; all or nothing (a refused transition sends nothing)."
        ),
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        request=CannedReplyApplySerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        data = validated(CannedReplyApplySerializer, request, self)
        try:
            canned = selectors.canned_reply_get_for(request.user, data["canned_reply"])
        except NotFound as err:
            raise NotFound(err.message, fields={"canned_reply": [str(err.message)]}) from None
        ticket = services.canned_reply_apply(
            ticket,
            canned,
            actor=request.user,
            body=data["body"] or None,
            is_internal=data["is_internal"],
        )
        return self.ticket_response(ticket)


class TicketLinksView(_TicketView):
    serializer_class = TicketLinkSerializer

    @extend_schema(
        summary="Linked tickets (those the caller may see)",
        parameters=[TICKET_ID],
        responses={200: TicketLinkSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        links = selectors.link_views(request.user, self.ticket())
        return Response(self.get_serializer(links, many=True).data)

    @extend_schema(
        summary="Link another ticket (staff)",
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        request=TicketLinkCreateSerializer,
        responses={201: TicketLinkSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        data = validated(TicketLinkCreateSerializer, request, self)
        other = self.other(data["ticket"], "ticket")
        link = services.ticket_link(ticket, other, actor=request.user, kind=data["kind"])
        view = next(v for v in selectors.link_views(request.user, ticket) if v.link.pk == link.pk)
        return Response(self.get_serializer(view).data, status=status.HTTP_201_CREATED)


class TicketLinkDetailView(_TicketView):
    serializer_class = TicketLinkSerializer

    @extend_schema(
        summary="Remove a link (staff)",
        parameters=[TICKET_ID],
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = selectors.link_get_for(request.user, self.ticket(), kwargs["link"])
        services.ticket_unlink(link, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketMergeView(_TicketView):
    serializer_class = TicketSerializer

    @extend_schema(
        summary="Merge this duplicate into another ticket (staff)",
        description=(
            "Copies this ticket's messages and files to the other ticket, cancels its SLA "
            "clocks, closes it pointing to the other (merged_into), tells its customer in a "
            "public reply and a notification, and links the two. Refused (400/409): into "
            "itself, across organizations, into a closed or cancelled ticket. Answers the "
            "ticket merged into."
        ),
        parameters=[TICKET_ID, IDEMPOTENCY_KEY],
        request=TicketMergeSerializer,
        responses={200: TicketSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        data = validated(TicketMergeSerializer, request, self)
        target = self.other(data["into"], "into")
        target = services.ticket_merge(ticket, target, actor=request.user)
        return self.ticket_response(target)
