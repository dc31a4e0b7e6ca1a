"""Every read of releases, one module per sub-domain, re-exported here
(``from releases import selectors``): ``releases`` (versions, patches, installations),
``announcements`` (公告 by audience) and ``documents`` (the document library)."""

from .announcements import (
    announcement_get_for,
    announcement_list,
    announcements_current,
    announcements_visible,
)
from .documents import (
    document_get_for,
    document_list,
    documents_for_version,
    library_versions,
)
from .releases import (
    INSTALLATION_FILTERS,
    covered_products,
    covered_q,
    installations,
    patch_get_for,
    releases_for,
    version_get_for,
)

__all__ = [
    "INSTALLATION_FILTERS",
    "announcement_get_for",
    "announcement_list",
    "announcements_current",
    "announcements_visible",
    "covered_products",
    "covered_q",
    "document_get_for",
    "document_list",
    "documents_for_version",
    "installations",
    "library_versions",
    "patch_get_for",
    "releases_for",
    "version_get_for",
]
