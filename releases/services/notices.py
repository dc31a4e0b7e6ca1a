"""Patch notices: when a version that fixes faults is published, every active contact of
every organization with an installation on an affected version is told, once.

Publishing is the release date being reached (customers see a version from it on,
``selectors``): ``release_notes_update`` schedules the notices on commit when it sets a
date of today or earlier, a delivered fix in an already published version does the same
(maintenance), and the hourly ``patch_notices_due`` catches dates that arrive later.

Which faults a version fixes is maintenance's knowledge (releases imports nothing of it):
maintenance registers a ``fix_source`` at start that answers the affected versions of the
faults delivered in a version.

Once per (version, contact): a ``PatchNotice`` row, unique on the pair, is written in the
transaction of its notification. Lock: each batch locks the published version's row first,
so two runs of one version (a retried publish, a re-run task, the hourly catch-up) take
turns, and the second one finds the first one's rows and tells nobody again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from servicedesk.models import Contact, ProductVersion
from servicedesk.notifications import notify, recipient_for_contact

from ..models import Installation, PatchNotice

logger = logging.getLogger(__name__)

# Contacts told per transaction: a patch may reach thousands; each batch commits on its own.
BATCH_SIZE = 200
# The hourly catch-up looks this many days back for versions whose release date came.
DUE_DAYS = 3

FixSource = Callable[[ProductVersion], Iterable[int | None]]
FIX_SOURCES: list[FixSource] = []


def fix_source(function: FixSource) -> FixSource:
    """Register a function answering the ids of the versions whose faults ``version``
    fixes (maintenance: the affected versions of corrective work orders delivered in it)."""
    if function not in FIX_SOURCES:
        FIX_SOURCES.append(function)
    return function


def affected_version_ids(version: ProductVersion) -> set[int]:
    ids: set[int] = set()
    for source in FIX_SOURCES:
        ids.update(pk for pk in source(version) if pk is not None)
    ids.discard(version.pk)
    return ids


def is_published(version: ProductVersion, today: dt.date | None = None) -> bool:
    return version.released_on is not None and version.released_on <= (
        today or timezone.localdate()
    )


def patch_notices_schedule(version: ProductVersion) -> None:
    """Inside the publishing transaction: send the notices once it commits (a task)."""
    if is_published(version):
        pk = version.pk
        transaction.on_commit(lambda: _publish(pk))


def _publish(version_id: int) -> None:
    from ..tasks import patch_notices_send_task

    try:
        patch_notices_send_task.apply_async((version_id,), retry=False)
    except Exception as exc:  # the hourly catch-up sends them
        logger.warning("could not publish patch notices of %s: %s", version_id, exc)


def notice_recipients(version_ids: Iterable[int]) -> QuerySet[Contact]:
    """Active contacts (a portal user that is active, or an e-mail address) of the active
    organizations with an installation on one of ``version_ids``."""
    organizations = Installation.objects.filter(version_id__in=list(version_ids)).values(
        "contract__organization_id"
    )
    return Contact.objects.filter(
        organization_id__in=organizations, organization__is_active=True
    ).filter(Q(user__is_active=True) | Q(user__isnull=True, email__gt=""))


def _payload(version: ProductVersion) -> dict[str, Any]:
    notes = " ".join(version.notes.split())
    return {
        "product": version.product.name,
        "version": version.version,
        "version_id": version.pk,
        "title": f"{version.product.name} {version.version}",
        "released_on": version.released_on.isoformat() if version.released_on else "",
        "notes": version.notes[:4000],
        "summary": notes[:300],
        "path": f"{reverse('downloads:list')}#version-{version.pk}",
    }


def patch_notices_send(version_id: int, *, batch_size: int = BATCH_SIZE) -> int:
    """Tell the contacts running a version this published one fixes; returns how many were
    told now (0 when everyone was told before, or it is not published)."""
    from ..emails import PATCH_PUBLISHED

    version = ProductVersion.objects.select_related("product").filter(pk=version_id).first()
    if version is None or not is_published(version):
        return 0
    affected = affected_version_ids(version)
    if not affected:
        return 0
    recipients = notice_recipients(affected).select_related("organization", "user__organization")
    payload = _payload(version)
    told, after = 0, 0
    while True:
        with transaction.atomic():
            ProductVersion.objects.select_for_update().filter(pk=version.pk).first()
            batch = list(recipients.filter(pk__gt=after).order_by("pk")[:batch_size])
            if not batch:
                break
            after = batch[-1].pk
            done = set(
                PatchNotice.objects.filter(
                    version=version, contact_id__in=[c.pk for c in batch]
                ).values_list("contact_id", flat=True)
            )
            fresh = [contact for contact in batch if contact.pk not in done]
            PatchNotice.objects.bulk_create(
                [PatchNotice(version=version, contact=contact) for contact in fresh]
            )
            for contact in fresh:
                notify(recipient_for_contact(contact), PATCH_PUBLISHED.code, payload)
            told += len(fresh)
        if len(batch) < batch_size:
            break
    return told


def patch_notices_due(today: dt.date | None = None) -> int:
    """The hourly catch-up: versions whose release date came in the last ``DUE_DAYS`` days
    (a date set ahead, a lost task); idempotent, so a re-run tells nobody twice."""
    today = today or timezone.localdate()
    due = ProductVersion.objects.filter(
        released_on__gte=today - dt.timedelta(days=DUE_DAYS), released_on__lte=today
    ).values_list("pk", flat=True)
    return sum(patch_notices_send(pk) for pk in due)
