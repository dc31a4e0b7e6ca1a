"""Django admin for tickets: a read-only window onto the data.

Tickets change only through ``tickets.services`` (state machine, audit events, outbox), so
the admin shows tickets, conversation, files, events and the hotline log but does not edit
them; use the staff console or the API to act on a ticket.
"""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyInline as BaseReadOnlyInline

from .models import (
    Attachment,
    CannedReply,
    Comment,
    HotlineCall,
    InboundMessage,
    MailboxLease,
    SavedView,
    SavedViewEvent,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketNumberSequence,
    TicketPresence,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(BaseReadOnlyInline):
    show_change_link = True


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "is_internal", "body"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["created_at", "original_name", "content_type", "size", "is_internal", "uploaded_by"]


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "actor", "kind", "is_internal", "data"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "organization",
        "kind",
        "status",
        "severity",
        "channel",
        "team",
        "assignee",
        "created_at",
        "resolution_due_at",
    ]
    list_filter = ["status", "severity", "kind", "channel", "severity_confirmed", "team"]
    search_fields = ["number", "title", "organization__name", "contact__name"]
    list_select_related = ["organization", "team", "assignee"]
    date_hierarchy = "created_at"
    inlines = [CommentInline, AttachmentInline, TicketEventInline]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "author", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["ticket__number", "body"]
    list_select_related = ["ticket", "author"]
    date_hierarchy = "created_at"


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "ticket", "content_type", "size", "is_internal", "created_at"]
    list_filter = ["is_internal", "content_type"]
    search_fields = ["original_name", "ticket__number"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "actor", "is_internal", "created_at"]
    list_filter = ["kind", "is_internal"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "actor"]
    date_hierarchy = "created_at"


@admin.register(HotlineCall)
class HotlineCallAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "caller_phone",
        "caller_name",
        "organization",
        "ticket",
        "resolved_on_first_contact",
        "agent",
    ]
    list_filter = ["resolved_on_first_contact"]
    search_fields = ["caller_phone", "caller_name", "external_call_id", "ticket__number"]
    list_select_related = ["organization", "ticket", "agent"]
    date_hierarchy = "started_at"


@admin.register(TicketNumberSequence)
class TicketNumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]


@admin.register(CannedReply)
class CannedReplyAdmin(ReadOnlyAdmin):
    """Kept through the staff pages or the API, which check placeholders and sharing rules."""

    list_display = ["name", "language", "owner", "shared", "team", "set_status"]
    list_filter = ["language", "shared"]
    search_fields = ["name"]


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin):
    list_display = ["source", "kind", "target", "created_by", "created_at"]
    list_select_related = ["source", "target", "created_by"]


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin):
    """Kept on the queue page or through the API, which allow-list the stored filters."""

    list_display = ["name", "owner", "team", "created_at"]
    list_select_related = ["owner", "team"]
    search_fields = ["name", "owner__username"]


@admin.register(SavedViewEvent)
class SavedViewEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "view", "actor", "kind"]
    list_select_related = ["view", "actor"]
    search_fields = ["view__name"]


@admin.register(TicketPresence)
class TicketPresenceAdmin(ReadOnlyAdmin):
    """Who had a ticket open or was replying (rows expire; the page reads the recent ones)."""

    list_display = ["ticket", "user", "state", "seen_at"]
    list_select_related = ["ticket", "user"]
    search_fields = ["ticket__number", "user__username"]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    """The log of received mail; held mails are decided on the staff console's page."""

    list_display = ["received_at", "source", "sender", "subject", "outcome", "reason", "ticket"]
    list_filter = ["outcome", "reason", "source"]
    list_select_related = ["ticket"]
    search_fields = ["sender", "subject", "message_id", "ticket__number"]
    exclude = ["raw"]


@admin.register(MailboxLease)
class MailboxLeaseAdmin(ReadOnlyAdmin):
    list_display = ["mailbox", "holder", "leased_until"]
