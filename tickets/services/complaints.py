"""投诉 from a low score: a rating of 1 or 2 (per case, random survey or campaign) opens a
complaint ticket for the service-center managers, linked to the rated ticket when there
is one, once per rated ticket or survey answer.

Once: ``Ticket.complaint_key`` names what the complaint answers (``rating:<ticket>``,
``survey:<invitation>``) and is unique; a second call with the same key returns None. Two
transactions racing on one key: the loser's insert fails on the constraint inside a
savepoint and it returns None too. The rated ticket is locked by its caller (the
confirmation), so the link's pair lock is not needed here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.models import Contact, Organization, Team, User
from servicedesk.permissions import MANAGER_ROLES
from servicedesk.text import one_line
from sla.services import clocks_plan, clocks_save

from ..choices import Channel, EventKind, LinkKind, Severity, TicketKind
from ..models import Ticket, TicketEvent, TicketLink
from ._common import _event, _next_number, notify_staff

# Scores up to this one open a complaint.
COMPLAINT_UP_TO = 2


def complaint_team() -> Team | None:
    """The service group complaints go to (``SURVEY_COMPLAINT_TEAM``, a team's name), if
    it exists; the managers are told either way."""
    name = settings.SURVEY_COMPLAINT_TEAM
    return Team.objects.filter(name=name).first() if name else None


def complaint_open(
    *,
    key: str,
    organization: Organization,
    contact: Contact | None,
    rated_ticket: Ticket | None,
    score: int,
    comment: str,
    source: str,
) -> Ticket | None:
    """Open the complaint for ``key`` unless one exists; returns it, or None if it did."""
    if Ticket.objects.filter(complaint_key=key).exists():
        return None
    now = timezone.now()
    severity = Severity.L3
    clocks, due = clocks_plan(
        contract_id=rated_ticket.contract_id if rated_ticket else None, severity=severity, at=now
    )
    title = _("Low satisfaction score %(score)s: %(source)s") % {"score": score, "source": source}
    try:
        with transaction.atomic():
            complaint = Ticket.objects.create(
                number=_next_number(now),
                organization=organization,
                contact=contact,
                requester=contact.user if contact and contact.user_id else None,
                contract=rated_ticket.contract if rated_ticket else None,
                product=rated_ticket.product if rated_ticket else None,
                kind=TicketKind.COMPLAINT,
                channel=Channel.WEB,
                title=one_line(title)[:200],
                description=comment,
                severity=severity,
                severity_confirmed=True,
                team=complaint_team(),
                created_at=now,
                response_due_at=due.response_due_at,
                resolution_due_at=due.resolution_due_at,
                sla_due_at=due.next_due_at,
                complaint_key=key,
            )
    except IntegrityError:
        return None
    events = [
        TicketEvent(
            ticket=complaint,
            actor=None,
            kind=EventKind.CREATED,
            created_at=now,
            data={
                "number": complaint.number,
                "kind": TicketKind.COMPLAINT,
                "channel": Channel.WEB,
                "severity": severity,
                "complaint_key": key,
                "score": score,
            },
        )
    ]
    if rated_ticket is not None:
        link = TicketLink.objects.create(
            source=complaint, target=rated_ticket, kind=LinkKind.RELATED
        )
        events += [
            _event(complaint, None, EventKind.LINKED, True, link=link.pk,
                   relation=LinkKind.RELATED, other=rated_ticket.number, direction="out"),
            _event(rated_ticket, None, EventKind.LINKED, True, link=link.pk,
                   relation=LinkKind.RELATED, other=complaint.number, direction="in"),
        ]  # fmt: skip
    TicketEvent.objects.bulk_create(events)
    clocks_save(complaint.pk, clocks)
    for manager in User.objects.filter(role__in=MANAGER_ROLES, is_active=True).order_by("pk"):
        notify_staff(
            complaint,
            manager,
            "ticket.complaint",
            organization=organization.name,
            score=score,
            body=comment,
            rated=rated_ticket.number if rated_ticket else "",
            created_at=now.isoformat(),
        )
    return complaint
