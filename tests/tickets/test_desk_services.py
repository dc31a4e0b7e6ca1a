"""Canned replies, links, merges and presence: the services and selectors behind them."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from servicedesk.choices import Role
from servicedesk.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import OutboxMessage
from sla.models import ClockState, SlaClock
from tests import factories as f
from tickets import selectors, services
from tickets.choices import Channel, EventKind, LinkKind, TicketKind, TicketStatus
from tickets.models import Attachment, CannedReply, Comment, Ticket, TicketEvent, TicketLink
from tickets.services.macros import canned_render, placeholder_values

pytestmark = pytest.mark.django_db


def _ticket(actor, org=None, title="Invoices do not print", **kw):
    data = {
        "actor": actor,
        "title": title,
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "proposed_severity": "L3",
        "description": "Printing stops with error E42.",
    }
    if org is not None:
        data["organization"] = org
    data.update(kw)
    return services.ticket_create(**data)


# --------------------------------------------------------------------------- canned replies


def _canned(actor, **kw):
    data = {
        "name": "Fixed by patch",
        "language": "en",
        "body": "Dear {{customer_name}}, {{ ticket_number }} is fixed. {{nonsense}}",
        "shared": False,
        "team": None,
        "set_status": "",
        "set_assignee": None,
    }
    data.update(kw)
    return CannedReply.objects.create(owner=actor, **data)


def test_render_fills_known_placeholders_and_keeps_unknown_ones(customer, agent):
    ticket = _ticket(customer)
    ticket = selectors.ticket_get_for(agent, ticket.pk)
    text = canned_render(
        "Dear {{customer_name}}, {{ ticket_number }} by {{deadline}}. {{nonsense}} {{",
        placeholder_values(ticket, agent),
    )
    assert text.startswith(f"Dear Li Lei, {ticket.number} by 20")
    assert text.endswith("{{nonsense}} {{")


def test_saving_refuses_unknown_placeholders_with_the_list(agent):
    with pytest.raises(ValidationFailed) as err:
        services.canned_reply_create(
            actor=agent, name="Bad", language="en", body="Hi {{customer}}", shared=False
        )
    assert "customer" in str(err.value.fields["body"][0])
    assert "{{customer_name}}" in str(err.value.fields["body"][0])
    with pytest.raises(ValidationFailed) as err:
        services.canned_reply_create(actor=agent, name="", language="xx", body="")
    assert set(err.value.fields) == {"name", "language", "body"}


def test_visibility_personal_team_and_all_staff(agent, engineer, manager, team, customer):
    team.members.add(engineer)
    mine = services.canned_reply_create(actor=agent, name="Mine", language="en", body="a")
    shared_team = services.canned_reply_create(
        actor=engineer, name="Team", language="zh-hans", body="b", shared=True, team=team
    )
    everyone = services.canned_reply_create(
        actor=manager, name="All", language="en", body="c", shared=True
    )
    assert set(selectors.canned_reply_list(agent)) == {mine, everyone}
    assert set(selectors.canned_reply_list(engineer)) == {shared_team, everyone}
    assert list(selectors.canned_reply_list(customer)) == []
    with pytest.raises(ValidationFailed):  # only managers share with everyone
        services.canned_reply_create(actor=agent, name="x", language="en", body="x", shared=True)
    with pytest.raises(ValidationFailed):  # not a member of that group
        services.canned_reply_create(
            actor=agent, name="x", language="en", body="x", shared=True, team=team
        )
    with pytest.raises(NotAllowed):
        services.canned_reply_update(everyone, actor=agent, changes={"name": "mine now"})
    services.canned_reply_update(shared_team, actor=manager, changes={"name": "Renamed"})
    assert CannedReply.objects.get(pk=shared_team.pk).name == "Renamed"
    with pytest.raises(NotAllowed):
        services.canned_reply_create(actor=customer, name="x", language="en", body="x")


def test_apply_resolves_through_the_workflow_and_assigns(customer, agent, engineer):
    ticket = _ticket(customer)
    canned = _canned(agent, set_status=TicketStatus.RESOLVED, set_assignee=engineer)
    services.canned_reply_apply(ticket, canned, actor=agent)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.assignee == engineer
    assert ticket.resolution.startswith("Dear Li Lei,")
    assert "{{nonsense}}" in ticket.resolution  # unknown placeholders never break a reply
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert EventKind.MACRO_APPLIED in kinds and EventKind.TRANSITION in kinds
    assert OutboxMessage.objects.filter(topic="ticket.resolved").exists()


def test_apply_with_a_refused_transition_rolls_everything_back(customer, agent):
    ticket = _ticket(customer)
    services.ticket_transition(ticket, actor=agent, to_status=TicketStatus.CANCELLED, comment="x")
    canned = _canned(agent, set_status=TicketStatus.RESOLVED)
    comments = Comment.objects.count()
    with pytest.raises(Conflict):
        services.canned_reply_apply(ticket, canned, actor=agent, body="Edited text")
    assert Comment.objects.count() == comments
    assert not TicketEvent.objects.filter(kind=EventKind.MACRO_APPLIED).exists()


def test_apply_an_edited_body_as_internal_note(customer, agent):
    ticket = _ticket(customer)
    canned = _canned(agent)
    services.canned_reply_apply(ticket, canned, actor=agent, body="Edited", is_internal=True)
    note = Comment.objects.get(ticket=ticket)
    assert (note.body, note.is_internal) == ("Edited", True)


# --------------------------------------------------------------------------- links


def test_link_is_one_per_pair_never_self_and_audited_on_both(customer, agent, other_customer):
    a, b = _ticket(customer), _ticket(customer, title="Same fault")
    link = services.ticket_link(a, b, actor=agent, kind=LinkKind.PARENT)
    with pytest.raises(Conflict):
        services.ticket_link(b, a, actor=agent, kind=LinkKind.RELATED)
    with pytest.raises(ValidationFailed):
        services.ticket_link(a, a, actor=agent, kind=LinkKind.RELATED)
    with pytest.raises(NotAllowed):
        services.ticket_link(a, b, actor=customer, kind=LinkKind.RELATED)
    assert [v.label for v in selectors.link_views(agent, a)] == ["Parent of"]
    assert [v.label for v in selectors.link_views(agent, b)] == ["Child of"]
    assert TicketEvent.objects.filter(kind=EventKind.LINKED).count() == 2
    services.ticket_unlink(link, actor=agent)
    assert not TicketLink.objects.exists()
    assert TicketEvent.objects.filter(kind=EventKind.UNLINKED).count() == 2


def test_customers_see_links_only_between_their_own_tickets(
    customer, other_customer, agent, other_org
):
    a, b = _ticket(customer), _ticket(customer, title="Second")
    foreign = _ticket(agent, org=other_org, title="Other bank's fault")
    services.ticket_link(a, b, actor=agent, kind=LinkKind.RELATED)
    services.ticket_link(a, foreign, actor=agent, kind=LinkKind.RELATED)
    assert [v.other for v in selectors.link_views(customer, a)] == [b]
    assert len(selectors.link_views(agent, a)) == 2
    assert selectors.link_views(other_customer, foreign) == []


# --------------------------------------------------------------------------- merge


def test_merge_copies_conversation_stops_clocks_closes_and_tells_the_customer(customer, agent):
    source, target = _ticket(customer, title="Duplicate"), _ticket(customer, title="Original")
    services.comment_add(source, actor=customer, body="More details")
    services.comment_add(source, actor=agent, body="Internal thought", is_internal=True)
    Attachment.objects.create(
        ticket=source, file="attachments/x.txt", original_name="x.txt", content_type="text/plain",
        size=3, uploaded_by=customer,
    )  # fmt: skip
    services.ticket_merge(source, target, actor=agent)
    source.refresh_from_db()
    assert source.status == TicketStatus.CLOSED and source.merged_into == target
    assert target.number in source.resolution
    copied = Comment.objects.filter(ticket=target).order_by("created_at")
    assert [(c.body, c.is_internal) for c in copied] == [
        ("More details", False),
        ("Internal thought", True),
    ]
    assert Attachment.objects.get(ticket=target).file.name == "attachments/x.txt"
    told = Comment.objects.filter(ticket=source, is_internal=False).last()
    assert target.number in told.body
    assert OutboxMessage.objects.filter(topic="ticket.merged", payload__into=target.number)
    states = set(SlaClock.objects.filter(ticket=source).values_list("state", flat=True))
    assert states == {ClockState.CANCELLED}
    assert SlaClock.objects.filter(ticket=target, stopped_at__isnull=True).exists()
    assert TicketLink.objects.filter(source=source, target=target, kind="duplicate").exists()
    assert source.events.filter(kind=EventKind.MERGED).exists()
    assert target.events.filter(kind=EventKind.MERGED, data__comments=2).exists()


def test_merge_refusals(customer, agent, other_org):
    a, b = _ticket(customer), _ticket(customer, title="B")
    foreign = _ticket(agent, org=other_org)
    with pytest.raises(ValidationFailed):
        services.ticket_merge(a, a, actor=agent)
    with pytest.raises(ValidationFailed) as err:
        services.ticket_merge(a, foreign, actor=agent)
    assert err.value.code == "merge_other_organization"
    with pytest.raises(NotAllowed):
        services.ticket_merge(a, b, actor=customer)
    services.ticket_transition(b, actor=agent, to_status=TicketStatus.CANCELLED, comment="dup")
    with pytest.raises(Conflict) as err:
        services.ticket_merge(a, b, actor=agent)
    assert err.value.code == "merge_refused"
    assert Ticket.objects.get(pk=a.pk).status == TicketStatus.NEW  # nothing half-done


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_crossed_concurrent_merges_leave_one_merge(customer, agent):
    a, b = _ticket(customer, title="A"), _ticket(customer, title="B")
    barrier, results = threading.Barrier(2), []

    def run(source, target):
        try:
            barrier.wait(timeout=10)
            services.ticket_merge(source, target, actor=agent)
            results.append("ok")
        except (Conflict, ValidationFailed) as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(a, b)),
        threading.Thread(target=run, args=(b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["merge_refused", "ok"]
    statuses = sorted(Ticket.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == [TicketStatus.CLOSED, TicketStatus.NEW]


# --------------------------------------------------------------------------- presence


def test_presence_shows_others_fresh_only_and_replies_since(customer, agent, engineer):
    ticket = _ticket(customer)
    opened = timezone.now()
    services.presence_beat(ticket, actor=agent, state="viewing")
    services.presence_beat(ticket, actor=engineer, state="replying")
    services.presence_beat(ticket, actor=engineer, state="bogus")  # becomes viewing
    others = selectors.presence_others(ticket, agent)
    assert [(p.user, p.state) for p in others] == [(engineer, "viewing")]
    assert selectors.presence_others(ticket, engineer)[0].user == agent
    from tickets.models import TicketPresence

    TicketPresence.objects.filter(user=engineer).update(
        seen_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert selectors.presence_others(ticket, agent) == []
    services.comment_add(ticket, actor=engineer, body="Answered")
    assert [c.body for c in selectors.replies_since(ticket, agent, opened)] == ["Answered"]
    assert selectors.replies_since(ticket, engineer, opened) == []


def test_unknown_canned_reply_is_not_found_for_customers(customer, agent):
    canned = _canned(agent)
    with pytest.raises(NotFound):
        selectors.canned_reply_get_for(customer, canned.pk)
    assert f.UserFactory(role=Role.TESTER)  # another member of staff sees only shared ones
