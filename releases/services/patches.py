"""Releases and patches: upload (or replace) a version's patch, edit its release notes and
release date, record which version a contract's customer runs.

Each function checks the role rules, locks the row it changes, writes and records a
``ReleaseEvent`` in one transaction. Patch files go to the default storage under MEDIA_ROOT
(``patches/<uuid><ext>``): MEDIA_URL is never served, so the only way to a file is the
permission-checked download views.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterator
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Contract, ProductVersion, User
from servicedesk.permissions import can_draft, can_engineer, is_staff_user

from ..models import Installation, Patch, ReleaseEvent

# What a vendor ships as a patch or upgrade package: archives, installers, database scripts,
# Java deployables, source diffs and the upgrade guide. Compound endings first. Downloads are
# always sent as application/octet-stream attachments, so nothing is ever rendered inline;
# HTML, SVG and scripts a browser would run (.html, .js, .svg, .bat, .ps1 ...) are refused.
PATCH_EXTENSIONS = (
    ".tar.gz",
    ".tgz",
    ".zip",
    ".7z",
    ".rar",
    ".exe",
    ".msi",
    ".sql",
    ".jar",
    ".war",
    ".patch",
    ".pdf",
)
NOTES_MAX_LENGTH = 20_000
NAME_MAX_LENGTH = 200


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


class EventKind:
    PATCH_UPLOADED = "patch_uploaded"
    PATCH_REPLACED = "patch_replaced"
    NOTES_UPDATED = "notes_updated"
    INSTALLATION_RECORDED = "installation_recorded"


def _require(actor: User, allowed: bool, message: str) -> None:
    """403 for staff without the role; 404 for everyone else (customers change nothing here,
    and learn nothing about versions they are not covered for)."""
    if allowed:
        return
    if not is_staff_user(actor):
        raise NotFound(_("Version not found."))
    raise NotAllowed(message)


def patch_extension(name: str) -> str | None:
    """The allowed ending of ``name`` (``.tar.gz`` before ``.gz``), or None."""
    return extension_in(name, PATCH_EXTENSIONS)


def extension_in(name: str, allowed: tuple[str, ...]) -> str | None:
    """The ending of ``name`` among ``allowed`` (compound endings listed first), or None."""
    lowered = name.lower()
    for ext in allowed:
        if lowered.endswith(ext) and len(lowered) > len(ext):
            return ext
    return None


def clean_file_name(name: str) -> str:
    """The upload's base name, without control characters (it goes into a header), cut to the
    column keeping its extension."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip() or "patch"
    if len(base) <= NAME_MAX_LENGTH:
        return base
    ext = patch_extension(base) or PurePath(base).suffix[:20]
    return base[: NAME_MAX_LENGTH - len(ext)] + ext


def _limit_mb() -> int:
    return max(1, settings.PATCH_MAX_BYTES // (1024 * 1024))


def _too_large(name: str) -> ValidationFailed:
    return ValidationFailed(
        _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": _limit_mb()},
        code="patch_too_large",
        fields={"file": [_("File too large.")]},
    )


def validate_patch(upload: UploadedFile) -> str:
    """Type and size checks before anything is stored; returns the cleaned file name."""
    name = clean_file_name(upload.name or "")
    if patch_extension(name) is None:
        raise ValidationFailed(
            _("Files of type “%(ext)s” are not accepted as patches. Allowed: %(allowed)s.")
            % {
                "ext": PurePath(name).suffix.lower() or "?",
                "allowed": ", ".join(PATCH_EXTENSIONS),
            },
            code="patch_type",
            fields={"file": [_("File type not allowed.")]},
        )
    if not upload.size:
        raise ValidationFailed(
            _("“%(name)s” is empty.") % {"name": name},
            code="patch_empty",
            fields={"file": [_("The file is empty.")]},
        )
    if upload.size > settings.PATCH_MAX_BYTES:
        raise _too_large(name)
    return name


class HashingFile(File):
    """Hands the upload to the storage chunk by chunk, hashing and counting as it goes.

    It deliberately has no ``temporary_file_path``: FileSystemStorage would otherwise move the
    temporary file into place without reading it, and the digest would need a second pass.
    """

    def __init__(self, upload: UploadedFile) -> None:
        super().__init__(upload.file, name=upload.name)
        self._upload = upload
        self.digest = hashlib.sha256()
        self.count = 0

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in self._upload.chunks(chunk_size):
            self.digest.update(chunk)
            self.count += len(chunk)
            yield chunk


def _event(
    version: ProductVersion,
    actor: User,
    kind: str,
    *,
    contract: Contract | None = None,
    **data: Any,
) -> ReleaseEvent:
    return ReleaseEvent.objects.create(
        version=version, contract=contract, actor=actor, kind=kind, data=data
    )


def _lock_version(version: ProductVersion) -> ProductVersion:
    try:
        return (
            ProductVersion.objects.select_for_update().select_related("product").get(pk=version.pk)
        )
    except ProductVersion.DoesNotExist:
        raise NotFound(_("Version not found.")) from None


def patch_upload(version: ProductVersion, *, actor: User, upload: UploadedFile) -> Patch:
    """Store ``upload`` as the version's patch, replacing the previous one.

    Lock: the version row (``select_for_update``), so two uploads for one version run one
    after the other. The new file is written first; the row then points to it; the old file
    is deleted only once the transaction commits. A failure before commit deletes the new
    file and leaves the old patch in place: the row always names a file that exists.
    """
    _require(actor, can_engineer(actor), _("Only engineers and managers upload patches."))
    name = validate_patch(upload)
    with transaction.atomic():
        locked = _lock_version(version)
        patch = Patch.objects.filter(version=locked).first()
        replaced = (
            {"name": patch.original_name, "sha256": patch.sha256, "size": patch.size}
            if patch
            else None
        )
        old_file = patch.file.name if patch else None
        patch = patch or Patch(version=locked)
        storage = patch.file.storage
        hashing = HashingFile(upload)
        patch.file.save(name, hashing, save=False)
        new_file = str(patch.file.name)
        try:
            if hashing.count > settings.PATCH_MAX_BYTES:  # the declared size was wrong
                raise _too_large(name)
            patch.original_name = name
            patch.size = hashing.count
            patch.sha256 = hashing.digest.hexdigest()
            patch.uploaded_by = actor
            patch.created_at = timezone.now()
            patch.save()
            _event(
                locked,
                actor,
                EventKind.PATCH_REPLACED if replaced else EventKind.PATCH_UPLOADED,
                name=name,
                size=patch.size,
                sha256=patch.sha256,
                replaced=replaced,
            )
        except BaseException:
            storage.delete(new_file)
            raise
        if old_file and old_file != new_file:
            transaction.on_commit(lambda: storage.delete(old_file))
    return patch


def release_notes_update(
    version: ProductVersion,
    *,
    actor: User,
    notes: str,
    released_on: dt.date | None | Literal[_Keep.KEEP] = KEEP,
) -> ProductVersion:
    """Edit a version's release notes (plain text) and, if given, its release date.

    Customers see a version only from its release date on, so setting the date publishes it:
    a date of today or earlier starts the patch notices on commit (``notices``); a later one
    is picked up by the hourly ``patch_notices_due``. An edit that changes nothing writes no
    event.
    """
    _require(actor, can_engineer(actor), _("Only engineers and managers edit release notes."))
    notes = (notes or "").replace("\r\n", "\n").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationFailed(
            _("Release notes may have at most %(limit)d characters.") % {"limit": NOTES_MAX_LENGTH},
            fields={"notes": [_("Too long.")]},
        )
    with transaction.atomic():
        locked = _lock_version(version)
        changes: dict[str, Any] = {}
        if notes != locked.notes:
            changes["notes"] = [locked.notes, notes]
            locked.notes = notes
        if released_on is not KEEP and released_on != locked.released_on:
            old = locked.released_on.isoformat() if locked.released_on else None
            changes["released_on"] = [old, released_on.isoformat() if released_on else None]
            locked.released_on = released_on
        if changes:
            locked.save(update_fields=["notes", "released_on"])
            _event(locked, actor, EventKind.NOTES_UPDATED, **changes)
        if "released_on" in changes:
            from .notices import patch_notices_schedule

            patch_notices_schedule(locked)  # on commit, when the date has come
    return locked


def installation_record(
    contract: Contract,
    *,
    actor: User,
    version: ProductVersion,
    installed_on: dt.date | None = None,
) -> Installation:
    """Record that the contract's customer runs ``version`` (one row per contract and product:
    a later record replaces the earlier one, and the event keeps old -> new).

    Lock: the contract row, so two records for one contract never race on the unique row.
    """
    _require(actor, can_draft(actor), _("Only agents, engineers and managers record versions."))
    if installed_on is not None and installed_on > timezone.localdate():
        raise ValidationFailed(
            _("The installation date cannot be in the future."),
            fields={"installed_on": [_("In the future.")]},
        )
    with transaction.atomic():
        try:
            locked = Contract.objects.select_for_update().get(pk=contract.pk)
        except Contract.DoesNotExist:
            raise NotFound(_("Contract not found.")) from None
        if not locked.products.filter(pk=version.product_id).exists():
            raise ValidationFailed(
                _("Contract %(contract)s does not cover this product.")
                % {"contract": locked.number},
                fields={"version": [_("The contract does not cover this product.")]},
            )
        installation = (
            Installation.objects.filter(contract=locked, product_id=version.product_id)
            .select_related("version")
            .first()
        )
        old = installation.version.version if installation else None
        if installation is None:
            installation = Installation(contract=locked, product_id=version.product_id)
        installation.version = version
        installation.installed_on = installed_on
        installation.save()
        _event(
            version,
            actor,
            EventKind.INSTALLATION_RECORDED,
            contract=locked,
            product=version.product_id,
            old_version=old,
            new_version=version.version,
            installed_on=installed_on.isoformat() if installed_on else None,
        )
    return installation
