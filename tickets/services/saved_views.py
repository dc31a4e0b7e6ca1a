"""Named queue views that staff save: private, or shared with a service group they belong to.

Only the allow-listed filter names of ``TicketFilter`` (and the queue's ``ordering``) are
stored; a value the filter rejects is refused here, with the filter's own message, so a saved
view always opens. Each change writes a ``SavedViewEvent`` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Team, User
from servicedesk.permissions import is_manager, is_staff_user

from ..models import SavedView, SavedViewEvent

MAX_NAME = 80
MAX_QUERY = 1000
# Paging and the view being saved over are not part of a filter.
NOT_STORED = frozenset({"after", "before", "saved"})


def clean_view_query(params: QueryDict) -> str:
    """``params`` reduced to the queue's allow-listed filters, as a query string; raises
    ``ValidationFailed`` naming each rejected value."""
    from ..filters import ORDERING_FIELDS, TicketFilter

    kept = QueryDict(mutable=True)
    for name in TicketFilter.base_filters:
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            kept.setlist(name, values)
    ordering = (params.get("ordering") or "").strip()
    if ordering:
        if ordering.lstrip("-") not in ORDERING_FIELDS:
            raise ValidationFailed(
                _("Unknown sort order."), fields={"ordering": [_("Unknown sort order.")]}
            )
        kept["ordering"] = ordering
    form = TicketFilter(kept).form
    if not form.is_valid():
        raise ValidationFailed(
            _("The filter has values that are not valid."),
            fields={name: [str(m) for m in messages] for name, messages in form.errors.items()},
        )
    query = kept.urlencode()
    if len(query) > MAX_QUERY:
        raise ValidationFailed(
            _("The filter is too long."), fields={"query": [_("The filter is too long.")]}
        )
    return query


def saved_view_create(
    *, actor: User, name: str, params: QueryDict, team: Team | None = None
) -> SavedView:
    """Save ``params`` (the queue's filter) as the view ``name``; shared with ``team`` when
    given (a group ``actor`` belongs to, or any group for a manager)."""
    if not is_staff_user(actor):
        raise NotAllowed(_("Only staff save queue views."))
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        message = _("Give the view a name of at most %(max)d characters.") % {"max": MAX_NAME}
        raise ValidationFailed(message, fields={"name": [message]})
    if team is not None and not is_manager(actor) and not team.members.filter(pk=actor.pk).exists():
        message = _("You can share a view only with a service group you belong to.")
        raise ValidationFailed(message, fields={"team": [message]})
    query = clean_view_query(params)
    try:
        with transaction.atomic():
            view = SavedView.objects.create(owner=actor, name=name, team=team, query=query)
            SavedViewEvent.objects.create(
                view=view,
                actor=actor,
                kind="created",
                data={"name": name, "query": query, "team": team.pk if team else None},
            )
    except IntegrityError:
        message = _("You already have a view named “%(name)s”.") % {"name": name}
        raise ValidationFailed(message, fields={"name": [message]}) from None
    return view


@transaction.atomic
def saved_view_delete(view_id: Any, *, actor: User) -> None:
    """Delete one of ``actor``'s own views (a manager may delete any shared one)."""
    view = SavedView.objects.select_for_update().filter(pk=view_id).first()
    visible = view is not None and (
        view.owner_id == actor.pk or (view.team_id is not None and is_manager(actor))
    )
    if view is None or not visible:
        raise NotFound(_("View not found."))
    SavedViewEvent.objects.create(
        view=None,
        actor=actor,
        kind="deleted",
        data={"id": view.pk, "name": view.name, "query": view.query, "owner": view.owner_id},
    )
    view.delete()
