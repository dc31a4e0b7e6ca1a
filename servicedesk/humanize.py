"""Durations in words for the staff pages: an SLA deadline as "in 1 h 20 min" or "12 min
overdue", beside the absolute time."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _


def phrases() -> dict[str, str]:
    """The phrases below in the active language: a page writing many durations (the queue's
    rows) translates them once and passes them to each call."""
    return {
        "days": _("%(days)d d %(hours)d h"),
        "hours": _("%(hours)d h %(minutes)d min"),
        "minutes": _("%(minutes)d min"),
        "ahead": _("in %(duration)s"),
        "late": _("%(duration)s overdue"),
    }


def duration_text(minutes: int, texts: dict[str, str] | None = None) -> str:
    """``minutes`` (>= 0) as "2 d 3 h", "1 h 20 min" or "12 min"."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = texts["days"] if texts else _("%(days)d d %(hours)d h")
        return text % {"days": days, "hours": hours}
    if hours:
        text = texts["hours"] if texts else _("%(hours)d h %(minutes)d min")
        return text % {"hours": hours, "minutes": mins}
    text = texts["minutes"] if texts else _("%(minutes)d min")
    return text % {"minutes": mins}


def due_text(due: datetime, now: datetime, texts: dict[str, str] | None = None) -> tuple[str, bool]:
    """How far ``due`` is from ``now`` in words, and whether it has passed."""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        text = texts["ahead"] if texts else _("in %(duration)s")
        return text % {"duration": duration_text(int(seconds // 60), texts)}, False
    text = texts["late"] if texts else _("%(duration)s overdue")
    return text % {"duration": duration_text(int(-seconds // 60), texts)}, True
