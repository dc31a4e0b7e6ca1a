"""Staff console: triage queue, ticket page, hotline intake."""

from django.urls import path

from .views import staff

app_name = "staff"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("bulk-assign/", staff.bulk_assign, name="bulk-assign"),
    path("views/counts", staff.queue_view_counts, name="queue-view-counts"),
    path("views/", staff.saved_view_save, name="saved-view-save"),
    path("views/<int:pk>/delete/", staff.saved_view_remove, name="saved-view-delete"),
    path("organizations/options", staff.organization_options, name="organization-options"),
    path("staff/options", staff.staff_options, name="staff-options"),
    path("tickets/<int:pk>/", staff.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", staff.ticket_reply, name="ticket-reply"),
    path("tickets/<int:pk>/note/", staff.ticket_note, name="ticket-note"),
    path("tickets/<int:pk>/transition/", staff.ticket_transition, name="ticket-transition"),
    path("tickets/<int:pk>/triage/", staff.ticket_triage, name="ticket-triage"),
    path("tickets/<int:pk>/assign/", staff.ticket_assign, name="ticket-assign"),
    path("tickets/<int:pk>/assign/panel", staff.ticket_assign_panel, name="ticket-assign-panel"),
    path("tickets/<int:pk>/severity/", staff.ticket_severity, name="ticket-severity"),
    path(
        "tickets/<int:pk>/<str:panel>/panel",
        staff.ticket_form_panel,
        name="ticket-form-panel",
    ),
    path("tickets/<int:pk>/panels/<slug:key>", staff.ticket_panel, name="ticket-panel"),
    path("tickets/<int:pk>/canned-replies", staff.canned_picker, name="ticket-canned"),
    path("tickets/<int:pk>/links", staff.links_panel, name="ticket-links"),
    path("tickets/<int:pk>/links/add", staff.link_add, name="ticket-link-add"),
    path(
        "tickets/<int:pk>/links/<int:link_pk>/remove",
        staff.link_remove,
        name="ticket-link-remove",
    ),
    path("tickets/<int:pk>/merge", staff.merge, name="ticket-merge"),
    path("tickets/<int:pk>/presence", staff.presence, name="ticket-presence"),
    path("tickets/<int:pk>/next", staff.ticket_step, {"direction": "next"}, name="ticket-next"),
    path(
        "tickets/<int:pk>/previous",
        staff.ticket_step,
        {"direction": "previous"},
        name="ticket-previous",
    ),
    path("canned-replies/", staff.canned_list, name="canned-list"),
    path("canned-replies/<int:pk>/", staff.canned_edit, name="canned-edit"),
    path("canned-replies/<int:pk>/delete", staff.canned_delete, name="canned-delete"),
    path("hotline/", staff.hotline, name="hotline"),
    path("inbound/", staff.inbound_list, name="inbound"),
    path("inbound/<int:pk>/accept", staff.inbound_accept, name="inbound-accept"),
    path("inbound/<int:pk>/reject", staff.inbound_reject, name="inbound-reject"),
    path("hotline/lookup", staff.hotline_lookup, name="hotline-lookup"),
]
