"""Ticket API routes. Collections end with a slash; actions (RPC-style POSTs) do not."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...> and <ref:...>)

from . import desk, inbound, queue_views, views

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
    path("tickets/<ref:pk>/", ticket_detail, name="api-ticket-detail"),
    path(
        "tickets/<ref:pk>/comments/",
        views.TicketCommentsView.as_view(),
        name="api-ticket-comments",
    ),
    path(
        "tickets/<ref:pk>/attachments/",
        views.TicketAttachmentsView.as_view(),
        name="api-ticket-attachments",
    ),
    path("tickets/<ref:pk>/events/", views.TicketEventsView.as_view(), name="api-ticket-events"),
    path(
        "tickets/<ref:pk>/transition",
        T.as_view({"post": "transition"}),
        name="api-ticket-transition",
    ),
    path("tickets/<ref:pk>/confirm", T.as_view({"post": "confirm"}), name="api-ticket-confirm"),
    path("tickets/<ref:pk>/assign", T.as_view({"post": "assign"}), name="api-ticket-assign"),
    path("tickets/<ref:pk>/triage", T.as_view({"post": "triage"}), name="api-ticket-triage"),
    path(
        "tickets/<ref:pk>/assignee-suggestions",
        T.as_view({"get": "assignee_suggestions"}, pagination_class=None, filter_backends=[]),
        name="api-ticket-assignee-suggestions",
    ),
    path(
        "tickets/<ref:pk>/canned-reply",
        desk.TicketCannedReplyView.as_view(),
        name="api-ticket-canned-reply",
    ),
    path("tickets/<ref:pk>/links/", desk.TicketLinksView.as_view(), name="api-ticket-links"),
    path(
        "tickets/<ref:pk>/links/<id:link>/",
        desk.TicketLinkDetailView.as_view(),
        name="api-ticket-link-detail",
    ),
    path("tickets/<ref:pk>/merge", desk.TicketMergeView.as_view(), name="api-ticket-merge"),
    path(
        "canned-replies/",
        desk.CannedReplyViewSet.as_view({"get": "list", "post": "create"}),
        name="api-canned-reply-list",
    ),
    path(
        "canned-replies/<id:pk>/",
        desk.CannedReplyViewSet.as_view(
            {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
        ),
        name="api-canned-reply-detail",
    ),
    path(
        "attachments/<id:pk>/download",
        views.AttachmentDownloadView.as_view(),
        name="api-attachment-download",
    ),
    path(
        "hotline/calls",
        views.HotlineCallViewSet.as_view({"get": "list", "post": "create"}),
        name="api-hotline-calls",
    ),
    path(
        "sla/policies/<id:pk>/reapply",
        views.PolicyReapplyView.as_view(),
        name="api-sla-policy-reapply",
    ),
    path("inbound-mail/", inbound.InboundMailView.as_view(), name="api-inbound-mail"),
    path("views/", queue_views.QueueViewList.as_view(), name="api-queue-view-list"),
    path("views/<id:pk>/", queue_views.SavedViewDetail.as_view(), name="api-saved-view-detail"),
    path(
        "contacts/",
        views.ContactViewSet.as_view({"get": "list"}),
        name="api-contact-list",
    ),
    path(
        "contacts/<id:pk>/",
        views.ContactViewSet.as_view({"get": "retrieve"}),
        name="api-contact-detail",
    ),
]
