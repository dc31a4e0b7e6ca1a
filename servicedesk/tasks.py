"""Delivery of the notification outbox. Thin: the work is in ``servicedesk.outbox``."""

from celery import shared_task

from .outbox import outbox_deliver_pending


@shared_task(ignore_result=True)
def outbox_deliver_task(limit: int = 200) -> int:
    return outbox_deliver_pending(limit=limit)
