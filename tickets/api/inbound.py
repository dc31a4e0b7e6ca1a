"""``POST /api/v1/inbound-mail/``: a mail gateway hands over one raw RFC 822 message
(docs/INBOUND.md, "Gateway"). Idempotent on the mail's Message-ID: a repeat answers 200 with
the first outcome. Only staff accounts granted ``tickets.submit_inbound_mail`` may post.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, parsers, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.parsers import RequestTooLarge
from servicedesk.api.permissions import IsAuthenticatedWithScope, IsStaffElse404
from servicedesk.api.serializers import OutputSerializer

from .. import services
from ..models import InboundMessage

PERMISSION = "tickets.submit_inbound_mail"


class RawMailParser(parsers.BaseParser):
    """The body as bytes, refused (413) beyond ``INBOUND_MAIL_MAX_BYTES``."""

    media_type = "message/rfc822"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = settings.INBOUND_MAIL_MAX_BYTES
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        too_large = RequestTooLarge(
            _("The mail is larger than %(limit)d bytes.") % {"limit": limit}
        )
        if length and str(length).isdigit() and int(length) > limit:
            raise too_large
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise too_large
        return data


class MaySubmitInboundMail(BasePermission):
    message = gettext_lazy("Only mail gateways may submit inbound mail.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user.has_perm(PERMISSION))


class InboundMailSerializer(OutputSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    duplicate = serializers.SerializerMethodField()

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "message_id",
            "sender",
            "subject",
            "received_at",
            "outcome",
            "reason",
            "ticket",
            "duplicate",
        ]

    def get_duplicate(self, obj: InboundMessage) -> bool:
        return bool(self.context.get("duplicate"))


class InboundMailView(generics.GenericAPIView):
    serializer_class = InboundMailSerializer
    # a staff account (customers get 404, as from every staff-only endpoint) granted the
    # permission: the gateway's own user, not a person's
    permission_classes = [IsAuthenticatedWithScope, IsStaffElse404, MaySubmitInboundMail]
    parser_classes = [RawMailParser]

    @extend_schema(
        summary="Submit an inbound mail (mail gateway)",
        description=(
            "The body is one raw RFC 822 message (`Content-Type: message/rfc822`). It becomes "
            "a ticket, a reply on the ticket it answers, a held mail for an agent, or it is "
            "ignored (auto-replies, bounces, our own mail) or rejected (limits, unknown "
            "senders when so configured), as `outcome` and `reason` say (docs/INBOUND.md). "
            "The first submission of a mail answers 201; a repeat (same Message-ID) answers "
            "200 with the first outcome and `duplicate: true`. 413 over "
            "`INBOUND_MAIL_MAX_BYTES`, 415 for another content type, 400 for bytes that are "
            "not a mail. Needs a staff account with the permission `tickets.submit_inbound_mail`."
        ),
        request={"message/rfc822": OpenApiTypes.BINARY},
        responses={
            201: InboundMailSerializer,
            200: OpenApiResponse(InboundMailSerializer, description="Received before."),
        },
        examples=[
            OpenApiExample(
                "A customer's mail became a ticket",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 7,
                    "message_id": "CAF3a9@mail.customer.example",
                    "sender": "lilei@customer.example",
                    "subject": "Export hangs at 90%",
                    "received_at": "2026-12-03T09:15:00+08:00",
                    "outcome": "created",
                    "reason": "",
                    "ticket": "SD-2026-000123",
                    "duplicate": False,
                },
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.data
        if not isinstance(raw, bytes):  # an empty body parses to an empty dict
            raw = b""
        receipt = services.inbound_mail_receive(raw, source="gateway")
        body = InboundMailSerializer(receipt.message, context={"duplicate": receipt.duplicate})
        code = status.HTTP_200_OK if receipt.duplicate else status.HTTP_201_CREATED
        return Response(body.data, status=code)
