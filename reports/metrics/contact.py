"""First-contact resolution: of the tickets received in the period, the share solved at
the first contact (the hotline agent's mark, copied to the ticket), at the hotline and
overall, against the 70% target."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from tickets.choices import Channel

from .. import rollup
from ..periods import Period
from ..scope import Scope
from .base import received, tickets
from .sql import rate

FCR_TARGET = 70.0


def first_contact(period: Period, scope: Scope) -> dict[str, Any]:
    """One query."""
    hotline = Q(channel=Channel.HOTLINE)
    facts = rollup.facts(period, scope)
    if facts is not None:
        total = facts.totals()
        row = {
            "total": total["received"],
            "solved": total["fcr"],
            "hotline_total": total["hotline"],
            "hotline_solved": total["hotline_fcr"],
        }
    else:
        row = (
            tickets(scope)
            .filter(received(period))
            .aggregate(
                total=Count("pk"),
                solved=Count("pk", filter=Q(first_contact_resolution=True)),
                hotline_total=Count("pk", filter=hotline),
                hotline_solved=Count("pk", filter=hotline & Q(first_contact_resolution=True)),
            )
        )
    hotline_rate = rate(row["hotline_solved"], row["hotline_total"])
    return {
        "hotline": {
            "received": row["hotline_total"],
            "solved_first_contact": row["hotline_solved"],
            "percent": hotline_rate,
        },
        "overall": {
            "received": row["total"],
            "solved_first_contact": row["solved"],
            "percent": rate(row["solved"], row["total"]),
        },
        "target_percent": FCR_TARGET,
        "meets_target": None if hotline_rate is None else hotline_rate >= FCR_TARGET,
    }
