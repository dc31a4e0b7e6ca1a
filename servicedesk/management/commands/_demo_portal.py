"""The portal's announcements and document library in the demo, and the patch notices of the
half-year's patches, all through the releases services (cheap: one announcement, one
document, a handful of notices)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from releases.services import (
    announcement_create,
    announcement_publish,
    document_upload,
    patch_notices_send,
)
from servicedesk.models import ProductVersion

# The smallest PDF a reader opens: the demo's user manual (the real one is the vendor's).
MANUAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_patch_notices() -> int:
    """Tell the contacts running a version each published patch fixes, as it happened (the
    task each publish started on commit then finds them told and sends nothing)."""
    today = timezone.localdate()
    released = ProductVersion.objects.filter(released_on__lte=today).values_list("pk", flat=True)
    return sum(patch_notices_send(pk) for pk in released.order_by("pk"))


def load_portal(directory: dict[str, Any]) -> None:
    """Next Saturday night's maintenance window for every customer, and the Billing user
    manual of its newest released version in the library."""
    manager, engineer = directory["users"]["manager"], directory["users"]["engineer1"]
    now = timezone.localtime()
    saturday = now.date() + dt.timedelta(days=(5 - now.weekday()) % 7 or 7)
    starts = timezone.make_aware(dt.datetime.combine(saturday, dt.time(22, 0)))
    announcement = announcement_create(
        actor=manager,
        title="系统维护通知：计费系统 Billing 升级",
        kind="maintenance",
        body="本周六 22:00 至周日 02:00 升级计费系统，期间**暂停服务**。\n\n"
        "- 请提前完成月末结算\n- 如有疑问请拨打服务热线",
        window_starts_at=starts,
        window_ends_at=starts + dt.timedelta(hours=4),
        audience="all",
    )
    announcement_publish(announcement, actor=manager)
    billing = ProductVersion.objects.filter(
        product__code="billing", released_on__lte=now.date()
    ).order_by("-released_on", "-pk")
    newest = billing.first()
    if newest is not None:
        document_upload(
            actor=engineer,
            upload=SimpleUploadedFile("billing-user-manual.pdf", MANUAL, "application/pdf"),
            title="计费系统 Billing 用户手册",
            product=newest.product,
            versions=[newest],
            language="zh-hans",
        )
