"""SLA deadlines that a manager changes on purpose: re-applying a policy's newest version."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed
from servicedesk.models import User
from servicedesk.permissions import is_manager
from sla.models import SlaClock, SlaPolicy
from sla.services import clocks_retarget

from ..choices import OPEN_STATUSES, EventKind
from ..models import Ticket, TicketEvent
from ._common import _save, _set_deadlines


@transaction.atomic
def policy_reapply(policy: SlaPolicy, *, actor: User) -> int:
    """Move the open tickets on older versions of ``policy`` to its newest version.

    Each ticket's clocks are recomputed from the ticket's start with the new targets, keeping
    the paused time; each ticket gets an audit event. Editing a policy never does this by
    itself. Returns the number of tickets changed.
    """
    if not is_manager(actor):
        raise NotAllowed(_("Only managers may re-apply SLA policies."))
    newest = policy.versions.order_by("-number").first()
    if newest is None:
        return 0
    ticket_ids = (
        SlaClock.objects.filter(policy_version__policy=policy, ticket__status__in=OPEN_STATUSES)
        .exclude(policy_version=newest)
        .values_list("ticket_id", flat=True)
        .distinct()
    )
    tickets = Ticket.objects.select_for_update().filter(pk__in=list(ticket_ids)).order_by("pk")
    now, changed = timezone.now(), 0
    events = []
    for ticket in tickets:
        fields: list[str] = []
        deadlines = clocks_retarget(
            ticket.pk,
            severity=ticket.severity,
            at=now,
            actor=actor,
            version=newest,
            reason="policy_reapplied",
        )
        _set_deadlines(ticket, deadlines, fields)
        _save(ticket, fields)
        events.append(
            TicketEvent(
                ticket=ticket,
                actor=actor,
                kind=EventKind.FIELD_CHANGED,
                is_internal=True,
                created_at=now,
                data={
                    "field": "sla_policy",
                    "new": f"{policy.name} v{newest.number}",
                    "resolution_due_at": ticket.resolution_due_at.isoformat()
                    if ticket.resolution_due_at
                    else None,
                },
            )
        )
        changed += 1
    TicketEvent.objects.bulk_create(events)
    return changed
