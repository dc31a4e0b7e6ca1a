"""Thin Celery tasks of releases; the work is in the services."""

from celery import shared_task

from .services import announcement_notices_send, patch_notices_due, patch_notices_send


@shared_task(ignore_result=True)
def patch_notices_send_task(version_id: int) -> int:
    """Tell the contacts running the versions a published one fixes (once each)."""
    return patch_notices_send(version_id)


@shared_task(ignore_result=True)
def patch_notices_due_task() -> int:
    """Hourly catch-up of versions whose release date came (idempotent)."""
    return patch_notices_due()


@shared_task(ignore_result=True)
def announcement_notices_send_task(announcement_id: int) -> int:
    """Mail a published announcement to its audience's contacts (once each)."""
    return announcement_notices_send(announcement_id)
