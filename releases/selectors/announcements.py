"""Reads of announcements (公告). One audience rule for the portal banner, the portal list
and detail, and the API: staff see every announcement (drafts and withdrawn ones too); a
customer sees the published, unexpired, not withdrawn ones addressed to all customers, to
their organization, or to a product their organization's current contracts cover. Anything
else is a 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Product
from servicedesk.permissions import is_customer_user, is_staff_user

from ..models import Announcement, AnnouncementAudience
from .releases import covered_q

BANNER_SIZE = 3


def _ordered() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("created_by").order_by("-published_at", "-id")


def announcements_visible(user: Any) -> QuerySet[Announcement]:
    """What a customer may read now, newest first; nothing for anyone else."""
    if not is_customer_user(user):
        return Announcement.objects.none()
    now = timezone.now()
    products = Product.objects.filter(covered_q(user) or Q()).values("pk")
    audience = (
        Q(audience=AnnouncementAudience.ALL)
        | Q(
            audience=AnnouncementAudience.ORGANIZATIONS,
            pk__in=Announcement.organizations.through.objects.filter(
                organization_id=user.organization_id
            ).values("announcement_id"),
        )
        | Q(
            audience=AnnouncementAudience.PRODUCTS,
            pk__in=Announcement.products.through.objects.filter(product_id__in=products).values(
                "announcement_id"
            ),
        )
    )
    return (
        _ordered()
        .filter(published_at__isnull=False, published_at__lte=now, withdrawn_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(audience)
    )


def announcement_list(user: Any) -> QuerySet[Announcement]:
    """Staff: every announcement, with its audience; customers: ``announcements_visible``."""
    if is_staff_user(user):
        return _ordered().prefetch_related("organizations", "products")
    return announcements_visible(user)


def announcements_current(user: Any) -> list[Announcement]:
    """The portal banner: the newest few a customer may read whose window (if any) has
    not ended."""
    now = timezone.now()
    rows = announcements_visible(user).filter(
        Q(window_ends_at__isnull=True) | Q(window_ends_at__gt=now)
    )
    return list(rows[:BANNER_SIZE])


def announcement_get_for(user: Any, pk: Any) -> Announcement:
    try:
        return announcement_list(user).get(pk=int(pk))
    except (Announcement.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound(_("Announcement not found.")) from None
