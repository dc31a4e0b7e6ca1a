"""Canned replies (常用回复): keeping them, rendering their placeholders, applying them.

Applying one is a reply (or note) followed by the reply's optional status and assignee,
each through the ticket's own services (``comment_add``, ``ticket_transition``,
``ticket_assign``), so the state machine, SLA clocks, events and notifications are theirs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from servicedesk.choices import STAFF_ROLES
from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Team, User
from servicedesk.permissions import is_manager, is_staff_user

from ..choices import EventKind, TicketStatus
from ..models import CannedReply, Ticket, TicketEvent
from ..workflow import comment_required
from .assignment import ticket_assign
from .conversation import attachment_add, comment_add
from .lifecycle import ticket_transition

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
PLACEHOLDERS = (
    "customer_name",
    "ticket_number",
    "ticket_title",
    "deadline",
    "agent_name",
    "organization",
)
EDITABLE = ("name", "language", "body", "shared", "team", "set_status", "set_assignee")
NAME_MAX = 120


def placeholder_values(ticket: Ticket, actor: User | None) -> dict[str, str]:
    """What each placeholder stands for on ``ticket`` (uses the ticket's loaded relations)."""
    customer = ""
    if ticket.contact_id and ticket.contact:
        customer = ticket.contact.name
    elif ticket.requester_id and ticket.requester:
        customer = ticket.requester.get_full_name() or ticket.requester.get_username()
    deadline = ticket.resolution_due_at
    return {
        "customer_name": customer,
        "ticket_number": ticket.number,
        "ticket_title": ticket.title,
        "deadline": formats.date_format(timezone.localtime(deadline), "Y-m-d H:i")
        if deadline
        else "",
        "agent_name": (actor.get_full_name() or actor.get_username()) if actor else "",
        "organization": ticket.organization.name if ticket.organization_id else "",
    }


def canned_render(body: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders; an unknown one stays as written (rendering never fails)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(fill, body)


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def may_edit(user: User, canned: CannedReply) -> bool:
    """The owner edits their own; a manager also edits every shared one."""
    return canned.owner_id == user.pk or (canned.shared and is_manager(user))


def _validate(actor: User, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > NAME_MAX:
        errors["name"] = [_("Give it a name (up to %(max)d characters).") % {"max": NAME_MAX}]
    data["name"] = name
    if data.get("language") not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose a language.")]
    body = (data.get("body") or "").strip()
    data["body"] = body
    if not body:
        errors["body"] = [_("Required.")]
    elif unknown := unknown_placeholders(body):
        errors["body"] = [
            _("Unknown placeholders: %(unknown)s. Use: %(known)s.")
            % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(f"{{{{{p}}}}}" for p in PLACEHOLDERS),
            }
        ]
    status = data.get("set_status") or ""
    if status and (status not in TicketStatus.values or status == TicketStatus.NEW):
        errors["set_status"] = [_("Choose a status a ticket can move to.")]
    assignee = data.get("set_assignee")
    if assignee is not None and (not assignee.is_active or assignee.role not in STAFF_ROLES):
        errors["set_assignee"] = [_("Not a member of staff.")]
    team: Team | None = data.get("team")
    if team is not None and not data.get("shared"):
        errors["team"] = [_("Only a shared canned reply belongs to a service group.")]
    if data.get("shared") and not is_manager(actor):
        if team is None:
            errors["shared"] = [_("Only managers share canned replies with all staff.")]
        elif not team.members.filter(pk=actor.pk).exists():
            errors["team"] = [_("You can share only with a service group you belong to.")]
    if errors:
        raise ValidationFailed(_("Please correct the canned reply."), fields=errors)


@transaction.atomic
def canned_reply_create(*, actor: User, **data: Any) -> CannedReply:
    if not is_staff_user(actor):
        raise NotAllowed(_("Only staff keep canned replies."))
    values = {key: data.get(key) for key in EDITABLE}
    values["shared"] = bool(values["shared"])
    values["set_status"] = values["set_status"] or ""
    _validate(actor, values)
    return CannedReply.objects.create(owner=actor, **values)


@transaction.atomic
def canned_reply_update(
    canned: CannedReply, *, actor: User, changes: dict[str, Any]
) -> CannedReply:
    canned = CannedReply.objects.select_for_update().get(pk=canned.pk)
    if not may_edit(actor, canned):
        raise NotAllowed(_("Only its owner or a manager may change this canned reply."))
    values = {key: getattr(canned, key) for key in EDITABLE}
    values.update({key: value for key, value in changes.items() if key in EDITABLE})
    values["set_status"] = values["set_status"] or ""
    _validate(actor, values)
    for key, value in values.items():
        setattr(canned, key, value)
    canned.save()
    return canned


@transaction.atomic
def canned_reply_delete(canned: CannedReply, *, actor: User) -> None:
    if not may_edit(actor, canned):
        raise NotAllowed(_("Only its owner or a manager may delete this canned reply."))
    canned.delete()


@transaction.atomic
def canned_reply_apply(
    ticket: Ticket,
    canned: CannedReply,
    *,
    actor: User,
    body: str | None = None,
    is_internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """Send the canned reply (``body`` when the agent edited it, else rendered from the
    ticket), then set its status and assignee. All or nothing: a refused transition rolls
    the reply back too. A reply that resolves is the resolution told to the customer."""
    if not is_staff_user(actor):
        raise NotFound(_("Canned reply not found."))
    if body is None or not body.strip():
        body = canned_render(canned.body, placeholder_values(ticket, actor))
    status = canned.set_status
    if status and not is_internal and comment_required(ticket.status, status):
        ticket = ticket_transition(ticket, actor=actor, to_status=status, comment=body)
        for upload in attachments:
            attachment_add(ticket, actor=actor, upload=upload)
    else:
        comment_add(
            ticket, actor=actor, body=body, is_internal=is_internal, attachments=attachments
        )
        if status and status != ticket.status:
            ticket = ticket_transition(ticket, actor=actor, to_status=status)
    if canned.set_assignee_id and canned.set_assignee_id != ticket.assignee_id:
        ticket = ticket_assign(ticket, actor=actor, team=ticket.team, assignee=canned.set_assignee)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.MACRO_APPLIED,
        is_internal=True,
        data={"canned_reply": canned.pk, "name": canned.name},
    )
    return Ticket.objects.get(pk=ticket.pk)
