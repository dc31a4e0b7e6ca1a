"""Thin Celery tasks of the SLA engine; the work is in ``sla.sweep``."""

from celery import shared_task

from servicedesk.services import heartbeat_record

from .sweep import BATCH, sla_sweep


@shared_task(ignore_result=True)
def sla_sweep_task(batch: int = BATCH) -> dict[str, int]:
    """Mark warnings and breaches that are due, write their escalations and the digests
    that tell them (idempotent), then record the ``sla-sweep`` heartbeat.

    ``batch``: clocks per transaction (beat uses the default).
    """
    from servicedesk.tasks import outbox_kick  # delivery on commit; a broker error is logged

    result = sla_sweep(batch=batch)
    if result.digests:
        outbox_kick()
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
