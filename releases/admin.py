"""Django admin for releases: read-only, since every change writes its audit event through
``releases.services`` (the Releases page and the API)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin

from .models import (
    Announcement,
    AnnouncementEvent,
    AnnouncementNotice,
    Document,
    DocumentEvent,
    Installation,
    Patch,
    PatchNotice,
    ReleaseEvent,
)


@admin.register(Patch)
class PatchAdmin(ReadOnlyAdmin):
    list_display = ["version", "original_name", "size", "uploaded_by", "created_at"]


@admin.register(Installation)
class InstallationAdmin(ReadOnlyAdmin):
    """Recorded on the Releases page or ``POST /api/v1/installations/`` (audited there)."""

    list_display = ["contract", "product", "version", "installed_on"]
    list_filter = ["product"]


@admin.register(ReleaseEvent)
class ReleaseEventAdmin(ReadOnlyAdmin):
    list_display = ["version", "kind", "contract", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["version", "contract"]


@admin.register(PatchNotice)
class PatchNoticeAdmin(ReadOnlyAdmin):
    """Written by the patch notices (one per version and contact)."""

    list_display = ["version", "contact", "created_at"]
    raw_id_fields = ["version", "contact"]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    """Written on the staff Announcements pages or ``/api/v1/announcements/`` (audited)."""

    list_display = ["title", "kind", "audience", "published_at", "expires_at", "withdrawn_at"]
    list_filter = ["kind", "audience"]


@admin.register(AnnouncementEvent)
class AnnouncementEventAdmin(ReadOnlyAdmin):
    list_display = ["announcement", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["announcement"]


@admin.register(AnnouncementNotice)
class AnnouncementNoticeAdmin(ReadOnlyAdmin):
    list_display = ["announcement", "contact", "created_at"]
    raw_id_fields = ["announcement", "contact"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Uploaded on the staff Document library page or ``/api/v1/documents/`` (audited)."""

    list_display = ["title", "product", "language", "is_public", "original_name", "created_at"]
    list_filter = ["product", "language", "is_public"]


@admin.register(DocumentEvent)
class DocumentEventAdmin(ReadOnlyAdmin):
    list_display = ["document", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["document"]
