"""The article lifecycle as data: draft → in review → published → archived.

Pure: no database. ``knowledge.services.article_transition`` calls ``assert_can_transition``.
Authors (agents, engineers, managers) submit and withdraw; reviewers (engineers, managers)
publish, send back and archive.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from servicedesk.errors import InvalidTransition, NotAllowed

from .choices import ArticleStatus as S

AUTHOR = "author"
REVIEWER = "reviewer"

# from-status -> {to-status: the role that may take it}
ALLOWED_TRANSITIONS: dict[str, dict[str, str]] = {
    S.DRAFT: {S.IN_REVIEW: AUTHOR, S.ARCHIVED: AUTHOR},
    S.IN_REVIEW: {S.PUBLISHED: REVIEWER, S.DRAFT: AUTHOR},
    S.PUBLISHED: {S.ARCHIVED: REVIEWER, S.DRAFT: REVIEWER},
    S.ARCHIVED: {S.DRAFT: AUTHOR},
}

# only these statuses may be edited; a published article goes back to draft first
EDITABLE = frozenset({S.DRAFT, S.IN_REVIEW})


def allowed_targets(current: str, roles: frozenset[str]) -> list[str]:
    return [to for to, who in ALLOWED_TRANSITIONS.get(current, {}).items() if who in roles]


def assert_can_transition(current: str, target: str, roles: frozenset[str]) -> None:
    """Raise unless someone with ``roles`` may move an article from ``current`` to ``target``."""
    if target not in S.values:
        raise InvalidTransition(
            _("Unknown status “%(status)s”.") % {"status": target}, code="unknown_status"
        )
    who = ALLOWED_TRANSITIONS.get(current, {}).get(target)
    if who is None:
        allowed = allowed_targets(current, roles)
        raise InvalidTransition(
            _("An article cannot go from “%(from)s” to “%(to)s”. Allowed: %(allowed)s.")
            % {
                "from": S(current).label,
                "to": S(target).label,
                "allowed": ", ".join(str(S(a).label) for a in allowed) or "-",
            },
            extra={"allowed": allowed},
        )
    if who not in roles:
        raise NotAllowed(
            _("Only engineers and managers may move an article to “%(to)s”.")
            % {"to": S(target).label}
        )
