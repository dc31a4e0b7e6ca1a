"""One FilterSet for tickets, shared by the API list and the staff triage queue.

Filter and ordering names are an allow-list: nothing a client sends reaches ``filter()`` or
``order_by()`` unless it is declared here.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.models import Organization, Product, Team, User
from servicedesk.permissions import is_customer_user
from servicedesk.widgets import FastSelect, FastSelectMultiple
from sla.models import SlaClock

from .choices import Channel, Severity, TicketKind, TicketStatus
from .models import Ticket
from .queue_views import VIEW_CHOICES, VIEWS_BY_KEY

ORDERING_FIELDS = ("created_at", "updated_at", "severity", "status", "number", "sla_due_at")
# Sorting by the next deadline lists the tickets that have one (a running SLA clock).
DEADLINE_ORDERINGS = frozenset({"sla_due_at", "-sla_due_at"})
MAX_BREACHING_HOURS = 24 * 30


def _organizations(request) -> QuerySet[Organization]:
    """A customer may name only their own organization: another one's id is "not a valid
    choice", like an id that does not exist, so the filter does not reveal which exist."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    if is_customer_user(user):
        return Organization.objects.filter(pk=user.organization_id)
    return Organization.objects.all()


def _fresh_filter(flt: django_filters.Filter) -> django_filters.Filter:
    """A filter for one request: a shallow copy of the declared one.

    django-filter deep-copies every declared filter on every request (their choices,
    querysets and widgets included), a few milliseconds on the queue. What a request
    changes on a filter is its own: ``parent`` and ``model`` (set by the FilterSet), the
    form field it builds (``_field``, dropped here in case the declared filter ever built
    one), ``extra`` (a callable queryset is resolved into it for the request's user, so it
    gets its own dict) and the ``FilterMethod`` that finds a ``method`` on the parent (made
    again for the copy). Choices, querysets and widget classes are only read.
    """
    fresh = copy.copy(flt)
    fresh.__dict__.pop("_field", None)
    fresh.extra = dict(flt.extra)
    if flt.method is not None:
        fresh.method = flt.method  # a FilterMethod bound to the copy, not to ``flt``
    return fresh


class FreshFieldsForm(forms.Form):
    """The FilterSet's form: its fields were built for this request (one filter copy each,
    see ``_fresh_filter``), so Django's deep copy of ``base_fields`` is not needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self.base_fields
        self.base_fields = {}  # an instance attribute: nothing for Form.__init__ to copy
        super().__init__(*args, **kwargs)
        self.fields = dict(fields)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=TicketStatus.choices, label=_("Status"), distinct=False, widget=FastSelectMultiple
    )
    kind = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=TicketKind.choices, label=_("Kind"), distinct=False
    )
    severity = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=Severity.choices, label=_("Severity"), distinct=False
    )
    channel = django_filters.MultipleChoiceFilter(
        widget=FastSelectMultiple, choices=Channel.choices, label=_("Channel"), distinct=False
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations, label=_("Organization"), widget=FastSelect
    )
    organization_code = django_filters.CharFilter(
        field_name="organization__code", lookup_expr="iexact", label=_("Organization")
    )
    product = django_filters.ModelChoiceFilter(
        queryset=Product.objects.all(), label=_("Product"), widget=FastSelect
    )
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), label=_("Service group"), widget=FastSelect
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).exclude(role="customer"),
        label=_("Assignee"),
        widget=FastSelect,
    )
    assignee_username = django_filters.CharFilter(
        field_name="assignee__username", lookup_expr="iexact", label=_("Assignee")
    )
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label=_("Unassigned")
    )
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created from")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before")
    )
    resolved_after = django_filters.IsoDateTimeFilter(
        field_name="resolved_at", lookup_expr="gte", label=_("Resolved from")
    )
    resolved_before = django_filters.IsoDateTimeFilter(
        field_name="resolved_at", lookup_expr="lt", label=_("Resolved before")
    )
    closed_after = django_filters.IsoDateTimeFilter(
        field_name="closed_at", lookup_expr="gte", label=_("Closed from")
    )
    closed_before = django_filters.IsoDateTimeFilter(
        field_name="closed_at", lookup_expr="lt", label=_("Closed before")
    )
    rated = django_filters.BooleanFilter(
        field_name="rating", lookup_expr="isnull", exclude=True, label=_("Rated")
    )
    contract = django_filters.NumberFilter(
        field_name="contract_id", label=_("Contract"), min_value=1, max_value=2**31 - 1
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))
    view = django_filters.ChoiceFilter(
        method="in_view",
        label=_("View"),
        choices=VIEW_CHOICES,  # updated in place as apps add views in their ready()
        widget=FastSelect,
    )
    sla_breached = django_filters.ChoiceFilter(
        method="breached",
        label=_("SLA breached"),
        choices=[("true", _("breached")), ("false", _("not breached"))],
        empty_label=_("All"),
        widget=FastSelect,
    )
    breaching_within = django_filters.NumberFilter(
        method="breaching",
        label=_("Breaching within (hours)"),
        min_value=0,
        max_value=MAX_BREACHING_HOURS,
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = FreshFieldsForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        # FilterSet.__init__, with one shallow copy per filter instead of a deep copy of all
        if queryset is None:
            queryset = Ticket.objects.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _fresh_filter(flt) for name, flt in self.base_filters.items()}
        for flt in self.filters.values():
            flt.model = queryset.model
            flt.parent = self

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.data.get("ordering") in DEADLINE_ORDERINGS:
            queryset = queryset.filter(sla_due_at__isnull=False)
        return queryset

    def breached(self, queryset, name, value):
        """Tickets with a breached clock (or, with ``false``, without one)."""
        if not value:
            return queryset
        exists = Exists(SlaClock.objects.filter(ticket=OuterRef("pk"), breached_at__isnull=False))
        return queryset.filter(exists if value == "true" else ~exists)

    def breaching(self, queryset, name, value):
        """Tickets whose next running deadline falls within the next ``value`` hours."""
        if value is None:
            return queryset
        now = timezone.now()
        return queryset.filter(
            sla_due_at__gt=now, sla_due_at__lte=now + timedelta(hours=float(value))
        )

    def in_view(self, queryset, name, value):
        """One of the queue's default views (tickets.queue_views), for the requesting user."""
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        view = VIEWS_BY_KEY[value]
        if not view.offered_to(user):
            return queryset.none()  # e.g. the managers' approvals view asked for by an engineer
        return queryset.filter(view.condition(user, timezone.now()))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value) | Q(title__icontains=value) | Q(description__icontains=value)
        )
