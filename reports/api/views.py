"""The metrics API: ``GET /api/v1/reports/metrics/`` (docs/REPORTS.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.api.openapi import ERRORS
from servicedesk.api.permissions import IsAuthenticatedWithScope
from servicedesk.errors import ValidationFailed
from tickets.choices import Channel, Severity, TicketKind

from ..metrics import SECTIONS
from ..periods import KINDS
from ..scope import ID_FIELDS, PARAMS
from ..selectors import metrics_for

# parameters whose empty value the API refuses (typed: a date, an id, a choice)
EXACT = ("period", "start", "end", *ID_FIELDS, "channel", "kind", "severity")
# every parameter the API knows ("format" is DRF's renderer override); others are a 400
KNOWN = frozenset({"period", "date", "start", "end", *PARAMS, "sections", "format"})

PARAMETERS = [
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        enum=list(KINDS),
        description="Period kind (default: month; custom with start and end).",
    ),
    OpenApiParameter(
        "date",
        OpenApiTypes.STR,
        description=(
            "Which period: 2026-11-05 (a day, or the week or month holding it), 2026-W45, "
            "2026-11, 2026-Q4, 2026. Default: the current one."
        ),
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day of a custom range."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (inclusive)."),
    *[
        OpenApiParameter(
            name,
            OpenApiTypes.INT,
            description=f"Only the tickets of this {name} (id)."
            if name != "engineer"
            else "Only the tickets assigned to this engineer (user id).",
        )
        for name in ID_FIELDS
    ],
    OpenApiParameter("channel", OpenApiTypes.STR, enum=Channel.values),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=TicketKind.values),
    OpenApiParameter("severity", OpenApiTypes.STR, enum=Severity.values),
    OpenApiParameter(
        "sections",
        OpenApiTypes.STR,
        description=(
            "Comma-separated sections (default: all the caller may see): "
            + ", ".join(SECTIONS)
            + ". Customers get no work_orders, service_hours or appraisal."
        ),
    ),
]


class MetricsView(APIView):
    permission_classes = [IsAuthenticatedWithScope]

    @extend_schema(
        operation_id="reports_metrics",
        summary="Service metrics for a period and a scope",
        description=(
            "Volume, response and resolution times, SLA compliance, first-contact "
            "resolution, satisfaction, work orders, service hours, engineer appraisal, "
            "trends and the service quality indicators with their definitions and targets. "
            "Period boundaries are local midnights in the organization's time zone when the "
            "scope is one organization that has one, else in the site's (Asia/Shanghai). "
            "An unknown parameter, or an id that names nothing, is a 400 naming it. "
            "Customers get their own organization's figures (another organization is a 404); "
            "staff their own service groups' unless they may see all (another group is a "
            "403); managers everything."
        ),
        parameters=PARAMETERS,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="{period, scope, sections: {name: figures}, definitions}",
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        unknown = sorted(name for name in request.query_params if name not in KNOWN)
        if unknown:
            raise ValidationFailed(
                _("Unknown parameter: %(names)s.") % {"names": ", ".join(unknown)},
                fields={name: [_("Unknown parameter.")] for name in unknown},
            )
        # an empty value is no value for the pages' forms, but the API's contract says
        # what each parameter holds: an empty one is an error, as any malformed one
        empty = {
            name: [_("This field may not be blank.")]
            for name in EXACT
            if name in request.query_params and not request.query_params[name].strip()
        }
        if empty:
            raise ValidationFailed(_("The request has errors."), fields=empty)
        return Response(metrics_for(request.user, request.query_params, check_ids=True))
