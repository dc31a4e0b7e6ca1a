"""Allow-listed filters and orderings of the maintenance API.

The FilterSets validate the query string (unknown choices and ids are 400 naming the
parameter) and hand the clean values to ``maintenance.selectors``, which alone turns them
into SQL: the pages and the API filter the same way.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter

from servicedesk.api.filters import DateFilter, IdFilter, StrictBooleanFilter, TextFilter
from servicedesk.choices import STAFF_ROLES
from servicedesk.models import Product, ProductVersion, Team, User
from tickets.models import Ticket

from .. import selectors
from ..choices import RootCause, VisitStatus, WorkMode, WorkOrderKind, WorkOrderStatus
from ..models import SEVERITIES, FaultLogEntry, FollowUp, OnSiteVisit, TimeEntry, WorkOrder

ORDERING_FIELDS = ("created_at", "updated_at", "submitted_at", "number")
# Cursor pages need a non-null key: sorting by submission lists the submitted orders.
NULLABLE_ORDERINGS = frozenset({"submitted_at", "-submitted_at"})
INBOX_ORDERING = ("submitted_at", "id")
TRUE = frozenset({"true"})  # as StrictBooleanFilter reads them


def awaiting_requested(request: Any) -> bool:
    return (request.query_params.get("awaiting_my_approval") or "").lower() in TRUE


def _staff() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES)


class _Delegating(django_filters.FilterSet):
    """Each filter only validates; ``apply`` (the selector) filters with the clean values."""

    def __init__(self, data=None, *args: Any, **kwargs: Any) -> None:
        # bind only the filters the request names: a form field per declared filter on
        # every request costs more than the query (see tickets.api.views.ApiTicketFilter)
        if data is not None:
            self.base_filters = {
                name: flt for name, flt in type(self).base_filters.items() if name in data
            }
        super().__init__(data, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return self.apply(queryset, self.form.cleaned_data)

    def apply(self, queryset: QuerySet[Any], values: dict[str, Any]) -> QuerySet[Any]:
        raise NotImplementedError


def _noop(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    return queryset


class WorkOrderFilter(_Delegating):
    status = django_filters.MultipleChoiceFilter(
        choices=WorkOrderStatus.choices, label=_("Status"), method=_noop
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=WorkOrderKind.choices, label=_("Kind"), method=_noop
    )
    product = IdFilter(queryset=Product.objects.all(), label=_("Product"), method=_noop)
    team = IdFilter(queryset=Team.objects.all(), label=_("Service group"), method=_noop)
    assignee = IdFilter(queryset=_staff(), label=_("Assignee"), method=_noop)
    ticket = IdFilter(queryset=Ticket.objects.all(), label=_("Linked ticket"), method=_noop)
    awaiting_my_approval = StrictBooleanFilter(
        label=_("Awaiting my sign-off (oldest first)"), method=_noop
    )
    q = TextFilter(label=_("Number, or text in the title"), method=_noop)

    class Meta:
        model = WorkOrder
        fields: list[str] = []

    def apply(self, queryset, values):
        queryset = selectors.filter_work_orders(queryset, self.request.user, values)
        if self.data.get("ordering") in NULLABLE_ORDERINGS and not values.get(
            "awaiting_my_approval"
        ):
            queryset = queryset.filter(submitted_at__isnull=False)
        return queryset


class WorkOrderOrdering(OrderingFilter):
    """The allow-listed ``ordering``; the approval inbox is always oldest submission first."""

    def get_ordering(self, request, queryset, view):
        if awaiting_requested(request):
            return list(INBOX_ORDERING)
        return super().get_ordering(request, queryset, view)


class FaultLogFilter(_Delegating):
    product = IdFilter(queryset=Product.objects.all(), label=_("Product"), method=_noop)
    severity = django_filters.MultipleChoiceFilter(
        choices=SEVERITIES, label=_("Severity"), method=_noop
    )
    cause = django_filters.MultipleChoiceFilter(
        choices=RootCause.choices, label=_("Cause category"), method=_noop
    )
    date_from = DateFilter(label=_("From (inclusive)"), method=_noop)
    date_to = DateFilter(label=_("Until (inclusive)"), method=_noop)
    version = IdFilter(
        queryset=ProductVersion.objects.all(),
        label=_("Version affected or fixed in"),
        method=_noop,
    )

    class Meta:
        model = FaultLogEntry
        fields: list[str] = []

    def apply(self, queryset, values):
        return selectors.filter_fault_log(queryset, values)


class TimeEntryFilter(_Delegating):
    user = IdFilter(queryset=_staff(), label=_("Engineer"), method=_noop)
    ticket = IdFilter(queryset=Ticket.objects.all(), label=_("Ticket"), method=_noop)
    work_order = IdFilter(queryset=WorkOrder.objects.all(), label=_("Work order"), method=_noop)
    mode = django_filters.ChoiceFilter(choices=WorkMode.choices, label=_("Mode"), method=_noop)
    date_from = DateFilter(label=_("From (inclusive)"), method=_noop)
    date_to = DateFilter(label=_("Until (inclusive)"), method=_noop)

    class Meta:
        model = TimeEntry
        fields: list[str] = []

    def apply(self, queryset, values):
        return selectors.filter_time_entries(queryset, values)


class FollowUpFilter(_Delegating):
    mine = StrictBooleanFilter(label=_("Assigned to me"), method=_noop)
    open = StrictBooleanFilter(label=_("Not recorded yet"), method=_noop)
    ticket = IdFilter(queryset=Ticket.objects.all(), label=_("Ticket"), method=_noop)

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def apply(self, queryset, values):
        return selectors.filter_follow_ups(queryset, self.request.user, values)


class VisitFilter(_Delegating):
    status = django_filters.MultipleChoiceFilter(
        choices=VisitStatus.choices, label=_("Status"), method=_noop
    )
    ticket = IdFilter(queryset=Ticket.objects.all(), label=_("Ticket"), method=_noop)
    engineer = IdFilter(queryset=_staff(), label=_("Engineer"), method=_noop)

    class Meta:
        model = OnSiteVisit
        fields: list[str] = []

    def apply(self, queryset, values):
        return selectors.filter_visits(queryset, values)
