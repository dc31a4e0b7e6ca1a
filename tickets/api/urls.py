"""Ticket API routes. Collections end with a slash; actions (RPC-style POSTs) do not."""

from django.urls import path

from . import views

T = views.TicketViewSet
ticket_list = T.as_view({"get": "list", "post": "create"})
ticket_detail = T.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("tickets/", ticket_list, name="api-ticket-list"),
    path(
        "tickets/bulk-assign",
        T.as_view({"post": "bulk_assign"}),
        name="api-ticket-bulk-assign",
    ),
    path("tickets/<str:pk>/", ticket_detail, name="api-ticket-detail"),
    path(
        "tickets/<str:pk>/comments/",
        views.TicketCommentsView.as_view(),
        name="api-ticket-comments",
    ),
    path(
        "tickets/<str:pk>/attachments/",
        views.TicketAttachmentsView.as_view(),
        name="api-ticket-attachments",
    ),
    path("tickets/<str:pk>/events/", views.TicketEventsView.as_view(), name="api-ticket-events"),
    path(
        "tickets/<str:pk>/transition",
        T.as_view({"post": "transition"}),
        name="api-ticket-transition",
    ),
    path("tickets/<str:pk>/confirm", T.as_view({"post": "confirm"}), name="api-ticket-confirm"),
    path("tickets/<str:pk>/assign", T.as_view({"post": "assign"}), name="api-ticket-assign"),
    path("tickets/<str:pk>/triage", T.as_view({"post": "triage"}), name="api-ticket-triage"),
    path(
        "tickets/<str:pk>/assignee-suggestions",
        T.as_view({"get": "assignee_suggestions"}, pagination_class=None, filter_backends=[]),
        name="api-ticket-assignee-suggestions",
    ),
    path(
        "attachments/<int:pk>/download",
        views.AttachmentDownloadView.as_view(),
        name="api-attachment-download",
    ),
    path(
        "hotline/calls",
        views.HotlineCallViewSet.as_view({"get": "list", "post": "create"}),
        name="api-hotline-calls",
    ),
    path(
        "sla/policies/<int:pk>/reapply",
        views.PolicyReapplyView.as_view(),
        name="api-sla-policy-reapply",
    ),
    path(
        "contacts/",
        views.ContactViewSet.as_view({"get": "list"}),
        name="api-contact-list",
    ),
    path(
        "contacts/<int:pk>/",
        views.ContactViewSet.as_view({"get": "retrieve"}),
        name="api-contact-detail",
    ),
]
