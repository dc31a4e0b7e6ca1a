"""Reads of releases and patches for the downloads pages, the staff releases page and the API.

Visibility (one rule for pages and API): staff see every version; a customer sees the
versions of the products their organization's contracts cover today, from the version's
release date on (a version without a date, or dated in the future, is not published yet).
Anything else is a 404, exactly as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Contract, Product, ProductVersion
from servicedesk.permissions import is_customer_user, is_staff_user

from ..models import Installation, Patch

INSTALLATION_FILTERS = ("organization", "contract", "product", "version")


def covered_q(user: Any) -> Q | None:
    """Products under the user's contracts today; None for staff (everything)."""
    if is_staff_user(user):
        return None
    if not is_customer_user(user):
        return Q(pk__in=[])
    today = timezone.localdate()
    contracts = Contract.objects.filter(
        organization_id=user.organization_id, starts_on__lte=today, ends_on__gte=today
    )
    return Q(pk__in=Product.objects.filter(contracts__in=contracts).values("pk"))


def covered_products(user: Any) -> QuerySet[Product]:
    """The products whose releases the user may see, by name."""
    covered = covered_q(user)
    products = Product.objects.order_by("name", "id")
    return products if covered is None else products.filter(covered)


def releases_for(user: Any) -> QuerySet[ProductVersion]:
    """Versions the user may see, with product and patch, per product newest first."""
    versions = ProductVersion.objects.select_related("product", "patch").order_by(
        "product__name", "product_id", F("released_on").desc(nulls_last=True), "-id"
    )
    covered = covered_q(user)
    if covered is None:
        return versions
    return versions.filter(
        product__in=Product.objects.filter(covered),
        released_on__isnull=False,
        released_on__lte=timezone.localdate(),
    )


def version_get_for(user: Any, pk: Any) -> ProductVersion:
    try:
        return releases_for(user).get(pk=int(pk))
    except (ProductVersion.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("Version not found.")) from None


def patch_get_for(user: Any, version_pk: Any) -> Patch:
    """The patch of a version the user may see; 404 if either is missing."""
    version: Any = version_get_for(user, version_pk)  # ``patch`` is the reverse one-to-one
    try:
        return version.patch
    except Patch.DoesNotExist:
        raise NotFound(_("This version has no patch to download.")) from None


def installations(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Installation]:
    """Which customers run which version (staff only: nothing for anyone else).

    ``filters`` may name ``organization``, ``contract``, ``product``, ``version`` (ids or
    instances); empty values filter nothing.
    """
    rows = Installation.objects.select_related(
        "contract__organization", "product", "version"
    ).order_by("contract__organization__name", "product__name", "contract__number", "id")
    if not is_staff_user(user):
        return rows.none()
    lookups = {
        "organization": "contract__organization",
        "contract": "contract",
        "product": "product",
        "version": "version",
    }
    for name, value in (filters or {}).items():
        if name in lookups and value not in (None, ""):
            rows = rows.filter(**{lookups[name]: value})
    return rows
