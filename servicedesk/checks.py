"""System checks for settings whose combination matters."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register()
def outbox_lease_outlives_tasks(app_configs, **kwargs):
    """A delivery run must be gone (hard time limit) before its lease on a row runs out,
    or another run could send the same row while the first still might."""
    lease = settings.OUTBOX_LEASE_SECONDS
    limit = settings.CELERY_TASK_TIME_LIMIT
    if limit and lease <= limit:
        return [
            Warning(
                f"OUTBOX_LEASE_SECONDS ({lease}) should exceed CELERY_TASK_TIME_LIMIT ({limit}).",
                hint="Raise OUTBOX_LEASE_SECONDS or lower the task time limit.",
                id="servicedesk.W001",
            )
        ]
    return []
