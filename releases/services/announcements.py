"""Announcements (公告): drafted by managers, published to an audience (all customers,
chosen customers, or the customers of chosen products), withdrawn; mailed once on publish
when asked.

States are data (``ANNOUNCEMENT_TRANSITIONS``): draft -> published -> withdrawn ->
published. Each change locks the announcement's row, writes and records an
``AnnouncementEvent`` in one transaction. The mail goes to every active contact of the
audience once (``AnnouncementNotice``, unique per announcement and contact), in batches, by
a task started on commit; publishing again after a withdrawal mails nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Contact, Contract, Organization, Product, User
from servicedesk.notifications import notify, recipient_for_contact
from servicedesk.permissions import is_manager, is_staff_user

from ..models import (
    Announcement,
    AnnouncementAudience,
    AnnouncementEvent,
    AnnouncementKind,
    AnnouncementNotice,
)

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000
BATCH_SIZE = 200

ANNOUNCEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"published"}),
    "published": frozenset({"withdrawn"}),
    "withdrawn": frozenset({"published"}),
}
FIELDS = (
    "title",
    "body",
    "kind",
    "window_starts_at",
    "window_ends_at",
    "audience",
    "organizations",
    "products",
    "send_email",
    "expires_at",
)
SCALAR_FIELDS = tuple(name for name in FIELDS if name not in ("organizations", "products"))


def _require(actor: User) -> None:
    """Managers (and admins) write announcements; other staff get 403, anyone else 404."""
    if is_manager(actor):
        return
    if not is_staff_user(actor):
        raise NotFound(_("Announcement not found."))
    raise NotAllowed(_("Only service-center managers write announcements."))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Every rule on the fields at once, each error under its field's name."""
    errors: dict[str, list[str]] = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        errors["title"] = [_("Give the announcement a title.")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("At most %(limit)d characters.") % {"limit": TITLE_MAX_LENGTH}]
    body = str(values.get("body") or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_MAX_LENGTH:
        errors["body"] = [_("At most %(limit)d characters.") % {"limit": BODY_MAX_LENGTH}]
    kind = values.get("kind") or AnnouncementKind.NOTICE
    if kind not in AnnouncementKind.values:
        errors["kind"] = [_("Choose maintenance, release or notice.")]
    audience = values.get("audience") or AnnouncementAudience.ALL
    if audience not in AnnouncementAudience.values:
        errors["audience"] = [_("Choose all, organizations or products.")]
    organizations = list(values.get("organizations") or [])
    products = list(values.get("products") or [])
    if audience == AnnouncementAudience.ORGANIZATIONS and not organizations:
        errors["organizations"] = [_("Choose at least one customer.")]
    if audience == AnnouncementAudience.PRODUCTS and not products:
        errors["products"] = [_("Choose at least one product.")]
    starts, ends = values.get("window_starts_at"), values.get("window_ends_at")
    if starts and ends and ends < starts:
        errors["window_ends_at"] = [_("The window ends before it starts.")]
    if kind == AnnouncementKind.MAINTENANCE and not (starts and ends):
        errors.setdefault("window_starts_at", [_("A maintenance window needs its start and end.")])
    if errors:
        raise ValidationFailed(_("The announcement has errors."), fields=errors)
    return {
        "title": title,
        "body": body,
        "kind": kind,
        "window_starts_at": starts,
        "window_ends_at": ends,
        "audience": audience,
        "organizations": organizations if audience == AnnouncementAudience.ORGANIZATIONS else [],
        "products": products if audience == AnnouncementAudience.PRODUCTS else [],
        "send_email": bool(values.get("send_email")),
        "expires_at": values.get("expires_at"),
    }


def _event(announcement: Announcement, actor: User, what: str, data: dict[str, Any]) -> None:
    AnnouncementEvent.objects.create(announcement=announcement, actor=actor, kind=what, data=data)


def _facts(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of a set of values (JSON: ids and ISO times)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("organizations", "products"):
            out[name] = sorted(item.pk for item in value)
        elif isinstance(value, dt.datetime):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _lock(announcement: Announcement) -> Announcement:
    try:
        return Announcement.objects.select_for_update().get(pk=announcement.pk)
    except Announcement.DoesNotExist:
        raise NotFound(_("Announcement not found.")) from None


def announcement_create(*, actor: User, **values: Any) -> Announcement:
    """A draft; nobody outside staff sees it until it is published."""
    _require(actor)
    clean = _clean(values)
    with transaction.atomic():
        organizations, products = clean.pop("organizations"), clean.pop("products")
        announcement = Announcement.objects.create(created_by=actor, **clean)
        announcement.organizations.set(organizations)
        announcement.products.set(products)
        facts = _facts({**clean, "organizations": organizations, "products": products})
        _event(announcement, actor, "created", facts)
    return announcement


def announcement_update(announcement: Announcement, *, actor: User, **values: Any) -> Announcement:
    """Edit the fields (all of them, as a form sends them); the event keeps old -> new of
    what changed. A published announcement changes in place; it is not mailed again."""
    _require(actor)
    clean = _clean(values)
    with transaction.atomic():
        locked = _lock(announcement)
        current = {name: getattr(locked, name) for name in SCALAR_FIELDS}
        current["organizations"] = list(locked.organizations.all())
        current["products"] = list(locked.products.all())
        before, after = _facts(current), _facts(clean)
        changes = {
            name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]
        }
        if changes:
            for name in SCALAR_FIELDS:
                setattr(locked, name, clean[name])
            locked.save()
            locked.organizations.set(clean["organizations"])
            locked.products.set(clean["products"])
            _event(locked, actor, "updated", changes)
    return locked


def _move(locked: Announcement, target: str) -> None:
    if target not in ANNOUNCEMENT_TRANSITIONS[locked.state]:
        raise InvalidTransition(
            _("A %(state)s announcement cannot be %(target)s.")
            % {"state": locked.state, "target": target},
            extra={"allowed": sorted(ANNOUNCEMENT_TRANSITIONS[locked.state])},
        )


def announcement_publish(announcement: Announcement, *, actor: User) -> Announcement:
    """Show it to its audience from now on; mail it on commit when ``send_email``."""
    _require(actor)
    with transaction.atomic():
        locked = _lock(announcement)
        _move(locked, "published")
        now = timezone.now()
        if locked.expires_at is not None and locked.expires_at <= now:
            raise ValidationFailed(
                _("The announcement has already expired: move its end first."),
                fields={"expires_at": [_("In the past.")]},
            )
        locked.published_at, locked.withdrawn_at = now, None
        locked.save(update_fields=["published_at", "withdrawn_at", "updated_at"])
        _event(locked, actor, "published", {"send_email": locked.send_email})
        if locked.send_email:
            pk = locked.pk
            transaction.on_commit(lambda: _publish(pk))
    return locked


def announcement_withdraw(announcement: Announcement, *, actor: User) -> Announcement:
    """Take it off the portal (it stays in the staff list and its audit trail)."""
    _require(actor)
    with transaction.atomic():
        locked = _lock(announcement)
        _move(locked, "withdrawn")
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at", "updated_at"])
        _event(locked, actor, "withdrawn", {})
    return locked


def _publish(announcement_id: int) -> None:
    from ..tasks import announcement_notices_send_task

    try:
        announcement_notices_send_task.apply_async((announcement_id,), retry=False)
    except Exception as exc:
        logger.warning("could not publish the mail of announcement %s: %s", announcement_id, exc)


def audience_organizations(announcement: Announcement) -> QuerySet[Organization]:
    """The active organizations an announcement is for (products: a current contract)."""
    organizations = Organization.objects.filter(is_active=True)
    if announcement.audience == AnnouncementAudience.ORGANIZATIONS:
        return organizations.filter(pk__in=announcement.organizations.values("pk"))
    if announcement.audience == AnnouncementAudience.PRODUCTS:
        today = timezone.localdate()
        contracts = Contract.objects.filter(
            starts_on__lte=today,
            ends_on__gte=today,
            products__in=Product.objects.filter(pk__in=announcement.products.values("pk")),
        )
        return organizations.filter(pk__in=contracts.values("organization_id"))
    return organizations


def _contacts(organizations: Iterable[Any] | QuerySet[Organization]) -> QuerySet[Contact]:
    return Contact.objects.filter(organization__in=organizations).filter(
        Q(user__is_active=True) | Q(user__isnull=True, email__gt="")
    )


def announcement_notices_send(announcement_id: int, *, batch_size: int = BATCH_SIZE) -> int:
    """Mail a published announcement that asks for it to each audience contact once;
    returns how many were told now."""
    from ..emails import ANNOUNCEMENT

    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None or announcement.state != "published" or not announcement.send_email:
        return 0
    recipients = _contacts(audience_organizations(announcement)).select_related(
        "organization", "user__organization"
    )
    payload = {
        "announcement": announcement.pk,
        "title": announcement.title,
        "kind": announcement.kind,
        "body": announcement.body,
        "summary": " ".join(announcement.body.split())[:300],
        "window_starts_at": announcement.window_starts_at.isoformat()
        if announcement.window_starts_at
        else "",
        "window_ends_at": announcement.window_ends_at.isoformat()
        if announcement.window_ends_at
        else "",
        "path": reverse("announcements:detail", args=[announcement.pk]),
    }
    told, after = 0, 0
    while True:
        with transaction.atomic():
            locked = Announcement.objects.select_for_update().filter(pk=announcement.pk).first()
            if locked is None or locked.state != "published":
                break  # withdrawn in the meantime: the rest are not told
            batch = list(recipients.filter(pk__gt=after).order_by("pk")[:batch_size])
            if not batch:
                break
            after = batch[-1].pk
            done = set(
                AnnouncementNotice.objects.filter(
                    announcement=locked, contact_id__in=[c.pk for c in batch]
                ).values_list("contact_id", flat=True)
            )
            fresh = [contact for contact in batch if contact.pk not in done]
            AnnouncementNotice.objects.bulk_create(
                [AnnouncementNotice(announcement=locked, contact=contact) for contact in fresh]
            )
            for contact in fresh:
                notify(recipient_for_contact(contact), ANNOUNCEMENT.code, payload)
            told += len(fresh)
            if locked.emailed_at is None:
                locked.emailed_at = timezone.now()
                locked.save(update_fields=["emailed_at"])
        if len(batch) < batch_size:
            break
    return told
