"""Linked tickets (关联工单) and merging a duplicate into another ticket (合并工单).

Locks: both tickets are locked in primary-key order (``_lock_pair``), whichever is the
source, so two merges or links meeting on the same pair queue instead of deadlocking; the
SLA clock rows are locked after the tickets, as ``sla.services.clocks`` expects.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import User
from servicedesk.permissions import is_staff_user
from sla.services import clocks_update

from ..choices import EventKind, LinkKind, TicketStatus
from ..models import Attachment, Comment, Ticket, TicketEvent, TicketLink
from ..workflow import assert_can_merge
from ._common import _event, _notify_requester, _save, _set_deadlines


def _require_staff(actor: User) -> None:
    if not is_staff_user(actor):
        raise NotAllowed(_("Only staff link and merge tickets."))


def _lock_pair(first: Ticket, second: Ticket, actor: User) -> tuple[Ticket, Ticket]:
    """Both tickets under a row lock, taken in primary-key order."""
    if first.pk == second.pk:
        raise ValidationFailed(
            _("A ticket cannot be linked to or merged into itself."),
            code="same_ticket",
            fields={"target": [_("Choose another ticket.")]},
        )
    rows = {
        t.pk: t
        for t in Ticket.objects.select_for_update()
        .visible_to(actor)
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    if len(rows) != 2:
        raise NotFound(_("Ticket not found."))
    return rows[first.pk], rows[second.pk]


@transaction.atomic
def ticket_link(source: Ticket, target: Ticket, *, actor: User, kind: str) -> TicketLink:
    """Link two tickets; one link per pair (in either direction). Staff may link tickets of
    different organizations (one fault reported by two customers); customers never see a
    link to a ticket they cannot see."""
    _require_staff(actor)
    if kind not in LinkKind.values:
        raise ValidationFailed(_("Unknown link kind."), fields={"kind": [_("Unknown.")]})
    source, target = _lock_pair(source, target, actor)
    pair = Q(source=source, target=target) | Q(source=target, target=source)
    if TicketLink.objects.filter(pair).exists():
        raise Conflict(
            _("%(a)s and %(b)s are already linked.") % {"a": source.number, "b": target.number},
            code="already_linked",
        )
    link = TicketLink.objects.create(source=source, target=target, kind=kind, created_by=actor)
    TicketEvent.objects.bulk_create(
        [
            _event(source, actor, EventKind.LINKED, True, link=link.pk, relation=kind,
                   other=target.number, direction="out"),
            _event(target, actor, EventKind.LINKED, True, link=link.pk, relation=kind,
                   other=source.number, direction="in"),
        ]
    )  # fmt: skip
    return link


@transaction.atomic
def ticket_unlink(link: TicketLink, *, actor: User) -> None:
    _require_staff(actor)
    source, target = _lock_pair(link.source, link.target, actor)
    deleted, _rows = TicketLink.objects.filter(pk=link.pk).delete()
    if not deleted:
        raise NotFound(_("Link not found."))
    TicketEvent.objects.bulk_create(
        [
            _event(
                source, actor, EventKind.UNLINKED, True, relation=link.kind, other=target.number
            ),
            _event(
                target, actor, EventKind.UNLINKED, True, relation=link.kind, other=source.number
            ),
        ]
    )


def _copy_conversation(source: Ticket, target: Ticket) -> tuple[int, int]:
    """Copy the source's comments (author, time and visibility kept) and attachments to the
    target. Copies of files share the stored file: nothing is read or written on disk."""
    comments = list(Comment.objects.filter(ticket=source).order_by("created_at", "id"))
    copies = [
        Comment(
            ticket=target,
            author_id=c.author_id,
            body=c.body,
            is_internal=c.is_internal,
            created_at=c.created_at,
        )
        for c in comments
    ]
    created = Comment.objects.bulk_create(copies)
    comment_map = {old.pk: new.pk for old, new in zip(comments, created, strict=True)}
    files = [
        Attachment(
            ticket=target,
            comment_id=comment_map.get(a.comment_id) if a.comment_id else None,
            file=a.file.name,
            original_name=a.original_name,
            content_type=a.content_type,
            size=a.size,
            is_internal=a.is_internal,
            uploaded_by_id=a.uploaded_by_id,
            created_at=a.created_at,
        )
        for a in Attachment.objects.filter(ticket=source).order_by("id")
    ]
    Attachment.objects.bulk_create(files)
    return len(copies), len(files)


@transaction.atomic
def ticket_merge(source: Ticket, target: Ticket, *, actor: User) -> Ticket:
    """Merge the duplicate ``source`` into ``target``.

    The source's conversation and files are copied onto the target (the source keeps its
    own, read-only); its SLA clocks are cancelled through sla's service (the request goes
    on under the target's clocks); it is closed with ``merged_into`` and a resolution
    naming the target; its customer gets a public reply saying where the request went and
    the usual notification; both tickets get a ``merged`` event and a duplicate link.
    Refused: into itself, across organizations, into a closed or cancelled ticket, or a
    source that is not open."""
    _require_staff(actor)
    source, target = _lock_pair(source, target, actor)
    if source.organization_id != target.organization_id:
        raise ValidationFailed(
            _("Tickets of different organizations cannot be merged; link them instead."),
            code="merge_other_organization",
            fields={"into": [_("Another organization's ticket.")]},
        )
    assert_can_merge(source.status, target.status)
    now = timezone.now()
    comments, files = _copy_conversation(source, target)
    note = _("This request was merged into %(number)s; we continue there.") % {
        "number": target.number
    }
    Comment.objects.create(ticket=source, author=actor, body=note, created_at=now)
    old_status = source.status
    source.status, source.merged_into = TicketStatus.CLOSED, target
    source.closed_at, source.resolution = now, note
    fields = ["status", "merged_into", "closed_at", "resolution"]
    deadlines = clocks_update(source.pk, at=now, actor=actor, cancel=True)
    _set_deadlines(source, deadlines, fields)
    _save(source, fields)
    _save(target, [])
    link_exists = TicketLink.objects.filter(
        Q(source=source, target=target) | Q(source=target, target=source)
    ).exists()
    if not link_exists:
        TicketLink.objects.create(
            source=source, target=target, kind=LinkKind.DUPLICATE, created_by=actor
        )
    TicketEvent.objects.bulk_create(
        [
            _event(source, actor, EventKind.TRANSITION, old=old_status,
                   new=TicketStatus.CLOSED, reason="merged"),
            _event(source, actor, EventKind.MERGED, direction="into", other=target.number,
                   other_id=target.pk),
            _event(target, actor, EventKind.MERGED, direction="from", other=source.number,
                   other_id=source.pk, comments=comments, attachments=files),
        ]
    )  # fmt: skip
    _notify_requester(source, "ticket.merged", into=target.number)
    return target
