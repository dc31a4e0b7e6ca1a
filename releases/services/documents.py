"""The document library (文档库): manuals and guides per product and version, uploaded by
staff under the same safety rules as patches (an allow-list of types, a size limit checked
before and while storing, a generated storage name, downloads only as attachments through
permission-checked views), public to the product's customers or internal.

Each change writes a ``DocumentEvent`` in its transaction; a file is deleted from storage
only once the removal commits, and a failed upload deletes what it stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Product, ProductVersion, User
from servicedesk.permissions import can_engineer, is_staff_user

from ..models import Document, DocumentEvent
from .patches import HashingFile, clean_file_name, extension_in

# Manuals, guides and release documents; nothing a browser would run or render as a page.
DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".docx",
    ".doc",
    ".xlsx",
    ".xls",
    ".pptx",
    ".odt",
    ".txt",
    ".md",
    ".zip",
    ".chm",
)
TITLE_MAX_LENGTH = 200


def _require(actor: User) -> None:
    if can_engineer(actor):
        return
    if not is_staff_user(actor):
        raise NotFound(_("Document not found."))
    raise NotAllowed(_("Only engineers and managers manage documents."))


def _limit_mb() -> int:
    return max(1, settings.DOCUMENT_MAX_BYTES // (1024 * 1024))


def _too_large(name: str) -> ValidationFailed:
    return ValidationFailed(
        _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": _limit_mb()},
        code="document_too_large",
        fields={"file": [_("File too large.")]},
    )


def _validate(
    upload: UploadedFile | None,
    *,
    title: str,
    product: Product | None,
    versions: Iterable[ProductVersion],
    language: str,
) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    name = clean_file_name(upload.name or "") if upload is not None else ""
    if upload is None:
        errors["file"] = [_("Choose a file.")]
    elif extension_in(name, DOCUMENT_EXTENSIONS) is None:
        errors["file"] = [
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {
                "ext": PurePath(name).suffix.lower() or "?",
                "allowed": ", ".join(DOCUMENT_EXTENSIONS),
            }
        ]
    elif not upload.size:
        errors["file"] = [_("The file is empty.")]
    elif upload.size > settings.DOCUMENT_MAX_BYTES:
        raise _too_large(name)
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [_("Give the document a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("At most %(limit)d characters.") % {"limit": TITLE_MAX_LENGTH}]
    if product is None:
        errors["product"] = [_("Choose a product.")]
    elif any(v.product_id != product.pk for v in versions):
        errors["versions"] = [_("A version of another product.")]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose a language.")]
    if errors:
        raise ValidationFailed(_("The document has errors."), fields=errors)
    return name, title


def document_upload(
    *,
    actor: User,
    upload: UploadedFile | None,
    title: str,
    product: Product | None,
    versions: Iterable[ProductVersion] = (),
    language: str,
    is_public: bool = True,
) -> Document:
    """Store a new document. No versions: it is about every version of the product."""
    _require(actor)
    versions = list(versions)
    name, title = _validate(
        upload, title=title, product=product, versions=versions, language=language
    )
    assert upload is not None and product is not None  # noqa: S101  (checked above)
    with transaction.atomic():
        document = Document(
            title=title,
            product=product,
            language=language,
            is_public=is_public,
            original_name=name,
            uploaded_by=actor,
            size=0,
        )
        hashing = HashingFile(upload)
        document.file.save(name, hashing, save=False)
        stored = str(document.file.name)
        try:
            if hashing.count > settings.DOCUMENT_MAX_BYTES:  # the declared size was wrong
                raise _too_large(name)
            document.size, document.sha256 = hashing.count, hashing.digest.hexdigest()
            document.save()
            document.versions.set(versions)
            DocumentEvent.objects.create(
                document=document,
                actor=actor,
                kind="uploaded",
                data={
                    "title": title,
                    "name": name,
                    "size": document.size,
                    "sha256": document.sha256,
                    "product": product.pk,
                    "versions": sorted(v.pk for v in versions),
                    "language": language,
                    "public": is_public,
                },
            )
        except BaseException:
            document.file.storage.delete(stored)
            raise
    return document


def document_delete(document: Document, *, actor: User) -> None:
    """Remove a document; its file goes once the removal commits, its event stays."""
    _require(actor)
    with transaction.atomic():
        try:
            locked = Document.objects.select_for_update().get(pk=document.pk)
        except Document.DoesNotExist:
            raise NotFound(_("Document not found.")) from None
        storage, stored = locked.file.storage, str(locked.file.name)
        DocumentEvent.objects.create(
            document=None,
            actor=actor,
            kind="removed",
            data={"document": locked.pk, "title": locked.title, "name": locked.original_name},
        )
        locked.delete()
        transaction.on_commit(lambda: storage.delete(stored))
