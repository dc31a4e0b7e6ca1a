"""Releases API routes (included under /api/v1/)."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...> and <ref:...>)

from .announcements import AnnouncementViewSet
from .documents import DocumentFileView, DocumentViewSet
from .views import InstallationViewSet, ReleasePatchView, ReleaseViewSet

A = AnnouncementViewSet

urlpatterns = [
    path("releases/", ReleaseViewSet.as_view({"get": "list"}), name="api-release-list"),
    path("releases/<id:pk>/patch", ReleasePatchView.as_view(), name="api-release-patch"),
    path(
        "installations/",
        InstallationViewSet.as_view({"get": "list", "post": "create"}),
        name="api-installation-list",
    ),
    path(
        "announcements/", A.as_view({"get": "list", "post": "create"}), name="api-announcement-list"
    ),
    path(
        "announcements/<id:pk>/",
        A.as_view({"get": "retrieve", "put": "update"}, filter_backends=[], pagination_class=None),
        name="api-announcement-detail",
    ),
    *[
        path(
            f"announcements/<id:pk>/{step}",
            A.as_view({"post": step}, filter_backends=[], pagination_class=None),
            name=f"api-announcement-{step}",
        )
        for step in ("publish", "withdraw")
    ],
    path(
        "documents/",
        DocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="api-document-list",
    ),
    path(
        "documents/<id:pk>/",
        DocumentViewSet.as_view(
            {"get": "retrieve", "delete": "destroy"}, filter_backends=[], pagination_class=None
        ),
        name="api-document-detail",
    ),
    path("documents/<id:pk>/file", DocumentFileView.as_view(), name="api-document-file"),
]
