"""Thin Celery tasks of the SLA engine; the work is in ``sla.sweep``."""

import logging

from celery import shared_task
from django.db import transaction

from servicedesk.services import heartbeat_record

from .sweep import BATCH, sla_sweep

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sla_sweep_task(batch: int = BATCH) -> dict[str, int]:
    """Mark warnings and breaches that are due, write their escalations and the digests
    that tell them (idempotent).

    ``batch``: clocks per transaction (beat uses the default).
    """
    result = sla_sweep(batch=batch)
    if result.digests:
        transaction.on_commit(deliver_soon)
    heartbeat_record(
        "sla-sweep", clocks=result.clocks, escalations=result.escalations, digests=result.digests
    )
    return {
        "clocks": result.clocks,
        "warnings": result.warnings,
        "breaches": result.breaches,
        "escalations": result.escalations,
        "digests": result.digests,
    }


def deliver_soon() -> None:
    """Start outbox delivery now; with the broker down, beat's delivery run sends the rows."""
    from servicedesk.tasks import outbox_deliver_task

    try:
        outbox_deliver_task.delay()
    except Exception:  # any broker error: the sweep has committed, delivery catches up
        logger.warning("outbox delivery not started after the SLA sweep", exc_info=True)
