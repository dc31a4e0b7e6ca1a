"""Pages of releases, one module per sub-domain: ``releases`` (the portal's downloads and
the staff releases page), ``announcements`` (公告) and ``documents`` (文档库)."""

from . import announcements, documents
from .releases import (
    customer_required,
    download_patch,
    downloads,
    installation_record,
    notes,
    patch,
    patch_response,
    releases_index,
)

__all__ = [
    "announcements",
    "customer_required",
    "documents",
    "download_patch",
    "downloads",
    "installation_record",
    "notes",
    "patch",
    "patch_response",
    "releases_index",
]
