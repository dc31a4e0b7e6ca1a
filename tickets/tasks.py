"""Thin Celery tasks of tickets; the work is in the services and ``tickets.mailbox``."""

from celery import shared_task

from .mailbox import mailbox_poll


@shared_task(ignore_result=True)
def mailbox_poll_task() -> dict[str, int | str]:
    """Read the inbound mailbox's unseen mail (beat, when ``INBOUND_IMAP_HOST`` is set)."""
    result = mailbox_poll()
    return {"state": result.state, "received": result.received, "failed": result.failed}
