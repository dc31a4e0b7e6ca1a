"""Default service targets of DESIGN.md, used until a contract's SLA policy refines them.

Response: 2 hours for every level, 7x24. Resolution: L1 2 h, L2 4 h, L3 3 days, L4 7 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta

RESPONSE_TARGET = timedelta(hours=2)
RESOLUTION_TARGETS: dict[str, timedelta] = {
    "L1": timedelta(hours=2),
    "L2": timedelta(hours=4),
    "L3": timedelta(days=3),
    "L4": timedelta(days=7),
}


def default_due_times(severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(response due, resolution due) for a ticket of ``severity`` raised at ``start``."""
    return start + RESPONSE_TARGET, start + RESOLUTION_TARGETS[severity]
