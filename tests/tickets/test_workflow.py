from __future__ import annotations

import pytest

from servicedesk.errors import InvalidTransition, NotAllowed
from tickets.choices import TicketStatus as S
from tickets.workflow import (
    ALLOWED_TRANSITIONS,
    CUSTOMER,
    STAFF,
    allowed_targets,
    assert_can_transition,
    comment_required,
)


def test_every_status_has_a_row_and_targets_are_statuses():
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    for targets in ALLOWED_TRANSITIONS.values():
        assert set(targets) <= set(S.values)


def test_terminal_and_closed_states():
    assert allowed_targets(S.CANCELLED, STAFF) == []
    assert allowed_targets(S.CLOSED, CUSTOMER) == []
    assert allowed_targets(S.CLOSED, STAFF) == [S.IN_PROGRESS]


def test_customer_may_only_confirm_reopen_or_cancel():
    customer_moves = {
        (src, dst)
        for src, row in ALLOWED_TRANSITIONS.items()
        for dst in row
        if CUSTOMER in row[dst]
    }
    assert customer_moves == {
        (S.NEW, S.CANCELLED),
        (S.ACCEPTED, S.CANCELLED),
        (S.WAITING_CUSTOMER, S.IN_PROGRESS),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.IN_PROGRESS),
    }


def test_illegal_move_names_the_allowed_ones():
    with pytest.raises(InvalidTransition) as err:
        assert_can_transition(S.NEW, S.CLOSED, STAFF)
    assert err.value.status == 409
    assert set(err.value.extra["allowed"]) == set(allowed_targets(S.NEW, STAFF))


def test_wrong_party_and_unknown_status():
    with pytest.raises(NotAllowed):
        assert_can_transition(S.NEW, S.ACCEPTED, CUSTOMER)
    with pytest.raises(InvalidTransition) as err:
        assert_can_transition(S.NEW, "bogus", STAFF)
    assert err.value.code == "unknown_status"


@pytest.mark.parametrize(
    ("src", "dst", "needed"),
    [
        (S.IN_PROGRESS, S.RESOLVED, True),
        (S.NEW, S.ACCEPTED, False),
        (S.RESOLVED, S.IN_PROGRESS, True),
        (S.RESOLVED, S.CLOSED, False),
    ],
)
def test_comment_required(src, dst, needed):
    assert comment_required(src, dst) is needed


def test_ticket_display_labels_match_djangos():
    from django.utils import translation

    from tickets.models import Ticket

    ticket = Ticket(
        kind="fault",
        channel="hotline",
        severity="L2",
        proposed_severity="",
        status="waiting_customer",
        triage_decision="customization",
    )
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for field in (
                "kind",
                "channel",
                "severity",
                "proposed_severity",
                "status",
                "triage_decision",
            ):
                ours = str(getattr(ticket, f"get_{field}_display")())
                djangos = str(Ticket._get_FIELD_display(ticket, Ticket._meta.get_field(field)))
                assert ours == djangos, (lang, field)
    assert str(ticket.get_status_display()) == "Waiting for customer"
