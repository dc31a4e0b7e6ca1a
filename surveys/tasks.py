"""Thin beat tasks: each calls one idempotent service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def tickets_auto_close_task() -> int:
    return services.tickets_auto_close()


@shared_task(ignore_result=True)
def campaigns_run_task() -> dict[str, int]:
    return services.campaigns_run()
