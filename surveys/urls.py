from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("surveys/campaigns/", views.campaign_list, name="campaigns"),
    path("surveys/campaigns/new/", views.campaign_new, name="campaign-new"),
    path("surveys/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("surveys/random/", views.random_policy, name="random"),
]
