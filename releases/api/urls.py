"""Releases API routes (included under /api/v1/)."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...> and <ref:...>)

from .views import InstallationViewSet, ReleasePatchView, ReleaseViewSet

urlpatterns = [
    path("releases/", ReleaseViewSet.as_view({"get": "list"}), name="api-release-list"),
    path("releases/<id:pk>/patch", ReleasePatchView.as_view(), name="api-release-patch"),
    path(
        "installations/",
        InstallationViewSet.as_view({"get": "list", "post": "create"}),
        name="api-installation-list",
    ),
]
