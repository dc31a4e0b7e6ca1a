"""What every notification mail shares: absolute links, local times, thread ids, and the
HTML alternative sanitized before it leaves (docs/NOTIFICATIONS.md, "What a mail says").

Renderers run inside ``servicedesk.outbox.render_payload``, which activates the recipient's
language and time zone; these helpers read both from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format


@dataclass
class Rendered:
    """What a notification says: a subject, the plain text, an HTML alternative (sanitized
    when sent) and the Message-ID of the conversation it belongs to (a ticket's thread), sent
    as In-Reply-To and References so a reader's mail program keeps one thread per ticket."""

    subject: str
    text: str
    html: str = ""
    thread: str = ""


# The HTML a mail may carry: structure, emphasis and links, nothing that runs or loads.
HTML_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "hr", "i", "li",
    "ol", "p", "pre", "small", "span", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
HTML_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan", "scope"}}


def sanitize_html(html: str) -> str:
    """Only the tags above survive; links only to http(s) and mailto, opened safely."""
    return nh3.clean(
        html,
        tags=HTML_TAGS,
        attributes=HTML_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_mail(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """``email/<template>.txt`` and ``email/<template>.html`` rendered with ``context``."""
    context = {"site_url": settings.SITE_URL, **context}
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    return text.strip() + "\n", sanitize_html(html)


def site_link(path: str) -> str:
    """An absolute link for a mail (``SITE_URL`` + a path from ``reverse``)."""
    return f"{settings.SITE_URL}{path}"


def local_time(value: str | datetime | None) -> str:
    """A moment in the active time zone, as people read it in the active language
    (``2026-12-03 21:05`` / ``2026年12月3日 21:05``), with the zone's name; "" if unknown."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.utc)
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"


def thread_id(kind: str, key: str | int) -> str:
    """The Message-ID of a conversation's root (one per ticket), stable across messages."""
    return f"<{kind}.{key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def event_mail(
    payload: dict[str, Any],
    *,
    number: str,
    record_label: str,
    thread_kind: str,
    subject: str,
    headline: str,
    quote: str = "",
    quote_label: str = "",
    facts: list[tuple[str, str]] | None = None,
    attachments: list[str] | None = None,
    action: str = "",
    fallback_path: str = "/",
    link_path: str = "",
    more_links: list[tuple[str, str]] | None = None,
) -> Rendered:
    """A mail about one record (a ticket, a work order): what happened, the text that
    matters, the record's number and title, facts with local times, the link to open it
    (the payload's ``path``, or ``link_path``; ``more_links``: further (label, path) pairs),
    plain text and sanitized HTML, in the record's thread."""
    from django.utils.translation import gettext as _

    context = {
        "headline": headline,
        "quote": quote,
        "quote_label": quote_label,
        "record_label": record_label,
        "number": number,
        "title": payload.get("title", ""),
        "facts": [(label, value) for label, value in facts or [] if value],
        "attachments": attachments or [],
        "link": site_link(link_path or payload.get("path") or fallback_path),
        "more_links": [(label, site_link(path)) for label, path in more_links or [] if path],
        "action": action or _("Open it:"),
    }
    text, html = render_mail("event", context)
    return Rendered(
        subject=f"[{number}] {subject}" if number else subject,
        text=text,
        html=html,
        thread=thread_id(thread_kind, number) if number else "",
    )
