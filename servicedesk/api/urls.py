"""The versioned API root (/api/v1/): shared-directory lookups and the tickets API."""

from django.urls import include, path

from reports.api.urls import run_urlpatterns

from . import (
    converters,  # noqa: F401  (registers <id:...> and <ref:...>)
    schema,  # noqa: F401  (registers the token scheme for OpenAPI)
)
from .notifications import NotificationViewSet
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
    path(
        "notifications/",
        NotificationViewSet.as_view({"get": "list"}),
        name="api-notification-list",
    ),
    path(
        "notifications/unread-count/",
        NotificationViewSet.as_view(
            {"get": "unread_count"}, filter_backends=[], pagination_class=None
        ),
        name="api-notification-unread-count",
    ),
    path(
        "notifications/read/",
        NotificationViewSet.as_view({"post": "mark_read"}, filter_backends=[]),
        name="api-notification-read",
    ),
    path(
        "notifications/preferences/",
        # the action's own settings: as_view does not read @action's keyword arguments, so
        # the schema documented this plain list as a paginated, filtered one
        NotificationViewSet.as_view(
            {"get": "preferences", "put": "preferences"},
            filter_backends=[],
            pagination_class=None,
            metadata_class=None,  # OPTIONS would look up an object this route has not
        ),
        name="api-notification-preferences",
    ),
    path(
        "notifications/<id:pk>/",
        NotificationViewSet.as_view({"get": "retrieve"}),
        name="api-notification-detail",
    ),
    path("sla/", include("sla.api.urls")),
    path("reports/", include("reports.api.urls")),
    path("", include("maintenance.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("releases.api.urls")),
    path("", include("knowledge.api.urls")),
    path("", include(run_urlpatterns)),
    path("", include("surveys.api.urls")),
]
