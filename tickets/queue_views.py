"""The queue's default views per role: what each one shows, as data (no database here).

A view is a named slice of the queue (``?view=mine``) with a count beside its name. Every
default view but "all tickets" reads open tickets only, so its count is an index-only count
over the partial indexes of open tickets (``ticket_open_assignee``, ``ticket_open_team``) or
the deadline index (``ticket_sla_due``), never a scan of the closed ones (README decision 40).
Staff add their own named views (``SavedView``): a stored, allow-listed filter.

Apps above tickets add views of their own (``queue_view_add``, from their
``AppConfig.ready``), shown before "all open tickets" to the users their ``audience``
admits, as the ticket page's panels are added (tickets imports nothing of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from servicedesk.choices import Role
from servicedesk.permissions import is_manager

from .choices import OPEN_STATUSES, TicketStatus

OPEN = sorted(OPEN_STATUSES)
BREACHING_SOON = timedelta(hours=2)


@dataclass(frozen=True)
class QueueView:
    key: str
    label: str | Promise
    condition: Callable[[Any, datetime], Q]
    counted: bool = True
    # Who gets the view (None: all staff). A request for a view one does not get lists nothing.
    audience: Callable[[Any], bool] | None = None
    # A page beside the view, by URL name (e.g. the approvals inbox), with its label.
    link: str = ""
    link_label: str | Promise = ""

    def offered_to(self, user: Any) -> bool:
        return self.audience is None or bool(self.audience(user))


def _team_q(user: Any, now: datetime) -> Q:
    from servicedesk.models import Team

    return Q(status__in=OPEN, team__in=Team.objects.filter(members=user).values("pk"))


DEFAULT_VIEWS: tuple[QueueView, ...] = (
    QueueView(
        "mine", _("My open tickets"), lambda user, now: Q(status__in=OPEN, assignee_id=user.pk)
    ),
    QueueView("team", _("My service groups' tickets"), _team_q),
    QueueView(
        "unassigned", _("Unassigned"), lambda user, now: Q(status__in=OPEN, assignee__isnull=True)
    ),
    QueueView(
        "breaching",
        _("Breaching within 2 hours"),
        lambda user, now: Q(
            status__in=OPEN, sla_due_at__gt=now, sla_due_at__lte=now + BREACHING_SOON
        ),
    ),
    QueueView(
        "breached",
        _("Breached"),
        lambda user, now: Q(status__in=OPEN, sla_due_at__lte=now),
    ),
    QueueView(
        "waiting",
        _("Waiting for customer"),
        lambda user, now: Q(status=TicketStatus.WAITING_CUSTOMER),
    ),
    QueueView("open", _("All open tickets"), lambda user, now: Q(status__in=OPEN), counted=False),
    QueueView("all", _("All tickets"), lambda user, now: Q(), counted=False),
)
VIEWS_BY_KEY = {view.key: view for view in DEFAULT_VIEWS}
# Views added by other apps (``queue_view_add``), shown before "open" and "all".
_ADDED: list[QueueView] = []


def queue_view_add(view: QueueView) -> None:
    """Offer ``view`` in the queue (page, counts and API) after the views added before it."""
    if view.key in VIEWS_BY_KEY and VIEWS_BY_KEY[view.key] is not view:
        raise ValueError(f"queue view {view.key!r} exists already")
    if view not in _ADDED:
        _ADDED.append(view)
        VIEWS_BY_KEY[view.key] = view
        VIEW_CHOICES[:] = view_choices()


def all_views() -> tuple[QueueView, ...]:
    """Every view, whoever gets it, in the order shown."""
    counted = tuple(view for view in DEFAULT_VIEWS if view.counted)
    rest = tuple(view for view in DEFAULT_VIEWS if not view.counted)
    return counted + tuple(_ADDED) + rest


def view_choices() -> list[tuple[str, Any]]:
    """(key, label) of every view: the ``view`` filter's allowed values."""
    return [(view.key, view.label) for view in all_views()]


# The ``view`` filter's allowed values, one list updated in place as views are added (the
# filter and the OpenAPI schema read it after every app is ready).
VIEW_CHOICES: list[tuple[str, Any]] = view_choices()


def views_for(user: Any) -> tuple[QueueView, ...]:
    """The views ``user`` gets, in the order shown."""
    return tuple(view for view in all_views() if view.offered_to(user))


def landing_view(user: Any) -> str:
    """Where a member of staff lands on the queue: agents on the unassigned tickets (intake),
    managers on what is about to breach, everyone else on their own open tickets."""
    if is_manager(user):
        return "breaching"
    if user.role == Role.AGENT:
        return "unassigned"
    return "mine"
