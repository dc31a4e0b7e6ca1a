"""Readiness: can this deployment do its work right now? (``/readyz``, docs/OPERATIONS.md)

Liveness (``/healthz``) answers without touching anything. Readiness runs a few cheap
checks, each on its own so that one failure does not hide the others:

* ``database``: a ``SELECT 1``;
* ``broker``: a connection to ``CELERY_BROKER_URL`` within ``HEALTH_BROKER_TIMEOUT`` seconds
  (the embedded ``filesystem://`` transport has no server: always up);
* ``sla_sweep``: the last completed SLA sweep (its ``Heartbeat``) is at most
  ``HEALTH_SLA_SWEEP_MAX_AGE_SECONDS`` old. A sweep that never ran (a fresh install, beat
  not started yet) fails only once a clock has been due for longer than that age: then
  somebody's warning or breach is late;
* ``outbox_failed``: at most ``HEALTH_OUTBOX_FAILED_MAX`` notifications gave up (state
  ``failed``: a person must look at them);
* ``outbox_overdue``: no pending notification has been due for more than
  ``HEALTH_OUTBOX_OVERDUE_SECONDS`` (delivery is not running).

Every query reads a partial index (``outbox_due``, ``outbox_failed``,
``sla_clock_next_check``) and counts at most ``COUNT_CAP`` rows. Like ``urls.py`` this module
is a composition point: it reads the SLA app's clocks, which ``servicedesk`` otherwise never
imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

COUNT_CAP = 1000


@dataclass
class Check:
    name: str
    ok: bool
    reason: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.ok, **self.figures}
        if self.reason:
            data["reason"] = self.reason
        return data


def readiness() -> tuple[bool, dict[str, Any]]:
    """``(ready, body)``: every check's result, by name."""
    checks = [check_database(), check_broker()]
    if checks[0].ok:
        checks += [check_sla_sweep(), check_outbox_failed(), check_outbox_overdue()]
    else:
        checks += [
            Check(name, False, "database unavailable")
            for name in ("sla_sweep", "outbox_failed", "outbox_overdue")
        ]
    ready = all(check.ok for check in checks)
    return ready, {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: check.as_dict() for check in checks},
    }


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip()[:200]}"


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, _error(exc))
    return Check("database", True)


def check_broker() -> Check:
    from kombu import Connection

    url = settings.CELERY_BROKER_URL
    transport = url.partition("://")[0] or url
    if transport == "filesystem":
        return Check("broker", True, figures={"transport": transport})
    timeout = settings.HEALTH_BROKER_TIMEOUT
    broker = Connection(
        url,
        connect_timeout=timeout,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    )
    try:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:  # any transport's own errors: this check reports, never raises
        return Check("broker", False, _error(exc), {"transport": transport})
    finally:
        broker.release()
    return Check("broker", True, figures={"transport": transport})


def check_sla_sweep() -> Check:
    from sla.models import SlaClock

    from .models import Heartbeat

    now = timezone.now()
    max_age = settings.HEALTH_SLA_SWEEP_MAX_AGE_SECONDS
    figures: dict[str, Any] = {"max_age_seconds": max_age}
    try:
        beat = Heartbeat.objects.filter(name="sla-sweep").first()
        if beat is None:
            late = SlaClock.objects.filter(
                next_check_at__lte=now - timedelta(seconds=max_age)
            ).exists()
            figures["last_run"] = None
            if late:
                return Check(
                    "sla_sweep", False, "the SLA sweep has never run and clocks are due", figures
                )
            return Check("sla_sweep", True, figures=figures)
    except DatabaseError as exc:
        return Check("sla_sweep", False, _error(exc), figures)
    age = (now - beat.at).total_seconds()
    figures.update(last_run=beat.at.isoformat(), age_seconds=round(age, 1))
    if age > max_age:
        return Check(
            "sla_sweep",
            False,
            f"the last SLA sweep completed {age:.0f} s ago (more than {max_age:.0f} s)",
            figures,
        )
    return Check("sla_sweep", True, figures=figures)


def _capped_count(queryset) -> int:
    return queryset.order_by().values("pk")[:COUNT_CAP].count()


def check_outbox_failed() -> Check:
    from .models import OutboxMessage

    limit = settings.HEALTH_OUTBOX_FAILED_MAX
    try:
        failed = _capped_count(OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED))
    except DatabaseError as exc:
        return Check("outbox_failed", False, _error(exc))
    figures = {"failed": failed, "max": limit}
    if failed > limit:
        return Check(
            "outbox_failed",
            False,
            f"{failed}{'+' if failed >= COUNT_CAP else ''} notifications failed",
            figures,
        )
    return Check("outbox_failed", True, figures=figures)


def check_outbox_overdue() -> Check:
    from .models import Heartbeat, OutboxMessage

    grace = settings.HEALTH_OUTBOX_OVERDUE_SECONDS
    since = timezone.now() - timedelta(seconds=grace)
    try:
        overdue = _capped_count(
            OutboxMessage.objects.filter(
                state=OutboxMessage.State.PENDING, next_attempt_at__lt=since
            )
        )
        beat = Heartbeat.objects.filter(name="outbox").values_list("at", flat=True).first()
    except DatabaseError as exc:
        return Check("outbox_overdue", False, _error(exc))
    figures = {
        "overdue": overdue,
        "grace_seconds": grace,
        "last_run": beat.isoformat() if beat else None,
    }
    if overdue:
        return Check(
            "outbox_overdue",
            False,
            f"{overdue}{'+' if overdue >= COUNT_CAP else ''} notifications have waited more "
            f"than {grace:.0f} s past their time: delivery is not running",
            figures,
        )
    return Check("outbox_overdue", True, figures=figures)
