"""What customers hear from releases: a published version fixes a fault on the version
they run (补丁发布), and announcements (公告) a manager chose to mail. Written by the
releases services through ``servicedesk.notifications.notify``, in their transactions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.mail import Rendered, event_mail, local_time
from servicedesk.notifications import topic
from servicedesk.outbox import renderer

from .models import AnnouncementKind

PATCH_PUBLISHED = topic(
    "release.patch_published",
    gettext_lazy("A patch fixes a fault in the version we run"),
    audience="customer",
)
ANNOUNCEMENT = topic("release.announcement", gettext_lazy("Announcements"), audience="customer")


@renderer(PATCH_PUBLISHED.code)
def patch_published_email(topic: str, payload: dict[str, Any]) -> Rendered:
    name = f"{payload.get('product', '')} {payload.get('version', '')}".strip()
    return event_mail(
        payload,
        number="",
        record_label=_("Release"),
        thread_kind="release",
        subject=_("Patch published: %(name)s fixes a fault in your version") % {"name": name},
        headline=_(
            "%(name)s is published. It fixes a fault recorded on the version your "
            "organization runs."
        )
        % {"name": name},
        quote=payload.get("notes") or "",
        quote_label=_("Release notes"),
        facts=[(_("Released on"), payload.get("released_on") or "")],
        action=_("Download it from the downloads area:"),
    )


@renderer(ANNOUNCEMENT.code)
def announcement_email(topic: str, payload: dict[str, Any]) -> Rendered:
    try:
        kind = str(AnnouncementKind(payload.get("kind") or "notice").label)
    except ValueError:
        kind = _("Announcement")
    return event_mail(
        payload,
        number="",
        record_label=_("Announcement"),
        thread_kind="announcement",
        subject=_("Announcement: %(title)s") % {"title": payload.get("title", "")},
        headline=_("%(kind)s: %(title)s") % {"kind": kind, "title": payload.get("title", "")},
        quote=payload.get("body") or "",
        facts=[
            (_("Window starts"), local_time(payload.get("window_starts_at") or None)),
            (_("Window ends"), local_time(payload.get("window_ends_at") or None)),
        ],
        action=_("Read it in the portal:"),
    )
