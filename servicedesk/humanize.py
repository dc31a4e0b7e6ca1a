"""Durations in words for the staff pages: an SLA deadline as "in 1 h 20 min" or "12 min
overdue", beside the absolute time."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _


def duration_text(minutes: int) -> str:
    """``minutes`` (>= 0) as "2 d 3 h", "1 h 20 min" or "12 min"."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


def due_text(due: datetime, now: datetime) -> tuple[str, bool]:
    """How far ``due`` is from ``now`` in words, and whether it has passed."""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return _("in %(duration)s") % {"duration": duration_text(int(seconds // 60))}, False
    return _("%(duration)s overdue") % {"duration": duration_text(int(-seconds // 60))}, True
