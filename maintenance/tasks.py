"""Thin Celery tasks of product maintenance; the work is in the services."""

from celery import shared_task

from .services.inspections import inspections_generate


@shared_task(ignore_result=True)
def inspections_generate_task() -> int:
    """Create the scheduled inspections that are due (idempotent: a rerun creates nothing)."""
    return inspections_generate()


@shared_task(ignore_result=True)
def inspections_due_notify_task() -> int:
    """Tell the people of the inspections due today (idempotent: once per inspection and day)."""
    from .services.notices import inspections_due_notify

    return inspections_due_notify()
