"""Reads of the document library (文档库). Staff see every document; a customer sees the
public documents of the products their organization's current contracts cover, per
released version (a document with no versions is about all of them). Anything else, on the
page, in the API or at the download, is a 404 checked on that request."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Product, ProductVersion
from servicedesk.permissions import is_staff_user

from ..models import Document
from .releases import covered_q, releases_for


def document_list(user: Any) -> QuerySet[Document]:
    documents = Document.objects.select_related("product").order_by("product__name", "-id")
    if is_staff_user(user):
        return documents
    return documents.filter(
        is_public=True, product__in=Product.objects.filter(covered_q(user) or Q()).values("pk")
    )


def library_versions(user: Any) -> QuerySet[ProductVersion]:
    """The versions whose library the user may open (customers: covered and released)."""
    return releases_for(user)


def documents_for_version(user: Any, version: ProductVersion) -> QuerySet[Document]:
    """The version's documents (its own and the product's all-versions ones), by title."""
    return (
        document_list(user)
        .filter(product_id=version.product_id)
        .filter(Q(versions=version) | Q(versions__isnull=True))
        .distinct()
        .order_by("title", "id")
    )


def document_get_for(user: Any, pk: Any) -> Document:
    try:
        return document_list(user).get(pk=int(pk))
    except (Document.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound(_("Document not found.")) from None
