"""The versioned API root (/api/v1/): shared-directory lookups and the tickets API."""

from django.urls import include, path

from . import (
    converters,  # noqa: F401  (registers <id:...> and <ref:...>)
    schema,  # noqa: F401  (registers the token scheme for OpenAPI)
)
from .views import OrganizationViewSet, ProductViewSet, TeamViewSet, UserViewSet


def _lookup(viewset, name: str, prefix: str) -> list:
    return [
        path(f"{prefix}/", viewset.as_view({"get": "list"}), name=f"api-{name}-list"),
        path(f"{prefix}/<id:pk>/", viewset.as_view({"get": "retrieve"}), name=f"api-{name}-detail"),
    ]


urlpatterns = [
    *_lookup(OrganizationViewSet, "organization", "organizations"),
    *_lookup(ProductViewSet, "product", "products"),
    *_lookup(TeamViewSet, "team", "teams"),
    *_lookup(UserViewSet, "user", "users"),
    path("sla/", include("sla.api.urls")),
    path("", include("maintenance.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("releases.api.urls")),
    path("", include("reports.api.urls")),
]
