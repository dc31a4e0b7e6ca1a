"""Every state change of releases, one module per sub-domain, re-exported here:
``from releases.services import patch_upload``.

* ``patches``: patch uploads, release notes and dates (publishing), installed versions;
* ``notices``: the patch notices to the contacts running a fixed version;
* ``announcements``: 公告, drafted, published, withdrawn, mailed once;
* ``documents``: the document library (文档库), uploads and removals.
"""

from .announcements import (
    ANNOUNCEMENT_TRANSITIONS,
    announcement_create,
    announcement_notices_send,
    announcement_publish,
    announcement_update,
    announcement_withdraw,
)
from .documents import DOCUMENT_EXTENSIONS, document_delete, document_upload
from .notices import fix_source, patch_notices_due, patch_notices_schedule, patch_notices_send
from .patches import (
    KEEP,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    PATCH_EXTENSIONS,
    EventKind,
    clean_file_name,
    installation_record,
    patch_extension,
    patch_upload,
    release_notes_update,
    validate_patch,
)

__all__ = [
    "ANNOUNCEMENT_TRANSITIONS",
    "DOCUMENT_EXTENSIONS",
    "KEEP",
    "NAME_MAX_LENGTH",
    "NOTES_MAX_LENGTH",
    "PATCH_EXTENSIONS",
    "EventKind",
    "announcement_create",
    "announcement_notices_send",
    "announcement_publish",
    "announcement_update",
    "announcement_withdraw",
    "clean_file_name",
    "document_delete",
    "document_upload",
    "fix_source",
    "installation_record",
    "patch_extension",
    "patch_notices_due",
    "patch_notices_schedule",
    "patch_notices_send",
    "patch_upload",
    "release_notes_update",
    "validate_patch",
]
