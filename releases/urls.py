"""Routes of the release pages, included from servicedesk/urls.py under these namespaces:
``downloads`` (portal, /portal/downloads/), ``announcements`` (portal, /portal/announcements/),
``library`` (portal, /portal/library/), ``releases`` (staff, /staff/releases/),
``staff-announcements`` (/staff/announcements/) and ``documents`` (/staff/documents/)."""

from django.urls import path

from . import views
from .views import announcements, documents

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

announcement_urlpatterns = [
    path("", announcements.portal_list, name="list"),
    path("<int:pk>/", announcements.portal_detail, name="detail"),
]

staff_announcement_urlpatterns = [
    path("", announcements.staff_list, name="list"),
    path("new/", announcements.staff_edit, name="new"),
    path("<int:pk>/", announcements.staff_edit, name="edit"),
    path("<int:pk>/publish", announcements.staff_publish, name="publish"),
    path("<int:pk>/withdraw", announcements.staff_withdraw, name="withdraw"),
]

library_urlpatterns = [
    path("", documents.library, name="index"),
    path("versions/<int:version_id>/", documents.library_version, name="version"),
    path("documents/<int:pk>/download", documents.download, name="download"),
]

staff_document_urlpatterns = [
    path("", documents.staff_library, name="index"),
    path("<int:pk>/delete", documents.staff_delete, name="delete"),
]
