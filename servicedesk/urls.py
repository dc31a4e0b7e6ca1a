from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from knowledge import urls as knowledge_urls
from releases.urls import (
    announcement_urlpatterns,
    library_urlpatterns,
    portal_urlpatterns,
    staff_announcement_urlpatterns,
    staff_document_urlpatterns,
    staff_urlpatterns,
)

from . import accounts
from .health import readiness


def healthz(request):
    """Liveness: the process answers. No database, no broker (docs/OPERATIONS.md)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness: database, broker, SLA sweep and notification delivery (health.py)."""
    ready, body = readiness()
    return JsonResponse(body, status=200 if ready else 503)


api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

# Unhandled errors: JSON in the API's shape under /api/, a standalone page elsewhere; a lost
# database is a 503 (servicedesk/views.py).
handler500 = "servicedesk.views.server_error"
handler404 = "servicedesk.views.not_found"
handler400 = "servicedesk.views.bad_request"
handler403 = "servicedesk.views.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include(accounts.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Public, like the schema: they describe the contract, not data (README decision 27).
    # Swagger UI is served by the app (no internet needed); it styles its own elements inline.
    path("api/docs/", api_docs, name="api-docs"),
    path("api/<str:version>/", include("servicedesk.api.urls")),
    path("portal/downloads/", include((portal_urlpatterns, "downloads"))),
    path("staff/releases/", include((staff_urlpatterns, "releases"))),
    path("portal/announcements/", include((announcement_urlpatterns, "announcements"))),
    path("portal/library/", include((library_urlpatterns, "library"))),
    path(
        "staff/announcements/",
        include((staff_announcement_urlpatterns, "staff-announcements")),
    ),
    path("staff/documents/", include((staff_document_urlpatterns, "documents"))),
    path("portal/knowledge/", include((knowledge_urls.portal_urlpatterns, "knowledge-portal"))),
    path("staff/knowledge/", include((knowledge_urls.staff_urlpatterns, "knowledge"))),
    path("maintenance/", include(("maintenance.urls", "maintenance"))),
    path("reports/", include(("reports.urls", "reports"))),
    path("", include("surveys.urls")),
    path("", include("tickets.urls")),
]
