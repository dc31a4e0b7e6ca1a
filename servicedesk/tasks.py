"""Delivery of the notification outbox. Thin: the work is in ``servicedesk.outbox``."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection, transaction

from .outbox import outbox_deliver_pending
from .services import heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def outbox_deliver_task() -> int:
    """Deliver due notifications until none is left (or the run's time budget is spent,
    when another run is published to carry on). Returns how many were sent."""
    result = outbox_deliver_pending()
    heartbeat_record("outbox", sent=result.sent, retried=result.retried, failed=result.failed)
    if result.more:
        outbox_kick_now()
    return result.sent


def outbox_kick() -> None:
    """Start delivery when the current transaction commits (once per transaction, however
    many notifications it wrote); outside a transaction, at once."""
    if any(entry[1] is outbox_kick_now for entry in connection.run_on_commit):
        return
    transaction.on_commit(outbox_kick_now)


def outbox_kick_now() -> None:
    """Publish a delivery task. The rows are committed already: if the broker cannot take
    the task, beat's safety net delivers them, so a broker outage never fails the caller."""
    from django.conf import settings

    if not settings.OUTBOX_DELIVER_ON_COMMIT:
        return
    try:
        outbox_deliver_task.apply_async(retry=False)
    except Exception as exc:  # the broker is down: logged, not raised
        logger.warning("could not publish outbox delivery (beat will deliver): %s", exc)
