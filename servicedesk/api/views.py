"""Read-only lookups of the shared directory: organizations, products, teams, users.

Customers see only their own organization and the products their current contracts cover;
users are listed to staff only.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from servicedesk.choices import Role
from servicedesk.models import Organization, Product, ProductVersion, Team, User

from ..permissions import is_staff_user
from .filters import FilterBackend, StrictBooleanFilter
from .pagination import CursorPagination
from .permissions import IsAuthenticatedWithScope, IsStaff
from .serializers import OrganizationSerializer, ProductSerializer, TeamSerializer, UserSerializer


class ByNamePagination(CursorPagination):
    ordering = "name"


class ByUsernamePagination(CursorPagination):
    ordering = "username"


def _customer_org_id(user) -> int | None:
    """The organization a customer is confined to; None for staff."""
    if is_staff_user(user):
        return None
    return user.organization_id or 0  # a customer without one sees nothing


@extend_schema_view(
    list=extend_schema(summary="Customer organizations (customers: their own)"),
    retrieve=extend_schema(summary="One organization"),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganizationSerializer
    pagination_class = ByNamePagination
    filter_backends: list[type] = []
    queryset = Organization.objects.all()

    def get_queryset(self) -> QuerySet[Organization]:
        org_id = _customer_org_id(self.request.user)
        qs = Organization.objects.all()
        return qs if org_id is None else qs.filter(pk=org_id)


@extend_schema_view(
    list=extend_schema(summary="Products and their versions (customers: those under contract)"),
    retrieve=extend_schema(summary="One product with its versions"),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProductSerializer
    pagination_class = ByNamePagination
    filter_backends: list[type] = []
    queryset = Product.objects.all()

    def get_queryset(self) -> QuerySet[Product]:
        qs = Product.objects.prefetch_related(
            Prefetch("versions", queryset=ProductVersion.objects.order_by("-released_on", "-id"))
        )
        org_id = _customer_org_id(self.request.user)
        if org_id is None:
            return qs
        today = timezone.localdate()
        covered = Product.objects.filter(
            contracts__organization_id=org_id,
            contracts__starts_on__lte=today,
            contracts__ends_on__gte=today,
        )
        return qs.filter(pk__in=covered.values("pk"))


@extend_schema_view(
    list=extend_schema(summary="Service groups"),
    retrieve=extend_schema(summary="One service group"),
)
class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    pagination_class = ByNamePagination
    filter_backends: list[type] = []
    queryset = Team.objects.all()


class UserFilter(django_filters.FilterSet):
    role = django_filters.MultipleChoiceFilter(choices=Role.choices, label=_("Role"))
    is_away = StrictBooleanFilter(label=_("Away"))

    class Meta:
        model = User
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="Active users, e.g. ?role=engineer (staff only)"),
    retrieve=extend_schema(summary="One user (staff only)"),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    permission_classes = [IsAuthenticatedWithScope, IsStaff]
    pagination_class = ByUsernamePagination
    filter_backends = [FilterBackend]
    filterset_class = UserFilter
    queryset = User.objects.filter(is_active=True)
