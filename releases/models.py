"""Releases and patches: the downloadable package of each product version, which version
each contract's customer runs, and the audit trail of both.

Announcements (公告) and the document library (文档库) are the portal's other
readings; patch notices tell the contacts running a fixed version.

Customers see versions through their contracts (``releases.selectors``); staff upload patches,
edit release notes and record installations (``releases.services``).
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.events import AuditEvent
from servicedesk.models import Contact, Contract, Organization, Product, ProductVersion


def patch_storage_name(instance: Patch, filename: str) -> str:
    """A generated name under the private storage: the upload's name never reaches disk."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"patches/{uuid.uuid4().hex}{suffix}"


class Patch(models.Model):
    """The downloadable package of a product version (补丁 / 升级包), private storage."""

    version = models.OneToOneField(ProductVersion, on_delete=models.CASCADE, related_name="patch")
    file = models.FileField(upload_to=patch_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patch")
        verbose_name_plural = _("patches")

    def __str__(self) -> str:
        return self.original_name


class Installation(models.Model):
    """Which version of a product a contract's customer runs (recorded by staff)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="installations")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="installations"
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("installed version")
        verbose_name_plural = _("installed versions")
        constraints = [
            models.UniqueConstraint(fields=["contract", "product"], name="installation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.version_id}"


class ReleaseEvent(AuditEvent):
    """Append-only audit trail of releases: patch uploads and replacements, release-note
    edits, installations recorded. ``data`` keeps the facts (file name, sha256, old -> new)."""

    version = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="release_events"
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["version", "created_at"], name="release_event_time")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.kind}"


class PatchNotice(models.Model):
    """That a contact was told a published version fixes a fault on the version their
    organization runs: the key that makes the notice once per (version, contact), however
    often publishing is retried or the task re-run."""

    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patch notice")
        verbose_name_plural = _("patch notices")
        constraints = [
            models.UniqueConstraint(fields=["version", "contact"], name="patch_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.version_id} → {self.contact_id}"


class AnnouncementKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance window")
    RELEASE = "release", _("Release")
    NOTICE = "notice", _("Notice")


class AnnouncementAudience(models.TextChoices):
    ALL = "all", _("All customers")
    ORGANIZATIONS = "organizations", _("Chosen customers")
    PRODUCTS = "products", _("Customers of chosen products")


class Announcement(models.Model):
    """公告: a maintenance window, a release or a notice shown in the portal to its audience
    from ``published_at`` until ``expires_at`` (or until withdrawn), optionally mailed once."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AnnouncementKind.choices, default=AnnouncementKind.NOTICE
    )
    window_starts_at = models.DateTimeField(_("window starts"), null=True, blank=True)
    window_ends_at = models.DateTimeField(_("window ends"), null=True, blank=True)
    audience = models.CharField(
        _("audience"),
        max_length=20,
        choices=AnnouncementAudience.choices,
        default=AnnouncementAudience.ALL,
    )
    organizations = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("customers")
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name=_("products")
    )
    send_email = models.BooleanField(_("send by email"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [
            models.Index(
                fields=["-published_at", "-id"],
                name="announcement_current",
                condition=models.Q(published_at__isnull=False, withdrawn_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_ends_at__isnull=True)
                | models.Q(window_starts_at__isnull=True)
                | models.Q(window_ends_at__gte=models.F("window_starts_at")),
                name="announcement_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def state(self) -> str:
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "published" if self.published_at is not None else "draft"


class AnnouncementEvent(AuditEvent):
    """Append-only audit trail of an announcement: created, edited, published, withdrawn."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [
            models.Index(fields=["announcement", "created_at"], name="announcement_event_time")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} {self.kind}"


class AnnouncementNotice(models.Model):
    """That a contact was mailed an announcement: once per (announcement, contact)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("announcement notice")
        verbose_name_plural = _("announcement notices")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "contact"], name="announcement_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.contact_id}"


def document_storage_name(instance: Document, filename: str) -> str:
    """A generated name under the private storage, like patches."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"documents/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    """文档库: a manual or guide of a product (of chosen versions, or all when none is
    chosen), in one language, public to the product's customers or internal to staff."""

    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    versions = models.ManyToManyField(
        ProductVersion, blank=True, related_name="documents", verbose_name=_("versions")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    is_public = models.BooleanField(_("public to customers"), default=True)
    file = models.FileField(upload_to=document_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["product", "-created_at"], name="document_product")]

    def __str__(self) -> str:
        return self.title


class DocumentEvent(AuditEvent):
    """Append-only audit trail of the document library: uploads and removals (the title and
    file name stay in ``data`` after a removal)."""

    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["document", "created_at"], name="document_event_time")]

    def __str__(self) -> str:
        return f"{self.document_id} {self.kind}"
