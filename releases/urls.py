"""Routes of the release pages, included from servicedesk/urls.py under two namespaces:
``downloads`` (portal, /portal/downloads/) and ``releases`` (staff, /staff/releases/)."""

from django.urls import path

from . import views

portal_urlpatterns = [
    path("", views.downloads, name="list"),
    path("<int:version_id>/patch", views.download_patch, name="patch"),
]

staff_urlpatterns = [
    path("", views.releases_index, name="index"),
    path("<int:pk>/patch", views.patch, name="patch"),
    path("<int:pk>/notes", views.notes, name="notes"),
    path("installations", views.installation_record, name="installation-record"),
]
