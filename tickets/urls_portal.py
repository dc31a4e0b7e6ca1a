from django.urls import path

from .views import portal

app_name = "portal"
urlpatterns = [
    path("", portal.ticket_list, name="ticket-list"),
    path("new/", portal.ticket_create, name="ticket-create"),
    path("tickets/<str:number>/", portal.ticket_detail, name="ticket"),
    path("tickets/<str:number>/reply/", portal.ticket_reply, name="ticket-reply"),
    path("tickets/<str:number>/confirm/", portal.ticket_confirm, name="ticket-confirm"),
    path("tickets/<str:number>/reopen/", portal.ticket_reopen, name="ticket-reopen"),
    path("tickets/<str:number>/cancel/", portal.ticket_cancel, name="ticket-cancel"),
]
