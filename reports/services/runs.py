"""Requesting, generating, cancelling and recovering report runs.

Generation is a chain of short tasks, one per section (``reports.documents``): each task
*claims* the run with a compare-and-set UPDATE that sets a lease (``claimed_until``, longer
than a task's hard time limit), computes its section outside any transaction, then stores it
under the row lock only if it still holds the lease, and publishes the next step on commit.

* Cancel sets ``cancel_requested``; a queued run is cancelled at once, a running one at its
  next step boundary (the step in progress is discarded).
* A killed worker leaves its lease to run out. ``report_runs_recover`` (beat, every minute)
  publishes the step again for every run whose lease ran out, or whose next step was never
  published (heartbeat older than ``REPORT_RUN_STALL_SECONDS``); the claim lets only one
  task through. A step that was started ``REPORT_RUN_MAX_ATTEMPTS`` times without finishing
  fails the run with the reason, so nothing stays "running" forever.

Lock order: one run row at a time (``select_for_update`` by pk); nothing else is locked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Organization, Product, Team
from servicedesk.permissions import is_customer_user, is_staff_user

from ..documents import steps_of
from ..models import ACTIVE_STATES, Language, ReportKind, ReportRun, ReportRunEvent, RunState
from ..permissions import can_request_run, run_visibility_q
from .closed_periods import period_label

logger = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 400  # a year and a little: longer periods are several reports


def event(run: ReportRun, kind: str, actor: Any = None, **data: Any) -> None:
    ReportRunEvent.objects.create(run=run, actor=actor, kind=kind, data=data)


@transaction.atomic
def report_run_request(
    *,
    user: Any,
    kind: str,
    period_start: dt.date,
    period_end: dt.date,
    organization: Organization | None = None,
    team: Team | None = None,
    product: Product | None = None,
    language: str | None = None,
    schedule: Any = None,
    label: str | None = None,
) -> ReportRun:
    """Queue a report for a period (both days included) and scope; generation starts when
    the transaction commits. A customer's report is always their own organization's."""
    if kind not in ReportKind.values:
        raise ValidationFailed(_("Unknown report."), fields={"kind": [_("Unknown report.")]})
    if schedule is None and not can_request_run(user, kind):
        if is_customer_user(user):
            message = _("Customers may request the customer service report only.")
            raise ValidationFailed(message, fields={"kind": [message]})
        raise NotAllowed(_("Only support staff and customers may request reports."))
    errors: dict[str, list[str]] = {}
    if period_start > period_end:
        errors["period_end"] = [_("The end of the period is before its start.")]
    elif (period_end - period_start).days >= MAX_PERIOD_DAYS:
        errors["period_end"] = [_("A report covers at most %(days)d days.") % {"days": 400}]
    if period_start > timezone.localdate():
        errors["period_start"] = [_("The period has not started yet.")]
    if is_customer_user(user) and schedule is None:
        if organization is not None and organization.pk != user.organization_id:
            errors["organization"] = [_("You may request reports of your own organization only.")]
        organization = user.organization
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in Language.values:
        language = Language.EN if language.startswith("en") else Language.ZH_HANS
    if errors:
        raise ValidationFailed(_("The report request is not valid."), fields=errors)
    run = ReportRun.objects.create(
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        period_label=label or period_label(period_start, period_end),
        organization=organization,
        team=team,
        product=product,
        language=language,
        requested_by=user,
        schedule=schedule,
        step=steps_of(kind)[0][0],
    )
    event(run, "requested", user, scheduled=schedule is not None)
    transaction.on_commit(lambda: publish_step(run.pk))
    return run


@transaction.atomic
def report_run_cancel(*, user: Any, run_id: int) -> ReportRun:
    """Stop a queued or running report: queued ones at once, running ones at the next
    step boundary. Staff may cancel any run, a customer only one they requested."""
    run = (
        ReportRun.objects.select_for_update()
        .filter(run_visibility_q(user))
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound(_("Report run not found."))
    if not is_staff_user(user) and run.requested_by_id != user.pk:
        raise NotAllowed(_("Only whoever requested this report, or staff, may cancel it."))
    if run.state not in ACTIVE_STATES:
        raise Conflict(
            _("This report is %(state)s: only a queued or running report can be cancelled.")
            % {"state": run.get_state_display()},
            code="invalid_transition",
        )
    run.cancel_requested = True
    fields = ["cancel_requested"]
    now = timezone.now()
    if run.state == RunState.QUEUED and not holds_lease(run, now):
        run.state, run.finished_at, run.claimed_until = RunState.CANCELLED, now, None
        fields += ["state", "finished_at", "claimed_until"]
    run.save(update_fields=fields)
    event(run, "cancel_requested", user, state=run.state)
    return run


def holds_lease(run: ReportRun, now: dt.datetime) -> bool:
    return run.claimed_until is not None and run.claimed_until > now


def publish_step(run_id: int) -> None:
    """Publish the run's next step; a broker outage is logged, and recovery publishes it."""
    from ..tasks import report_run_step_task

    try:
        report_run_step_task.apply_async((run_id,), retry=False)
    except Exception as exc:
        logger.warning("could not publish report run %s (recovery will): %s", run_id, exc)


def report_run_claim(run_id: int, *, now: dt.datetime | None = None) -> ReportRun | None:
    """Take the run's lease if it is active and nobody holds it (compare-and-set)."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.REPORT_RUN_LEASE_SECONDS)
    claimed = (
        ReportRun.objects.filter(pk=run_id, state__in=ACTIVE_STATES)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            state=RunState.RUNNING,
            claimed_until=now + lease,
            heartbeat_at=now,
            step_attempts=F("step_attempts") + 1,
            started_at=Coalesce(F("started_at"), now),
        )
    )
    if not claimed:
        return None
    return ReportRun.objects.select_related("requested_by").get(pk=run_id)


def report_run_advance(run_id: int, *, now: dt.datetime | None = None) -> bool:
    """Generate the run's next section. Returns True when another step should follow."""
    run = report_run_claim(run_id, now=now)
    if run is None:
        return False  # finished, cancelled, or another worker holds it
    if run.cancel_requested:
        return finish(run, RunState.CANCELLED, "cancelled")
    steps = steps_of(run.kind)
    if run.step_attempts > settings.REPORT_RUN_MAX_ATTEMPTS:
        reason = _("Generation stopped %(n)d times at the step “%(step)s”.") % {
            "n": run.step_attempts - 1,
            "step": steps[min(run.steps_done, len(steps) - 1)][0],
        }
        return finish(run, RunState.FAILED, "failed", error=reason)
    key, build = steps[run.steps_done]
    try:
        with translation.override(run.language):
            section = json.loads(json.dumps(build(run), cls=DjangoJSONEncoder))
    except Exception as exc:  # a bug or bad data: it would fail again, so the run fails
        logger.exception("report run %s failed at step %s", run.pk, key)
        return finish(run, RunState.FAILED, "failed", error=f"{key}: {type(exc).__name__}")
    return store_section(run, key, section, len(steps))


@transaction.atomic
def store_section(run: ReportRun, key: str, section: dict[str, Any], total: int) -> bool:
    """Keep ``section`` if this task still holds the run's lease; cancel if asked meanwhile."""
    current = ReportRun.objects.select_for_update().get(pk=run.pk)
    if current.state != RunState.RUNNING or current.claimed_until != run.claimed_until:
        return False  # the lease ran out and another task took over: discard
    if current.cancel_requested:
        return finish(current, RunState.CANCELLED, "cancelled")
    now = timezone.now()
    current.snapshot = {**current.snapshot, key: section}
    current.steps_done += 1
    current.progress = min(100, (100 * current.steps_done) // total)
    current.step_attempts = 0
    current.claimed_until = None
    current.heartbeat_at = now
    more = current.steps_done < total
    if more:
        current.step = steps_of(current.kind)[current.steps_done][0]
    else:
        current.state, current.finished_at, current.step = RunState.DONE, now, ""
        current.snapshot["generated_at"] = now.isoformat()
    current.save()
    if more:
        transaction.on_commit(lambda: publish_step(current.pk))
    else:
        event(current, "done")
        from .delivery import report_run_deliver  # a scheduled run is mailed when done

        report_run_deliver(current)
    return more


def finish(run: ReportRun, state: str, kind: str, *, error: str = "") -> bool:
    with transaction.atomic():
        updated = ReportRun.objects.filter(pk=run.pk, state__in=ACTIVE_STATES).update(
            state=state, finished_at=timezone.now(), claimed_until=None, error=error
        )
        if updated:
            event(run, kind, error=error) if error else event(run, kind)
    return False


def report_runs_recover(*, now: dt.datetime | None = None) -> int:
    """Publish again the step of every active run that lost its worker or its message.
    Returns how many were published (a claim still decides who works on each)."""
    now = now or timezone.now()
    stalled = now - dt.timedelta(seconds=settings.REPORT_RUN_STALL_SECONDS)
    ids = list(
        ReportRun.objects.filter(state__in=ACTIVE_STATES)
        .filter(Q(claimed_until__lt=now) | Q(claimed_until__isnull=True, heartbeat_at__lt=stalled))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        publish_step(pk)
    return len(ids)
