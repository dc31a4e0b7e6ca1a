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
    path("hotline/", staff.hotline, name="hotline"),
    path("hotline/lookup", staff.hotline_lookup, name="hotline-lookup"),
]
