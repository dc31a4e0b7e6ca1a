from django.urls import include, path

from .views import common

urlpatterns = [
    path("", common.home, name="home"),
    path("attachments/<int:pk>/download", common.attachment_download, name="attachment-download"),
    path("staff/", include(("tickets.urls_staff", "staff"))),
    path("portal/", include(("tickets.urls_portal", "portal"))),
]
