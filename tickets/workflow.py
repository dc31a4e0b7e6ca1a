"""The ticket state machine as data: which status may follow which, and for whom.

Pure: no database. Services call ``assert_can_transition`` before changing ``status``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from servicedesk.errors import InvalidTransition, NotAllowed

from .choices import TicketStatus as S

STAFF = "staff"
CUSTOMER = "customer"
BOTH = frozenset({STAFF, CUSTOMER})
STAFF_ONLY = frozenset({STAFF})

# from-status -> {to-status: who may take it}
ALLOWED_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.NEW: {
        S.ACCEPTED: STAFF_ONLY,
        S.IN_PROGRESS: STAFF_ONLY,
        S.WAITING_CUSTOMER: STAFF_ONLY,
        S.RESOLVED: STAFF_ONLY,
        S.CANCELLED: BOTH,
    },
    S.ACCEPTED: {
        S.IN_PROGRESS: STAFF_ONLY,
        S.WAITING_CUSTOMER: STAFF_ONLY,
        S.RESOLVED: STAFF_ONLY,
        S.CANCELLED: BOTH,
    },
    S.IN_PROGRESS: {
        S.WAITING_CUSTOMER: STAFF_ONLY,
        S.RESOLVED: STAFF_ONLY,
        S.CANCELLED: STAFF_ONLY,
    },
    S.WAITING_CUSTOMER: {
        # A customer's reply also resumes work (see services.comment_add).
        S.IN_PROGRESS: BOTH,
        S.RESOLVED: STAFF_ONLY,
        S.CANCELLED: STAFF_ONLY,
    },
    S.RESOLVED: {
        S.CLOSED: BOTH,  # customer confirmation, or staff closing after the quiet period
        S.IN_PROGRESS: BOTH,  # reopen: the customer rejects the resolution
    },
    S.CLOSED: {
        S.IN_PROGRESS: STAFF_ONLY,  # reopen
    },
    S.CANCELLED: {},
}

# Transitions that need a comment (the reason, or the resolution told to the customer).
COMMENT_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {
        (S.IN_PROGRESS, S.RESOLVED),
        (S.ACCEPTED, S.RESOLVED),
        (S.NEW, S.RESOLVED),
        (S.WAITING_CUSTOMER, S.RESOLVED),
        (S.NEW, S.CANCELLED),
        (S.ACCEPTED, S.CANCELLED),
        (S.IN_PROGRESS, S.CANCELLED),
        (S.WAITING_CUSTOMER, S.CANCELLED),
        (S.RESOLVED, S.IN_PROGRESS),
        (S.CLOSED, S.IN_PROGRESS),
        (S.NEW, S.WAITING_CUSTOMER),
        (S.ACCEPTED, S.WAITING_CUSTOMER),
        (S.IN_PROGRESS, S.WAITING_CUSTOMER),
    }
)

REOPENING = frozenset({(S.RESOLVED, S.IN_PROGRESS), (S.CLOSED, S.IN_PROGRESS)})


def allowed_targets(current: str, party: str) -> list[str]:
    """The statuses ``party`` ("staff" or "customer") may move a ticket to from ``current``."""
    return [to for to, who in ALLOWED_TRANSITIONS.get(current, {}).items() if party in who]


def assert_can_transition(current: str, target: str, party: str) -> None:
    """Raise a domain error unless ``party`` may move a ticket from ``current`` to ``target``."""
    if target not in S.values:
        raise InvalidTransition(
            _("Unknown status “%(status)s”.") % {"status": target}, code="unknown_status"
        )
    who = ALLOWED_TRANSITIONS.get(current, {}).get(target)
    if who is None:
        allowed = ", ".join(allowed_targets(current, party)) or "-"
        raise InvalidTransition(
            _("A ticket cannot go from “%(from)s” to “%(to)s”. Allowed: %(allowed)s.")
            % {"from": S(current).label, "to": S(target).label, "allowed": allowed},
            extra={"allowed": allowed_targets(current, party)},
        )
    if party not in who:
        raise NotAllowed(_("You may not move this ticket to “%(to)s”.") % {"to": S(target).label})


def comment_required(current: str, target: str) -> bool:
    return (current, target) in COMMENT_REQUIRED


# Merging closes the duplicate (with ``merged_into``) outside the table above: any ticket
# not yet closed may be merged, into any ticket still being worked on (or resolved, where
# the customer's confirmation is pending).
MERGE_FROM = frozenset({S.NEW, S.ACCEPTED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED})
MERGE_INTO = MERGE_FROM


def assert_can_merge(source_status: str, target_status: str) -> None:
    if source_status not in MERGE_FROM:
        raise InvalidTransition(
            _("A “%(status)s” ticket cannot be merged.") % {"status": S(source_status).label},
            code="merge_refused",
        )
    if target_status not in MERGE_INTO:
        raise InvalidTransition(
            _("Cannot merge into a “%(status)s” ticket; reopen it first.")
            % {"status": S(target_status).label},
            code="merge_refused",
        )
