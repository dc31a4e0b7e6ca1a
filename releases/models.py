"""Releases and patches: the downloadable package of each product version, which version
each contract's customer runs, and the audit trail of both.

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
from servicedesk.models import Contract, Product, ProductVersion


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
