"""Who hears about an event, and how: per-user channels and the in-app notification list.

``notify`` is the one call an app's service makes, inside its transaction, for each
person an event matters to. It reads the person's channel for the topic (no preference:
email; a mandatory topic: always email) and writes, in that same transaction, the outbox row
(email) and the in-app entry (email and in-app, or in-app only). A rollback takes both away;
a commit delivers the mail at least once (servicedesk.outbox) and the entry is simply there.
Exactly once per (event, recipient) holds because each service calls ``notify`` once per
recipient of its event, inside the event's transaction.

Apps declare their topics with ``topic(...)`` at import (from their AppConfig.ready): the
profile page lists them for the audience they concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .badges import badges_for
from .models import (
    Contact,
    Notification,
    NotificationChannel,
    NotificationPreference,
    User,
)
from .services import outbox_enqueue

# The unread badge counts this many and shows "99+" beyond: one bounded index range.
UNREAD_CAP = 100


@dataclass(frozen=True)
class Topic:
    code: str
    label: Any  # a lazy translation
    audience: str  # "customer", "staff" or "all"
    mandatory: bool = False


TOPICS: dict[str, Topic] = {}


def topic(code: str, label: Any, *, audience: str, mandatory: bool = False) -> Topic:
    TOPICS[code] = Topic(code, label, audience, mandatory)
    return TOPICS[code]


def topics_for(user: User) -> list[Topic]:
    """The topics a user may hear about, in declaration order."""
    audience = "customer" if permissions.is_customer_user(user) else "staff"
    return [t for t in TOPICS.values() if t.audience in (audience, "all")]


@dataclass(frozen=True)
class Recipient:
    """A person to tell: a user (preferences, in-app list) or a contact with only an email."""

    email: str
    user: User | None = None
    language: str = ""
    time_zone: str = ""

    @property
    def is_customer(self) -> bool:
        return self.user is None or permissions.is_customer_user(self.user)


def recipient_for_user(user: User) -> Recipient:
    organization = user.organization if user.organization_id else None
    return Recipient(
        email=user.email,
        user=user,
        language=user.language or (organization.language if organization else ""),
        time_zone=organization.time_zone if organization else "",
    )


def recipient_for_contact(contact: Contact) -> Recipient:
    if contact.user_id and contact.user and contact.user.email:
        return recipient_for_user(contact.user)
    organization = contact.organization
    return Recipient(
        email=contact.email, language=organization.language, time_zone=organization.time_zone
    )


def channel_for(user: User | None, code: str) -> str:
    if user is None or (code in TOPICS and TOPICS[code].mandatory):
        return NotificationChannel.EMAIL
    chosen = (
        NotificationPreference.objects.filter(user=user, topic=code)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or NotificationChannel.EMAIL


def notify(recipient: Recipient, code: str, payload: dict[str, Any]) -> None:
    """Tell one person about an event, in the caller's transaction, as they chose."""
    channel = channel_for(recipient.user, code)
    if channel == NotificationChannel.OFF:
        return
    payload = {
        **payload,
        "language": recipient.language or settings.LANGUAGE_CODE,
        "time_zone": recipient.time_zone or settings.TIME_ZONE,
        "audience": "customer" if recipient.is_customer else "staff",
    }
    if channel == NotificationChannel.EMAIL and recipient.email:
        outbox_enqueue(topic=code, recipient=recipient.email, payload=payload)
    if recipient.user is not None and recipient.user.is_active:
        from .outbox import render_payload  # outbox imports the models this module uses

        rendered = render_payload(code, payload)
        Notification.objects.create(
            user=recipient.user,
            topic=code,
            subject=" ".join(rendered.subject.split())[:300],
            text=payload.get("summary", "")[:2000],
            url=payload.get("path", "")[:300],
        )


# Preferences ------------------------------------------------------------------------------


class PreferenceError(ValueError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def preferences_of(user: User) -> list[dict[str, Any]]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "channel"))
    return [
        {
            "topic": t.code,
            "label": str(t.label),
            "mandatory": t.mandatory,
            "channel": NotificationChannel.EMAIL
            if t.mandatory
            else chosen.get(t.code, NotificationChannel.EMAIL),
        }
        for t in topics_for(user)
    ]


@transaction.atomic
def preferences_set(user: User, choices: dict[str, str]) -> list[dict[str, Any]]:
    """Set the user's channel per topic; mandatory topics and unknown ones are refused,
    naming each (nothing is saved unless every choice is valid)."""
    allowed = {t.code: t for t in topics_for(user)}
    errors: dict[str, list[str]] = {}
    for code, channel in choices.items():
        if code not in allowed:
            errors[code] = [_("There is no such event for you.")]
        elif channel not in NotificationChannel.values:
            errors[code] = [_("Choose email, in_app or off.")]
        elif allowed[code].mandatory and channel != NotificationChannel.EMAIL:
            errors[code] = [_("This notification is mandatory: it is always sent by email.")]
    if errors:
        raise PreferenceError(errors)
    for code, channel in choices.items():
        if allowed[code].mandatory:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, topic=code, defaults={"channel": channel}
        )
    return preferences_of(user)


# The in-app list --------------------------------------------------------------------------


def notification_list(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another's)."""
    return Notification.objects.filter(user=user).order_by("-id")


def unread_rows(user: User) -> QuerySet[Notification]:
    """The unread entries up to ``UNREAD_CAP`` (one range of a partial index; no COUNT over a
    long history): what the header's badge counts (servicedesk.badges)."""
    return Notification.objects.filter(user=user, read_at=None).values_list("id", flat=True)[
        :UNREAD_CAP
    ]


def unread_count(user: User) -> int:
    """Unread entries up to ``UNREAD_CAP``."""
    return len(unread_rows(user))


def notification_mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (``ids``, or all); returns how many changed.
    Another user's ids change nothing."""
    rows = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def unread_notifications(request: Any) -> dict[str, Any]:
    """Template context: the header's unread badge, evaluated only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    class Badge:
        _value: int | None = None

        @property
        def count(self) -> int:
            if self._value is None:  # read with the header's other badges
                self._value = badges_for(request).get("unread") or 0
            return self._value

        @property
        def label(self) -> str:
            return f"{UNREAD_CAP - 1}+" if self.count >= UNREAD_CAP else str(self.count)

    return {"unread_notifications": Badge()}


__all__ = [
    "Recipient",
    "notify",
    "notification_list",
    "notification_mark_read",
    "preferences_of",
    "preferences_set",
    "recipient_for_contact",
    "recipient_for_user",
    "topic",
    "unread_count",
]
