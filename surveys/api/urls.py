from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...>)

from .views import SurveyCampaignViewSet

V = SurveyCampaignViewSet

# /api/v1/survey-campaigns/
urlpatterns = [
    path(
        "survey-campaigns/",
        V.as_view({"get": "list", "post": "create"}),
        name="api-survey-campaigns",
    ),
    path("survey-campaigns/<id:pk>/", V.as_view({"get": "retrieve"}), name="api-survey-campaign"),
]
