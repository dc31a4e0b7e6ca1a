"""The staff timeline: comments (replies, internal notes) merged with the audit events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from servicedesk.text import join_phrases
from tickets import selectors
from tickets.choices import EventKind, TriageDecision
from tickets.models import Attachment, Ticket

_PK = 987654321


@dataclass(frozen=True)
class Entry:
    """One line of the staff timeline: a reply, an internal note, or a recorded change."""

    when: datetime
    kind: str  # "reply", "note" or "change"
    actor: Any = None
    text: str = ""
    comment: Any = None
    attachment_id: int | None = None
    order: int = 0
    files: tuple[Any, ...] = ()


def _label(field: str, value: Any) -> str:
    """A stored value shown with its choice label where the ticket field has choices."""
    if value in (None, ""):
        return "—"
    try:
        choices = dict(Ticket._meta.get_field(field).flatchoices)
    except Exception:  # noqa: BLE001 - an unknown field name in old event data
        return str(value)
    return str(choices.get(value, value))


def _field_name(field: Any) -> str:
    try:
        return capfirst(str(Ticket._meta.get_field(str(field)).verbose_name))
    except Exception:  # noqa: BLE001 - an unknown field name in old event data
        return str(field or "")


def _change(data: dict[str, Any], key: str) -> tuple[str, str]:
    part = data.get(key) or {}
    return str(part.get("old") or "—"), str(part.get("new") or "—")


def _event_text(kind: str, data: dict[str, Any]) -> str:
    if kind == EventKind.CREATED:
        return _("Ticket %(number)s recorded: %(kind)s via %(channel)s, %(severity)s.") % {
            "number": data.get("number", ""),
            "kind": _label("kind", data.get("kind")),
            "channel": _label("channel", data.get("channel")),
            "severity": _label("severity", data.get("severity")),
        }
    if kind == EventKind.TRANSITION:
        text = _("Status: %(old)s → %(new)s.") % {
            "old": _label("status", data.get("old")),
            "new": _label("status", data.get("new")),
        }
        if data.get("reason") == "assigned":
            text += " " + _("(accepted on assignment)")
        elif data.get("reason") == "customer_reply":
            text += " " + _("(the customer replied)")
        return text
    if kind == EventKind.FIELD_CHANGED:
        field = data.get("field")
        return _("%(field)s: %(old)s → %(new)s.") % {
            "field": _field_name(field),
            "old": _label(str(field), data.get("old")),
            "new": _label(str(field), data.get("new")),
        }
    if kind == EventKind.ASSIGNED:
        parts = []
        old, new = _change(data, "team")
        if old != new:
            parts.append(_("service group %(old)s → %(new)s") % {"old": old, "new": new})
        old, new = _change(data, "assignee")
        if old != new:
            parts.append(_("assignee %(old)s → %(new)s") % {"old": old, "new": new})
        return _("Assigned: %(changes)s.") % {"changes": join_phrases(parts) or "—"}
    if kind == EventKind.TRIAGED:
        old, new = data.get("old"), data.get("new")
        labels = dict(TriageDecision.choices)
        return _("Triage decision: %(old)s → %(new)s.") % {
            "old": labels.get(old, old or "—"),
            "new": labels.get(new, new or "—"),
        }
    if kind == EventKind.ATTACHMENT_ADDED:
        return _("File added: %(name)s.") % {"name": data.get("name", "")}
    if kind == EventKind.RATED:
        text = _("Customer rated the service %(rating)s of 5.") % {"rating": data.get("rating")}
        return f"{text} {data['comment']}" if data.get("comment") else text
    if kind in (EventKind.LINKED, EventKind.UNLINKED, EventKind.MERGED):
        return _link_text(kind, data)
    if kind == EventKind.MACRO_APPLIED:
        return _("Canned reply applied: %(name)s.") % {"name": data.get("name", "")}
    return str(EventKind(kind).label) if kind in EventKind.values else str(kind)


def _link_text(kind: str, data: dict[str, Any]) -> str:
    other = data.get("other", "")
    if kind == EventKind.MERGED:
        if data.get("direction") == "into":
            return _("Merged into %(number)s.") % {"number": other}
        return _("%(number)s merged into this ticket (%(comments)s messages, %(files)s files).") % {
            "number": other,
            "comments": data.get("comments", 0),
            "files": data.get("attachments", 0),
        }
    relation = selectors.link_label(
        str(data.get("relation")), outgoing=data.get("direction") != "in"
    )
    if kind == EventKind.UNLINKED:
        return _("Link to %(number)s removed.") % {"number": other}
    return _("Linked: %(relation)s %(number)s.") % {"relation": relation, "number": other}


def timeline_for(
    request: HttpRequest, ticket: Ticket, attachments: list[Attachment] | None = None
) -> list[Entry]:
    """The merged timeline. ``attachments``: the ticket's files as the page lists them
    (``selectors.attachment_list``); each message's are taken from there, not read again."""
    by_comment: dict[int, list[Attachment]] = {}
    for attachment in attachments or ():
        if attachment.comment_id is not None:
            by_comment.setdefault(attachment.comment_id, []).append(attachment)
    for files in by_comment.values():
        files.sort(key=lambda a: a.pk)
    comments = selectors.comment_list(request.user, ticket, files=attachments is None)
    entries = [
        Entry(
            when=c.created_at,
            kind="note" if c.is_internal else "reply",
            actor=c.author,
            text=c.body,
            comment=c,
            order=c.pk,
            files=tuple(by_comment.get(c.pk, ()))
            if attachments is not None
            else tuple(c.attachments.all()),
        )
        for c in comments
    ]
    for event in selectors.event_list(request.user, ticket):
        if event.kind in (EventKind.COMMENTED, EventKind.NOTE_ADDED):
            continue  # the comment itself is in the timeline, with its files
        data = event.data if isinstance(event.data, dict) else {}
        entries.append(
            Entry(
                when=event.created_at,
                kind="change",
                actor=event.actor,
                text=_event_text(event.kind, data),
                attachment_id=data.get("attachment")
                if event.kind == EventKind.ATTACHMENT_ADDED
                else None,
                order=event.pk,
            )
        )
    # Changes first at equal times: a transition's comment reads after the status change.
    entries.sort(key=lambda e: (e.when, e.kind != "change", e.order))
    return entries


def timeline_html(entries: list[Entry]) -> SafeString:
    """The timeline's ``<li>`` elements, built in one pass like the queue's rows
    (``queue_rows``): the template spent about ten node renders on each entry. Every value
    is escaped; the constant texts are translated once per page."""
    if not entries:
        return format_html('<li class="change">{}</li>', _("Nothing recorded yet."))
    download = escape(_("Download"))
    system, former = escape(_("System")), escape(_("Former user"))
    badges = {
        "note": f'<span class="badge note-badge">{escape(_("Internal note"))}</span>',
        "reply": f'<span class="badge reply-badge">{escape(_("Public reply"))}</span>',
    }
    customer = f' <span class="muted">({escape(_("Customer"))})</span>'
    link = reverse("attachment-download", kwargs={"pk": _PK}).replace(str(_PK), "{}")
    out = []
    for entry in entries:
        local = timezone.localtime(entry.when)
        when = f'<time datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M}</time>'
        actor = entry.actor
        if entry.kind == "change":
            name = conditional_escape(actor) if actor else system
            file = (
                f'<a href="{link.format(entry.attachment_id)}">{download}</a>'
                if entry.attachment_id
                else ""
            )
            out.append(
                f'<li class="change">\n        {when} · <strong>{name}</strong> · '
                f"{conditional_escape(entry.text)}\n        {file}\n      </li>"
            )
            continue
        name = conditional_escape(actor) if actor else former
        role = customer if actor is not None and actor.is_customer else ""
        text = (
            f'<div class="body">{linebreaks(entry.text, autoescape=True)}</div>'
            if entry.text
            else ""
        )
        files = ""
        if entry.files:
            items = "".join(
                f'<li><a href="{link.format(a.pk)}">{conditional_escape(a.original_name)}</a> '
                f'<span class="muted small">{filesizeformat(a.size)}</span></li>'
                for a in entry.files
            )
            files = f'<ul class="files">{items}</ul>'
        out.append(
            f'<li class="{entry.kind}">\n        <div class="meta small muted">\n          '
            f"{badges[entry.kind]}\n          <strong>{name}</strong>{role}\n          · {when}\n"
            f"        </div>\n        {text}\n        {files}\n      </li>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 (every value above is escaped)
