"""Django admin for releases: read-only, since every change writes its audit event through
``releases.services`` (the Releases page and the API)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.admin import ReadOnlyAdmin

from .models import Installation, Patch, ReleaseEvent


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
