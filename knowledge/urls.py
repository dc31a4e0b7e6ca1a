"""Routes of the knowledge pages, included from servicedesk/urls.py under two namespaces:
``knowledge`` (staff, /staff/knowledge/) and ``knowledge-portal`` (/portal/knowledge/)."""

from django.urls import path

from .views import portal, staff

staff_urlpatterns = [
    path("", staff.article_list, name="list"),
    path("new/", staff.article_new, name="new"),
    path("<int:pk>/", staff.article_edit, name="edit"),
    path("<int:pk>/transition", staff.article_transition, name="transition"),
    path("from-ticket/<int:ticket_pk>", staff.article_from_ticket, name="from-ticket"),
]

portal_urlpatterns = [
    path("", portal.article_list, name="list"),
    path("suggestions", portal.suggestions, name="suggestions"),
    path("solved", portal.solved, name="solved"),
    path("<int:pk>/", portal.article_detail, name="detail"),
    path("<int:pk>/feedback", portal.article_feedback, name="feedback"),
]
