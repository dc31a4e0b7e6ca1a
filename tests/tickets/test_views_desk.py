"""The desk tools on the staff pages: canned replies (manage, pick, send), links and merge,
presence, next/previous; access per role and query counts that stay constant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.choices import Role
from tests import factories as f
from tickets import services
from tickets.choices import Channel, LinkKind, TicketKind, TicketStatus
from tickets.models import CannedReply, Comment, Ticket, TicketLink, TicketPresence

pytestmark = pytest.mark.django_db


def _ticket(actor, org=None, title="Invoices do not print"):
    data = {"actor": actor, "title": title, "kind": TicketKind.FAULT, "channel": Channel.PORTAL}
    if org is not None:
        data["organization"] = org
    return services.ticket_create(**data)


def _url(name, ticket=None, **kw):
    if ticket is not None:
        kw["pk"] = ticket.pk
    return reverse(f"staff:{name}", kwargs=kw)


@pytest.fixture
def desk(customer, agent):
    a = _ticket(customer, title="A")
    b = _ticket(customer, title="B")
    canned = services.canned_reply_create(
        actor=agent,
        name="Fixed by patch",
        language="en",
        body="Dear {{customer_name}}, {{ticket_number}} is fixed.",
        set_status=TicketStatus.RESOLVED,
    )
    return {"a": a, "b": b, "canned": canned}


def _get_urls(desk):
    a = desk["a"]
    return [
        _url("ticket-canned", a),
        _url("ticket-links", a),
        _url("ticket-next", a),
        _url("ticket-previous", a),
        _url("canned-list"),
        _url("canned-edit", pk=desk["canned"].pk),
    ]


def _post_urls(desk):
    a = desk["a"]
    return [
        _url("ticket-link-add", a),
        _url("ticket-merge", a),
        _url("ticket-presence", a),
        _url("canned-list"),
        _url("canned-delete", pk=desk["canned"].pk),
    ]


def test_anonymous_goes_to_login_and_customers_get_403(client, desk, customer):
    for url in _get_urls(desk):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    client.force_login(customer)
    for url in _get_urls(desk):
        assert client.get(url).status_code == 403, url
    for url in _post_urls(desk):
        assert client.post(url, {"into": desk["b"].number}).status_code == 403, url
    assert Ticket.objects.get(pk=desk["a"].pk).status == TicketStatus.NEW
    assert CannedReply.objects.filter(pk=desk["canned"].pk).exists()


def test_ticket_page_has_the_panels_and_they_load(client, desk, agent):
    client.force_login(agent)
    page = client.get(_url("ticket", desk["a"])).content.decode()
    for marker in ('id="presence"', 'id="canned"', 'id="links"', 'id="keyboard-help"'):
        assert marker in page
    assert "js/ticket-desk.js" in page and "css/desk.css" in page
    picker = client.get(_url("ticket-canned", desk["a"])).content.decode()
    assert "Fixed by patch" in picker
    assert f"Dear Li Lei, {desk['a'].number} is fixed." in picker


def test_reply_with_a_canned_reply_applies_its_status(client, desk, agent):
    client.force_login(agent)
    a = desk["a"]
    response = client.post(
        _url("ticket-reply", a), {"body": "Edited: fixed.", "canned_reply": desk["canned"].pk}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == TicketStatus.RESOLVED and a.resolution == "Edited: fixed."
    other = client.post(_url("ticket-reply", desk["b"]), {"body": "x", "canned_reply": 999999})
    assert other.status_code == 404
    assert "Canned reply not found." in other.content.decode()
    assert not Comment.objects.filter(ticket=desk["b"]).exists()


def test_manage_canned_replies(client, desk, agent, manager):
    client.force_login(agent)
    bad = client.post(_url("canned-list"), {"name": "x", "language": "en", "body": "{{nme}}"})
    assert bad.status_code == 400 and "Unknown placeholders: nme" in bad.content.decode()
    ok = client.post(
        _url("canned-list"), {"name": "Need logs", "language": "zh-hans", "body": "请发送日志"}
    )
    assert ok.status_code == 302
    assert "Need logs" in client.get(_url("canned-list")).content.decode()
    mine = CannedReply.objects.get(name="Need logs")
    edited = client.post(
        _url("canned-edit", pk=mine.pk),
        {"name": "Logs", "language": "zh-hans", "body": "请发送日志 {{ticket_number}}"},
    )
    assert edited.status_code == 302
    assert CannedReply.objects.get(pk=mine.pk).name == "Logs"
    client.force_login(manager)
    assert client.get(_url("canned-edit", pk=mine.pk)).status_code == 404  # personal
    client.force_login(agent)
    assert client.post(_url("canned-delete", pk=mine.pk)).status_code == 302
    assert not CannedReply.objects.filter(pk=mine.pk).exists()


def test_link_unlink_and_merge_through_the_pages(client, desk, agent, other_org):
    client.force_login(agent)
    a, b = desk["a"], desk["b"]
    foreign = _ticket(agent, org=other_org, title="Foreign")
    client.post(_url("ticket-link-add", a), {"target": b.number, "kind": LinkKind.PARENT})
    link = TicketLink.objects.get()
    panel = client.get(_url("ticket-links", b)).content.decode()
    assert "Child of" in panel and a.number in panel
    response = client.post(_url("ticket-link-add", a), {"target": a.number, "kind": "related"})
    assert (
        "cannot be linked to or merged into itself"
        in client.get(response["Location"]).content.decode()
    )
    client.post(_url("ticket-link-remove", a, link_pk=link.pk))
    assert not TicketLink.objects.exists()
    refused = client.post(_url("ticket-merge", a), {"into": foreign.number}, follow=True)
    assert "different organizations" in refused.content.decode()
    merged = client.post(_url("ticket-merge", a), {"into": b.number})
    assert merged["Location"] == _url("ticket", b)
    assert Ticket.objects.get(pk=a.pk).merged_into == b
    panel = client.get(_url("ticket-links", a)).content.decode()
    assert "Merged into" in panel and b.number in panel


def test_presence_says_who_is_here_and_what_was_posted(client, desk, agent, engineer):
    a = desk["a"]
    opened = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
    client.force_login(engineer)
    client.post(_url("ticket-presence", a), {"state": "replying", "since": opened})
    client.force_login(agent)
    page = client.post(_url("ticket-presence", a), {"state": "viewing", "since": opened})
    assert "engineer is replying" in page.content.decode()
    services.comment_add(a, actor=engineer, body="Done")
    page = client.post(_url("ticket-presence", a), {"state": "viewing", "since": opened})
    assert "1 new message since you opened this page." in page.content.decode()
    garbage = client.post(_url("ticket-presence", a), {"state": "<x>", "since": "yesterday"})
    assert garbage.status_code == 200 and "new message" not in garbage.content.decode()
    assert TicketPresence.objects.get(user=agent).state == "viewing"


def test_next_and_previous_follow_the_queue_order(client, customer, agent):
    client.force_login(agent)
    first, second, third = (_ticket(customer, title=t) for t in ("1", "2", "3"))
    services.ticket_transition(second, actor=agent, to_status=TicketStatus.CANCELLED, comment="x")
    assert client.get(_url("ticket-next", third))["Location"] == _url("ticket", first)
    assert client.get(_url("ticket-previous", first))["Location"] == _url("ticket", third)
    assert client.get(_url("ticket-next", first))["Location"] == _url("ticket", first)


def _queries(client, method, url, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_fragments_run_constant_queries(client, desk, agent, manager, team, engineer):
    team.members.add(agent)
    a = desk["a"]
    client.force_login(agent)

    def counts():
        return (
            _queries(client, "get", _url("ticket-canned", a)),
            _queries(client, "get", _url("ticket-links", a)),
            _queries(
                client, "post", _url("ticket-presence", a), {"since": timezone.now().isoformat()}
            ),
            _queries(client, "get", _url("canned-list")),
        )

    counts()  # this user's first beat inserts its row; later ones update it
    few = counts()
    for i in range(5):
        services.canned_reply_create(
            actor=manager, name=f"S{i}", language="en", body="{{agent_name}}", shared=True,
            team=team if i % 2 else None, set_assignee=engineer,
        )  # fmt: skip
        other = _ticket(agent, org=a.organization, title=f"T{i}")
        services.ticket_link(a, other, actor=agent, kind=LinkKind.RELATED)
        services.presence_beat(a, actor=f.UserFactory(role=Role.ENGINEER), state="replying")
        services.comment_add(a, actor=engineer, body=f"c{i}")
    assert counts() == few
