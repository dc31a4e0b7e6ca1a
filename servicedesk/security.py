"""Sign-in lockout policy (django-axes calls ``login_cooloff``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

DAY = timedelta(days=1)


def login_cooloff(request=None) -> timedelta:
    """How long a lockout lasts: LOGIN_LOCKOUT_MINUTES for the first, doubled for each
    further lockout of the same account or address within a day, at most a day.

    Counted from axes' failure log (one row per failed attempt, those made while locked out
    included: hammering on a locked account makes the wait longer): every
    AXES_FAILURE_LIMIT failures in the last day count as one lockout.
    """
    base = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    if request is None:
        return base
    from axes.models import AccessFailureLog

    credentials = getattr(request, "axes_credentials", None) or {}
    username = credentials.get("username") or request.POST.get("username") or ""
    address = getattr(request, "axes_ip_address", None)
    who = Q(username=username) if username else Q()
    if address:
        who |= Q(ip_address=address)
    if not who:
        return base
    failures = AccessFailureLog.objects.filter(who, attempt_time__gte=timezone.now() - DAY).count()
    lockouts = max(failures // max(settings.AXES_FAILURE_LIMIT, 1), 1)
    return min(base * 2 ** min(lockouts - 1, 10), DAY)
