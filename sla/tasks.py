"""Thin Celery tasks of the SLA engine; the work is in ``sla.sweep``."""

from celery import shared_task
from django.db import transaction

from .sweep import BATCH, sla_sweep


@shared_task(ignore_result=True)
def sla_sweep_task(batch: int = BATCH) -> dict[str, int]:
    """Mark warnings and breaches that are due and write their escalations (idempotent).

    ``batch``: clocks per transaction (beat uses the default).
    """
    result = sla_sweep(batch=batch)
    if result.notifications:
        from servicedesk.tasks import outbox_deliver_task

        transaction.on_commit(outbox_deliver_task.delay)
    return {
        "clocks": result.clocks,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
        "notifications": result.notifications,
    }
