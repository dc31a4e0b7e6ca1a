"""Thin Celery tasks of product maintenance; the work is in the services."""

from celery import shared_task

from .services.inspections import inspections_generate


@shared_task(ignore_result=True)
def inspections_generate_task() -> int:
    """Create the scheduled inspections that are due (idempotent: a rerun creates nothing)."""
    return inspections_generate()
