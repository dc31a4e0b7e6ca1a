"""Ticket API serializers: separate input (what a client may send) and output (what it sees)."""

from .input import (
    AssignSerializer,
    AttachmentCreateSerializer,
    BulkAssignSerializer,
    CommentCreateSerializer,
    ConfirmSerializer,
    HotlineCallCreateSerializer,
    TicketCreateSerializer,
    TicketUpdateSerializer,
    TransitionSerializer,
    TriageSerializer,
)
from .output import (
    AssigneeSuggestionSerializer,
    AttachmentSerializer,
    BulkAssignResultSerializer,
    CommentSerializer,
    ErrorSerializer,
    HotlineCallSerializer,
    TicketEventSerializer,
    TicketListSerializer,
    TicketSerializer,
)

__all__ = [
    "AssignSerializer",
    "AssigneeSuggestionSerializer",
    "AttachmentCreateSerializer",
    "AttachmentSerializer",
    "BulkAssignResultSerializer",
    "BulkAssignSerializer",
    "CommentCreateSerializer",
    "CommentSerializer",
    "ConfirmSerializer",
    "ErrorSerializer",
    "HotlineCallCreateSerializer",
    "HotlineCallSerializer",
    "TicketCreateSerializer",
    "TicketEventSerializer",
    "TicketListSerializer",
    "TicketSerializer",
    "TicketUpdateSerializer",
    "TransitionSerializer",
    "TriageSerializer",
]
