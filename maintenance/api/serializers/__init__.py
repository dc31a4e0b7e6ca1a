"""Work-order API serializers: separate input (what a client may send) and output."""

from .input import (
    AnalysisSerializer,
    ApproveSerializer,
    CancelSerializer,
    DeliverSerializer,
    FixSerializer,
    LinkTicketSerializer,
    RejectSerializer,
    TestResultSerializer,
    TimeEntryCreateSerializer,
    TimeTotalsQuerySerializer,
    VersionOnlySerializer,
    WorkOrderCreateSerializer,
    WorkOrderUpdateSerializer,
)
from .output import (
    FaultLogEntrySerializer,
    TimeEntrySerializer,
    TimeTotalsSerializer,
    WorkOrderEventSerializer,
    WorkOrderListSerializer,
    WorkOrderSerializer,
    totals_payload,
)

__all__ = [
    "AnalysisSerializer",
    "ApproveSerializer",
    "CancelSerializer",
    "DeliverSerializer",
    "FaultLogEntrySerializer",
    "FixSerializer",
    "LinkTicketSerializer",
    "RejectSerializer",
    "TestResultSerializer",
    "TimeEntryCreateSerializer",
    "TimeEntrySerializer",
    "TimeTotalsQuerySerializer",
    "TimeTotalsSerializer",
    "VersionOnlySerializer",
    "WorkOrderCreateSerializer",
    "WorkOrderEventSerializer",
    "WorkOrderListSerializer",
    "WorkOrderSerializer",
    "WorkOrderUpdateSerializer",
    "totals_payload",
]
