"""产品故障记录: reads of the product fault log (staff only), for the page, the API and the
export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk.exports import CHUNK, Table
from servicedesk.models import Product, ProductVersion
from servicedesk.permissions import is_staff_user
from tickets.models import Ticket

from ..models import FaultLogEntry, WorkOrder
from .columns import as_list


def fault_log(user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[FaultLogEntry]:
    """产品故障记录: lines of the product fault log, newest first (staff only; everyone
    else gets none), filtered (``filter_fault_log``), with product, work order, versions
    and ticket numbers prefetched."""
    if not is_staff_user(user):  # as work_order_visibility_q: the log is staff-only
        return FaultLogEntry.objects.none()
    qs = filter_fault_log(FaultLogEntry.objects.all(), filters or {})
    return qs.order_by("-recorded_on", "-id").prefetch_related(
        Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
        Prefetch("work_order", queryset=WorkOrder.objects.only("id", "number", "status")),
        Prefetch("fixed_version", queryset=ProductVersion.objects.only("id", "version")),
        Prefetch(
            "affected_versions",
            queryset=ProductVersion.objects.only("id", "version").order_by("id"),
        ),
        Prefetch("tickets", queryset=Ticket.objects.only("id", "number").order_by("id")),
    )


def filter_fault_log(
    qs: QuerySet[FaultLogEntry], filters: Mapping[str, Any]
) -> QuerySet[FaultLogEntry]:
    """Keys: ``product`` (instance or id), ``severity``, ``cause`` (a value or a list),
    ``date_from``, ``date_to`` (inclusive dates), ``version`` (a version or its id: lines
    where it is affected or is the fixed version)."""
    if filters.get("product") not in (None, ""):
        qs = qs.filter(product=filters["product"])
    severities = as_list(filters.get("severity"))
    if severities:
        qs = qs.filter(severity__in=severities)
    causes = as_list(filters.get("cause"))
    if causes:
        qs = qs.filter(cause__in=causes)
    if filters.get("date_from"):
        qs = qs.filter(recorded_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(recorded_on__lte=filters["date_to"])
    version = filters.get("version")
    if version not in (None, ""):
        affected = FaultLogEntry.affected_versions.through.objects.filter(
            productversion=version
        ).values("faultlogentry_id")
        qs = qs.filter(Q(fixed_version=version) | Q(pk__in=affected))
    return qs


def fault_log_export(entries: QuerySet[FaultLogEntry]) -> Table:
    """Lines of ``fault_log`` (filtered by the caller) as the export's table, the same for
    the page and the API: newest first, every row (the XLSX writer caps its sheet), read in
    chunks."""

    def rows() -> Iterator[list[Any]]:
        entry: FaultLogEntry
        ordered = entries.order_by("-recorded_on", "-id")
        for entry in ordered.iterator(chunk_size=CHUNK):
            yield [
                entry.recorded_on,
                entry.product.name,
                entry.severity,
                str(entry.get_cause_display()),
                entry.summary,
                ", ".join(v.version for v in entry.affected_versions.all()),
                entry.fixed_version.version if entry.fixed_version else "",
                ", ".join(t.number for t in entry.tickets.all()),
                entry.work_order.number,
            ]

    return Table(
        name="fault-log",
        title=_("Product fault log"),
        headers=[
            _("Date"),
            _("Product"),
            _("Severity"),
            _("Cause category"),
            _("Fault"),
            _("Affected versions"),
            _("Fixed in"),
            _("Tickets"),
            _("Work order"),
        ],
        rows=rows(),
    )
