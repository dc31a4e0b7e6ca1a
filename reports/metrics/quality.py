"""Service quality indicators in the ITSS spirit, each with its definition and the seeds'
target, computed from the other families' figures plus one query (solved within 24 hours)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .base import received, resolved, tickets
from .hours import per_region
from .sql import rate

WITHIN_24H_TARGET = 90.0

# beside the indicators: not a share with a target, a list per region (staff only)
SERVICE_HOURS_PER_REGION = {
    "label": _("Average service hours per region"),
    "definition": _(
        "Per region of the customer organizations: the service hours booked on their tickets "
        "in the period, divided by the number of organizations of the region that received "
        "service."
    ),
}

# indicator -> (quality characteristic, definition, target percent or None, comparison)
DEFINITIONS: dict[str, dict[str, Any]] = {
    "response_met": {
        "characteristic": _("Responsiveness / timeliness"),
        "label": _("Responses within the SLA"),
        "definition": _(
            "Of the response clocks of the tickets received in the period that were met or "
            "breached, the share met."
        ),
        "target": None,
    },
    "resolved_within_24h": {
        "characteristic": _("Responsiveness / timeliness"),
        "label": _("Solved within 24 hours"),
        "definition": _(
            "Of the tickets resolved in the period, the share resolved within 24 hours "
            "(calendar time) of being received."
        ),
        "target": WITHIN_24H_TARGET,
    },
    "resolution_met": {
        "characteristic": _("Reliability"),
        "label": _("Resolutions within the SLA"),
        "definition": _(
            "Of the resolution clocks of the tickets received in the period that were met or "
            "breached, the share met."
        ),
        "target": None,
    },
    "fcr_hotline": {
        "characteristic": _("Responsiveness / interactivity"),
        "label": _("First-contact resolution (hotline)"),
        "definition": _(
            "Of the hotline tickets received in the period, the share solved during the first call."
        ),
        "target": 70.0,
    },
    "hotline_satisfaction": {
        "characteristic": _("Satisfaction"),
        "label": _("Hotline satisfaction"),
        "definition": _(
            "Of the hotline tickets closed in the period with a rating, the share rated 4 or 5 "
            "out of 5 (target: above 85%)."
        ),
        "target": 85.0,
    },
    "satisfaction_average": {
        "characteristic": _("Satisfaction"),
        "label": _("Average rating"),
        "definition": _("The mean 1-5 rating of the tickets closed in the period."),
        "target": None,
    },
    "resolution_rate": {
        "characteristic": _("Reliability"),
        "label": _("Resolution rate"),
        "definition": _("Tickets resolved in the period divided by tickets received in it."),
        "target": None,
    },
    "reopen_rate": {
        "characteristic": _("Reliability"),
        "label": _("Reopen rate"),
        "definition": _(
            "Of the tickets resolved in the period, the share that had been reopened at least once."
        ),
        "target": None,
    },
}


def quality(period: Period, scope: Scope, sections: dict[str, Any]) -> dict[str, Any]:
    """``sections`` holds the volume, sla, first_contact and satisfaction figures."""
    facts = rollup.facts(period, scope)
    if facts is not None:
        total = facts.totals()
        row = {
            "resolved": total["resolved"],
            "within_24h": total["within_24h"],
            "reopened": total["reopened_resolved"],
        }
    else:
        row = _live(period, scope)
    return _indicators(period, scope, row, sections)


def _live(period: Period, scope: Scope) -> dict[str, Any]:
    return (
        tickets(scope)
        .filter(resolved(period) | received(period))
        .aggregate(
            resolved=Count("pk", filter=resolved(period)),
            within_24h=Count(
                "pk",
                filter=resolved(period) & Q(resolved_at__lte=F("created_at") + timedelta(hours=24)),
            ),
            reopened=Count("pk", filter=resolved(period) & Q(reopen_count__gt=0)),
        )
    )


def _indicators(
    period: Period, scope: Scope, row: dict[str, Any], sections: dict[str, Any]
) -> dict[str, Any]:
    volume, sla = sections["volume"], sections["sla"]
    values = {
        "response_met": sla["response"]["met_percent"],
        "resolved_within_24h": rate(row["within_24h"], row["resolved"]),
        "resolution_met": sla["resolution"]["met_percent"],
        "fcr_hotline": sections["first_contact"]["hotline"]["percent"],
        "hotline_satisfaction": sections["satisfaction"]["hotline"]["satisfied_percent"],
        "satisfaction_average": sections["satisfaction"]["average"],
        "resolution_rate": rate(volume["resolved"], volume["received"]),
        "reopen_rate": rate(row["reopened"], row["resolved"]),
    }
    indicators = {}
    for name, value in values.items():
        target = DEFINITIONS[name]["target"]
        met = None
        if target is not None and value is not None:
            met = value > target if name == "hotline_satisfaction" else value >= target
        indicators[name] = {"value": value, "target": target, "meets_target": met}
    return {
        "indicators": indicators,
        # staff only, as the service hours (SERVICE_HOURS_PER_REGION defines it)
        "service_hours_per_region": None if scope.is_customer else per_region(period, scope),
    }
