"""Metrics: every figure is an SQL aggregation over indexed ticket, clock, event and
maintenance columns, for a ``Period`` and a ``Scope`` (``reports.periods``); nothing loads
tickets into Python. Each family is a module with one function ``(period, scope) -> dict``
of plain JSON values; ``collect`` runs the families asked for.

    from reports.metrics import collect
    from reports.periods import Period, Scope
    figures = collect(Period.month(2026, 11), Scope.for_user(user, organization=3))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from servicedesk.errors import ValidationFailed

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .appraisal import appraisal
from .contact import first_contact
from .hours import service_hours
from .quality import DEFINITIONS, quality
from .satisfaction import satisfaction
from .sla import sla_compliance
from .times import response_resolution
from .trend import trend
from .volume import volume
from .work_orders import work_orders

Family = Callable[[Period, Scope], dict[str, Any]]

# name -> family, in the order a report shows them
FAMILIES: dict[str, Family] = {
    "volume": volume,
    "times": response_resolution,
    "sla": sla_compliance,
    "first_contact": first_contact,
    "satisfaction": satisfaction,
    "work_orders": work_orders,
    "service_hours": service_hours,
    "appraisal": appraisal,
    "trend": trend,
}
# sections computed from others (and the ones they need)
DERIVED = {"quality": ("volume", "sla", "first_contact", "satisfaction")}
# what a customer never gets: staff appraisal and maintenance internals
STAFF_ONLY = frozenset({"work_orders", "service_hours", "appraisal"})
SECTIONS: tuple[str, ...] = (*FAMILIES, *DERIVED)


def allowed_sections(scope: Scope) -> tuple[str, ...]:
    return tuple(s for s in SECTIONS if not (scope.is_customer and s in STAFF_ONLY))


def no_jit() -> None:
    """PostgreSQL compiles these aggregates with JIT by default: 300-400 ms per query on
    these machines, more than most queries take (docs/PERFORMANCE.md). Off for the rest of
    the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def collect(
    period: Period,
    scope: Scope,
    sections: Iterable[str] | None = None,
    *,
    breach_list: bool = True,
) -> dict[str, dict[str, Any]]:
    """The figures of ``sections`` (default: all the scope's audience may see), keyed by
    section name. An unknown or forbidden section name raises ``ValidationFailed``.
    ``breach_list=False``: the SLA section's latest breaches are not read (``None``; the
    dashboard links to them instead of listing them)."""
    allowed = allowed_sections(scope)
    wanted = list(allowed if sections is None else sections)
    unknown = [s for s in wanted if s not in allowed]
    if unknown:
        message = _("Unknown sections: %(names)s. Choose from: %(allowed)s.") % {
            "names": ", ".join(unknown),
            "allowed": ", ".join(allowed),
        }
        raise ValidationFailed(message, fields={"sections": [message]})
    needed = list(wanted)
    for name in wanted:
        needed += [n for n in DERIVED.get(name, ()) if n not in needed]
    result: dict[str, dict[str, Any]] = {}
    with transaction.atomic(), rollup.shared_reads():
        no_jit()
        for name in needed:
            if name == "sla" and not breach_list:
                result[name] = sla_compliance(period, scope, breach_list=False)
            elif name in FAMILIES:
                result[name] = FAMILIES[name](period, scope)
        if "quality" in wanted:
            result["quality"] = quality(period, scope, result)
    return {name: result[name] for name in wanted}


__all__ = ["DEFINITIONS", "FAMILIES", "SECTIONS", "STAFF_ONLY", "allowed_sections", "collect"]
