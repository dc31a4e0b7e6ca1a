"""Mailing a finished scheduled run: one outbox row per recipient, written in the run's final
transaction. The XLSX is built from the frozen snapshot when the mail is sent (the outbox
row keeps only the run's id), so every copy and every retry carries the same numbers."""

from __future__ import annotations

from servicedesk.models import Contact
from servicedesk.services import outbox_enqueue

from ..models import ReportRun

TOPIC = "report.run"


def run_recipients(run: ReportRun) -> list[str]:
    schedule = run.schedule
    if schedule is None:
        return []
    addresses = set(schedule.recipients or [])
    if schedule.to_contacts and schedule.organization_id:
        addresses.update(
            Contact.objects.filter(organization_id=schedule.organization_id)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return sorted(addresses)


def report_run_deliver(run: ReportRun) -> int:
    """Queue the mails of a scheduled run (in the caller's transaction)."""
    count = 0
    for address in run_recipients(run):
        if outbox_enqueue(
            topic=TOPIC,
            recipient=address,
            payload={"run": run.pk, "language": run.language},
        ):
            count += 1
    return count
