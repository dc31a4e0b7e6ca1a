from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.choices import Role, SkillArea
from tests import factories as f
from tickets import services
from tickets.choices import (
    Channel,
    EventKind,
    Severity,
    TicketKind,
    TicketStatus,
    TriageDecision,
)
from tickets.models import Attachment, Comment, HotlineCall, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

QUEUE = reverse("staff:queue")
BULK = reverse("staff:bulk-assign")
HOTLINE = reverse("staff:hotline")
LOOKUP = reverse("staff:hotline-lookup")


def _url(ticket, action=""):
    name = f"staff:ticket-{action}" if action else "staff:ticket"
    return reverse(name, kwargs={"pk": ticket.pk})


def _create(actor, org, product=None, **kw):
    data = {
        "actor": actor,
        "organization": org,
        "title": "Invoices do not print",
        "kind": TicketKind.FAULT,
        "channel": Channel.PORTAL,
        "product": product,
        "proposed_severity": "L3",
        "description": "Printing stops with error E42.",
    }
    data.update(kw)
    return services.ticket_create(**data)


@pytest.fixture
def ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Invoices do not print",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L3",
        description="Printing stops with error E42.",
    )


def _login(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------- access


def _get_urls(ticket):
    return [
        QUEUE,
        _url(ticket),
        HOTLINE,
        f"{LOOKUP}?phone=13800001234",
        f"{reverse('staff:organization-options')}?q=ac",
        f"{reverse('staff:staff-options')}?q=en",
        _url(ticket, "assign-panel"),
        reverse("staff:queue-view-counts"),
    ]


def _post_urls(ticket):
    return [
        BULK,
        HOTLINE,
        reverse("staff:saved-view-save"),
        *(
            _url(ticket, action)
            for action in ("reply", "note", "transition", "triage", "assign", "severity")
        ),
    ]


def test_anonymous_is_sent_to_login_everywhere(client, ticket):
    for url in _get_urls(ticket):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    for url in _post_urls(ticket):
        response = client.post(url, {"body": "x", "version": 1})
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    assert Comment.objects.count() == 0


def test_customer_gets_403_everywhere(client, customer, ticket):
    _login(client, customer)
    for url in _get_urls(ticket):
        assert client.get(url).status_code == 403, url
    for url in _post_urls(ticket):
        response = client.post(url, {"body": "x", "version": ticket.version, "to_status": "closed"})
        assert response.status_code == 403, url
    assert not Comment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_other_organizations_customer_gets_403_not_the_ticket(client, other_customer, ticket):
    _login(client, other_customer)
    response = client.get(_url(ticket))
    assert response.status_code == 403
    assert ticket.title not in response.content.decode()


def test_unknown_ticket_is_404(client, engineer):
    _login(client, engineer)
    assert client.get(reverse("staff:ticket", kwargs={"pk": 999999})).status_code == 404
    response = client.post(reverse("staff:ticket-reply", kwargs={"pk": 999999}), {"body": "Hello"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.TESTER, Role.MANAGER])
def test_every_staff_role_sees_queue_and_ticket(client, role, ticket):
    _login(client, f.UserFactory(role=role))
    assert client.get(QUEUE).status_code == 200
    response = client.get(_url(ticket))
    assert response.status_code == 200
    assert ticket.number in response.content.decode()


def test_tester_sees_no_triage_or_assign_forms_and_may_not_post_them(
    client, tester, ticket, engineer
):
    _login(client, tester)
    page = client.get(_url(ticket)).content.decode()
    assert 'id="triage"' not in page
    assert 'id="assign"' not in page
    assert 'id="bulk-form"' not in client.get(QUEUE, {"view": "all"}).content.decode()
    assert 'name="tickets"' not in client.get(QUEUE, {"view": "all"}).content.decode()
    response = client.post(_url(ticket, "triage"), {"decision": "fault", "version": ticket.version})
    assert response.status_code == 403
    response = client.post(
        _url(ticket, "assign"), {"assignee": engineer.pk, "version": ticket.version}
    )
    assert response.status_code == 403
    response = client.post(BULK, {"tickets": [ticket.pk], "assignee": engineer.username})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.triage_decision == ""


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.TESTER])
def test_hotline_is_for_agents_and_managers_only(client, role, org):
    _login(client, f.UserFactory(role=role))
    assert client.get(HOTLINE).status_code == 403
    assert client.get(f"{LOOKUP}?phone=138").status_code == 403
    response = client.post(
        HOTLINE, {"call_id": "x1", "caller_phone": "13800001111", "notes": "Hello"}
    )
    assert response.status_code == 403
    assert not HotlineCall.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER, Role.ADMIN])
def test_hotline_page_for_agents_managers_admins(client, role):
    _login(client, f.UserFactory(role=role))
    response = client.get(HOTLINE)
    assert response.status_code == 200
    assert 'name="call_id"' in response.content.decode()


# --------------------------------------------------------------------------- queue


@pytest.fixture
def queue_data(agent, org, other_org, product, team, engineer):
    a = _create(agent, org, product, title="Printer offline", severity="L1")
    b = _create(
        agent,
        other_org,
        None,
        title="How do I export?",
        kind=TicketKind.CONSULTATION,
        proposed_severity="L4",
    )
    c = _create(agent, org, product, title="Slow reports", severity="L3")
    services.ticket_assign(c, actor=agent, team=team, assignee=engineer)
    return a, b, c


def _numbers(response):
    return [t["number"] for t in response.context["tickets"]]


def test_queue_lists_and_filters(client, agent, queue_data, org, engineer):
    a, b, c = queue_data
    _login(client, agent)
    # An agent lands on the unassigned open tickets; "all tickets" is one view away.
    assert _numbers(client.get(QUEUE)) == [b.number, a.number]
    response = client.get(QUEUE, {"view": "all"})
    assert response.status_code == 200
    assert _numbers(response) == [c.number, b.number, a.number]  # newest first
    page = response.content.decode()
    assert "sev-L1" in page and "st-accepted" in page and "Printer offline" in page

    assert _numbers(client.get(QUEUE, {"status": "accepted"})) == [c.number]
    assert _numbers(client.get(QUEUE, {"severity": ["L1", "L3"]})) == [c.number, a.number]
    assert _numbers(client.get(QUEUE, {"kind": "consultation"})) == [b.number]
    assert _numbers(client.get(QUEUE, {"organization": org.pk})) == [c.number, a.number]
    assert _numbers(client.get(QUEUE, {"assignee": engineer.pk})) == [c.number]
    assert _numbers(client.get(QUEUE, {"unassigned": "true"})) == [b.number, a.number]
    assert _numbers(client.get(QUEUE, {"q": "export"})) == [b.number]
    assert _numbers(client.get(QUEUE, {"q": a.number})) == [a.number]
    assert _numbers(client.get(QUEUE, {"channel": "hotline"})) == []
    future = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert _numbers(client.get(QUEUE, {"created_after": future})) == []


def test_queue_ignores_invalid_filter_values(client, agent, queue_data):
    _login(client, agent)
    response = client.get(QUEUE, {"status": "bogus", "organization": "abc", "view": "bogus"})
    assert response.status_code == 200
    assert len(response.context["tickets"]) == 3


def test_queue_ordering_is_allow_listed(client, agent, queue_data):
    a, b, c = queue_data
    _login(client, agent)
    assert _numbers(client.get(QUEUE, {"ordering": "severity"})) == [a.number, c.number, b.number]
    assert _numbers(client.get(QUEUE, {"ordering": "-severity"})) == [b.number, c.number, a.number]
    assert _numbers(client.get(QUEUE, {"ordering": "created_at"})) == [a.number, b.number, c.number]
    assert _numbers(client.get(QUEUE, {"ordering": "number"})) == [a.number, b.number, c.number]
    for bad in ("title", "organization__name", "-assignee__password", "--created_at", "?"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"ordering": bad})
        assert response.status_code == 200, bad
        assert response.context["ordering"] == "-created_at"
        assert _numbers(response) == [c.number, b.number, a.number], bad
        order_clauses = [
            q["sql"].split("ORDER BY")[-1] for q in ctx.captured_queries if "ORDER BY" in q["sql"]
        ]
        assert not any("password" in o or "title" in o for o in order_clauses), bad


def _bulk_tickets(org, count, **kw):
    base = timezone.now() - dt.timedelta(days=1)
    return [
        f.TicketFactory(organization=org, created_at=base + dt.timedelta(minutes=i), **kw)
        for i in range(count)
    ]


@pytest.mark.parametrize("ordering", ["-created_at", "created_at", "severity", "-number"])
def test_queue_keyset_pages_cover_everything_once(client, agent, org, ordering):
    tickets = _bulk_tickets(org, 53)
    for i, t in enumerate(tickets):  # some ties on the sort key
        Ticket.objects.filter(pk=t.pk).update(severity=["L1", "L2", "L3", "L4"][i % 4])
    _login(client, agent)
    first = client.get(QUEUE, {"ordering": ordering})
    assert len(first.context["tickets"]) == 50
    assert first.context["next_url"]
    assert not first.context["first_url"]
    second = client.get(QUEUE + first.context["next_url"])
    assert second.status_code == 200
    assert len(second.context["tickets"]) == 3
    assert not second.context["next_url"]
    assert second.context["first_url"]
    seen = _numbers(first) + _numbers(second)
    assert sorted(seen) == sorted(t.number for t in tickets)
    expected = list(
        Ticket.objects.order_by(
            *{
                "-created_at": ["-created_at", "-id"],
                "created_at": ["created_at", "id"],
                "severity": ["severity", "-created_at", "-id"],
                "-number": ["-number", "created_at", "id"],
            }[ordering]
        ).values_list("number", flat=True)
    )
    assert seen == expected


def test_queue_cursor_of_another_ordering_or_garbage_restarts(client, agent, org):
    _bulk_tickets(org, 52)
    _login(client, agent)
    first = client.get(QUEUE, {"ordering": "severity"})
    cursor = first.context["next_url"].split("after=")[1]
    crafted = [
        base64.urlsafe_b64encode(json.dumps(value).encode()).decode()
        for value in (
            ["-created_at", "2026-01-01T00:00:00+00:00", 10**30],
            ["-created_at", "2026-01-01T00:00:00", 1],
            ["-created_at", "not a date", 1],
            ["-created_at", {"a": 1}, [1]],
            ["-created_at", "2026-01-01T00:00:00+00:00", 1e400],
        )
    ]
    for after in (cursor, "garbage!", "eyJ4IjoxfQ", "W10", *crafted):
        response = client.get(QUEUE, {"after": after, "ordering": "-created_at"})
        assert response.status_code == 200
        assert len(response.context["tickets"]) == 50


def test_queue_runs_no_count_and_constant_queries(
    client, agent, org, product, team, engineer, django_assert_max_num_queries
):
    _login(client, agent)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE, {"ordering": "-created_at", "q": ""})
        assert response.status_code == 200
        # the queue counts nothing; the header's badges are bounded counts (servicedesk.badges)
        sqls = [q["sql"].upper() for q in ctx.captured_queries if "badge_" not in q["sql"]]
        assert not any("COUNT(" in sql for sql in sqls)
        return len(ctx.captured_queries), len(response.context["tickets"])

    version = f.ProductVersionFactory(product=product)
    for _ in range(3):
        f.TicketFactory(
            organization=org, product=product, product_version=version, team=team, assignee=engineer
        )
    few, rows = load()
    assert rows == 3
    for _ in range(27):
        f.TicketFactory(
            organization=f.OrganizationFactory(),
            product=f.ProductFactory(),
            team=f.TeamFactory(),
            assignee=f.UserFactory(role=Role.ENGINEER),
        )
    many, rows = load()
    assert rows == 30
    assert many == few


def test_bulk_assign(client, agent, queue_data, team, engineer):
    a, b, c = queue_data
    _login(client, agent)
    back = f"{QUEUE}?status=new"
    response = client.post(
        BULK,
        {"tickets": [a.pk, b.pk], "team": team.pk, "assignee": engineer.username, "next": back},
    )
    assert response.status_code == 302
    assert response.url == back
    for t in (a, b):
        t.refresh_from_db()
        assert (t.team, t.assignee, t.status) == (team, engineer, TicketStatus.ACCEPTED)
    assert TicketEvent.objects.filter(ticket=a, kind=EventKind.ASSIGNED).exists()
    page = client.get(back).content.decode()
    assert "2 tickets assigned." in page


def test_bulk_assign_errors_are_messages(client, agent, queue_data, engineer):
    a, *_ = queue_data
    _login(client, agent)
    response = client.post(BULK, {"tickets": [a.pk]}, follow=True)
    assert "Choose a service group, an assignee or both." in response.content.decode()
    response = client.post(BULK, {"assignee": engineer.username}, follow=True)
    assert "Tick at least one ticket." in response.content.decode()
    response = client.post(
        BULK, {"tickets": [a.pk, 987654], "assignee": engineer.username}, follow=True
    )
    assert "do not exist" in response.content.decode()
    engineer.is_away = True
    engineer.save()
    response = client.post(BULK, {"tickets": [a.pk], "assignee": engineer.username}, follow=True)
    assert response.status_code == 200
    a.refresh_from_db()
    assert a.assignee is None
    response = client.post(
        BULK, {"tickets": [a.pk], "assignee": engineer.username, "next": "https://evil.example/"}
    )
    assert response.url == QUEUE


# --------------------------------------------------------------------------- ticket page


def test_ticket_page_shows_facts_and_timeline(client, engineer, agent, ticket, team):
    services.comment_add(ticket, actor=agent, body="We are looking into it.")
    services.comment_add(ticket, actor=agent, body="Looks like the driver.", is_internal=True)
    services.ticket_assign(ticket, actor=agent, team=team, assignee=engineer)
    _login(client, engineer)
    response = client.get(_url(ticket))
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        ticket.number,
        "Acme Power",
        "Li Lei",
        "Billing",
        "L3 – partial impact",
        "Portal",
        "We are looking into it.",
        "Looks like the driver.",
        "Status: New → Accepted.",
        "Remote support",
    ):
        assert text in page, text
    assert '<li class="note">' in page and '<li class="reply">' in page
    assert page.index("We are looking into it.") < page.index("Looks like the driver.")
    assert f'name="version" value="{ticket.version + 3}"' in page


def test_reply_and_note_through_the_page(client, engineer, ticket):
    _login(client, engineer)
    response = client.post(
        _url(ticket, "reply"),
        {
            "body": "Please send the log.",
            "attachments": SimpleUploadedFile("steps.txt", b"1. open", content_type="text/plain"),
        },
    )
    assert response.status_code == 302
    assert response.url == _url(ticket) + "#timeline"
    reply = Comment.objects.get(body="Please send the log.")
    assert not reply.is_internal
    attachment = Attachment.objects.get(comment=reply)
    response = client.post(_url(ticket, "note"), {"body": "Customer runs 3.1."})
    assert response.status_code == 302
    assert Comment.objects.get(body="Customer runs 3.1.").is_internal
    page = client.get(_url(ticket)).content.decode()
    assert reverse("attachment-download", kwargs={"pk": attachment.pk}) in page
    assert "Reply sent to the customer." in page and "Internal note added." in page
    assert "Reply sent to the customer." not in client.get(_url(ticket)).content.decode()
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None


def test_empty_reply_and_bad_file_are_400(client, engineer, ticket):
    _login(client, engineer)
    response = client.post(_url(ticket, "reply"), {"body": "  "})
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    response = client.post(
        _url(ticket, "reply"),
        {"body": "x", "attachments": SimpleUploadedFile("evil.exe", b"MZ")},
    )
    assert response.status_code == 400
    assert "are not accepted" in response.content.decode()
    assert not Comment.objects.exists()


def test_transition_needs_comment_then_resolves(client, engineer, ticket):
    _login(client, engineer)
    page = client.get(_url(ticket)).content.decode()
    for target in ("accepted", "in_progress", "waiting_customer", "resolved", "cancelled"):
        assert f'name="to_status" value="{target}"' in page
    response = client.post(
        _url(ticket, "transition"), {"to_status": "resolved", "version": ticket.version}
    )
    assert response.status_code == 400
    assert "a comment is required for this step" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    response = client.post(
        _url(ticket, "transition"),
        {"to_status": "resolved", "comment": "Driver updated.", "version": ticket.version},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolution == "Driver updated."
    page = client.get(_url(ticket)).content.decode()
    assert "Status: New → Resolved." in page
    assert 'value="closed"' in page and 'value="in_progress"' in page


def test_transition_not_allowed_is_409(client, engineer, ticket):
    _login(client, engineer)
    response = client.post(
        _url(ticket, "transition"), {"to_status": "closed", "version": ticket.version}
    )
    assert response.status_code == 409
    assert "cannot go from" in response.content.decode()
    response = client.post(
        _url(ticket, "transition"), {"to_status": "nonsense", "version": ticket.version}
    )
    assert response.status_code == 409
    response = client.post(_url(ticket, "transition"), {"to_status": "accepted"})
    assert response.status_code == 400  # no version


def test_stale_version_says_someone_else_changed_it(client, engineer, agent, ticket):
    _login(client, engineer)
    seen = ticket.version
    services.ticket_update(ticket, actor=agent, changes={"title": "Printer driver crash"})
    response = client.post(
        _url(ticket, "transition"),
        {"to_status": "resolved", "comment": "Fixed.", "version": seen},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed by someone else" in page
    assert "Printer driver crash" in page  # the page shows the ticket as it is now
    assert "Fixed." in page  # what the user typed is kept
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW
    assert f'name="version" value="{ticket.version}"' in page
    for action, data in (
        ("triage", {"decision": "fault"}),
        ("assign", {"assignee": engineer.pk}),
        ("severity", {"severity": "L1"}),
    ):
        response = client.post(_url(ticket, action), {**data, "version": seen})
        assert response.status_code == 409, action
        assert "changed by someone else" in response.content.decode()


def test_triage_fault_with_severity(client, engineer, ticket):
    _login(client, engineer)
    response = client.post(
        _url(ticket, "triage"),
        {"decision": TriageDecision.FAULT, "severity": Severity.L2, "version": ticket.version},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.triage_decision == TriageDecision.FAULT
    assert ticket.kind == TicketKind.FAULT
    assert (ticket.severity, ticket.severity_confirmed) == ("L2", True)
    assert ticket.status == TicketStatus.IN_PROGRESS
    page = client.get(_url(ticket)).content.decode()
    assert "Triage decision: — → Fault." in page
    assert "Severity: L3 – partial impact → L2 – severe degradation." in page


def test_triage_consultation_needs_answer(client, agent, ticket):
    _login(client, agent)
    data = {"decision": TriageDecision.CONSULTATION_ANSWERED, "version": ticket.version}
    response = client.post(_url(ticket, "triage"), data)
    assert response.status_code == 400
    assert "Record the answer given to the customer." in response.content.decode()
    response = client.post(_url(ticket, "triage"), {**data, "answer": "Use File > Export."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.kind == TicketKind.CONSULTATION
    response = client.post(_url(ticket, "triage"), {"decision": "bogus", "version": 1})
    assert response.status_code == 400


def test_triage_customization(client, manager, ticket):
    _login(client, manager)
    response = client.post(
        _url(ticket, "triage"),
        {"decision": TriageDecision.CUSTOMIZATION, "version": ticket.version},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.kind == TicketKind.CUSTOMIZATION


def test_assign_with_suggestions(client, engineer, agent, ticket, team, product):
    specialist = f.UserFactory(username="dba", role=Role.ENGINEER, first_name="Wang")
    f.SkillFactory(user=specialist, product=product, area=SkillArea.APPLICATION)
    Ticket.objects.filter(pk=ticket.pk).update(area=SkillArea.APPLICATION)
    _login(client, agent)
    # the ticket page links the panel, which loads when "Assignment" is opened
    panel_url = _url(ticket, "assign-panel")
    assert panel_url in client.get(_url(ticket)).content.decode()
    response = client.get(panel_url, HTTP_HX_REQUEST="true")
    suggestions = response.context["suggestions"]
    assert suggestions[0].user == specialist and suggestions[0].score == 4
    page = response.content.decode()
    assert "Suggested engineers" in page and "Billing / Application" in page
    assert 'id="assign-form"' in page and "<html" not in page
    ticket.refresh_from_db()
    response = client.post(
        _url(ticket, "assign"),
        {"team": team.pk, "assignee": specialist.pk, "version": ticket.version},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.status) == (
        team,
        specialist,
        TicketStatus.ACCEPTED,
    )
    page = client.get(_url(ticket)).content.decode()
    assert "Assigned to Wang." in page


def test_engineer_assigns_to_self_and_away_is_refused(client, engineer, ticket):
    _login(client, engineer)
    assert "Assign to me" in client.get(_url(ticket)).content.decode()
    response = client.post(
        _url(ticket, "assign"), {"team": "", "assignee": engineer.pk, "version": ticket.version}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == engineer
    away = f.UserFactory(role=Role.ENGINEER, is_away=True)
    response = client.post(_url(ticket, "assign"), {"assignee": away.pk, "version": ticket.version})
    assert response.status_code == 400  # not offered: the form rejects the choice
    customer_user = f.CustomerFactory()
    response = client.post(
        _url(ticket, "assign"), {"assignee": customer_user.pk, "version": ticket.version}
    )
    assert response.status_code == 400


def test_severity_edit(client, tester, ticket):
    _login(client, tester)
    response = client.post(_url(ticket, "severity"), {"severity": "L1", "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.severity, ticket.severity_confirmed) == ("L1", True)
    response = client.post(_url(ticket, "severity"), {"severity": "L9", "version": ticket.version})
    assert response.status_code == 400


def test_get_only_pages_refuse_other_methods(client, engineer, ticket):
    _login(client, engineer)
    assert client.post(QUEUE).status_code == 405
    assert client.post(_url(ticket)).status_code == 405
    assert client.get(_url(ticket, "reply")).status_code == 405


def _grow(ticket, actor, n):
    for i in range(n):
        comment = services.comment_add(
            ticket,
            actor=actor,
            body=f"Message {i}",
            is_internal=bool(i % 2),
            attachments=[SimpleUploadedFile(f"log{i}.txt", b"x")] if i % 3 == 0 else [],
        )
        assert comment.pk
        services.ticket_update(ticket, actor=actor, changes={"title": f"Title {i}"})


def test_ticket_page_query_count_is_constant(client, engineer, agent, ticket, product):
    for _ in range(3):
        f.SkillFactory(user=f.UserFactory(role=Role.ENGINEER), product=product)
    _login(client, engineer)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(_url(ticket))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["timeline"])

    _grow(ticket, agent, 3)
    few, entries_few = load()
    _grow(ticket, agent, 27)
    for _ in range(5):
        f.SkillFactory(user=f.UserFactory(role=Role.ENGINEER), product=product)
    many, entries_many = load()
    assert entries_many > entries_few + 50
    assert many == few


# --------------------------------------------------------------------------- hotline


@pytest.fixture
def caller(org):
    return f.ContactFactory(organization=org, name="Zhang Wei", phone="+86 139-1234 5678")


def _call(**kw):
    data = {
        "call_id": "call-1",
        "caller_phone": "13912345678",
        "caller_name": "",
        "contact": "",
        "organization": "",
        "product": "",
        "kind": TicketKind.CONSULTATION,
        "severity": "",
        "title": "",
        "notes": "How do I reprint an invoice?\nExplained the menu.",
    }
    data.update(kw)
    return data


def test_lookup_lists_contacts_and_fills_the_form(client, agent, caller, org):
    _login(client, agent)
    response = client.get(LOOKUP, {"phone": "139 1234 5678"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Zhang Wei" in page and "Acme Power" in page
    assert "<html" not in page  # a fragment
    assert f"contact={caller.pk}" in page
    response = client.get(LOOKUP, {"phone": "13912345678", "contact": caller.pk})
    page = response.content.decode()
    assert f'name="contact" value="{caller.pk}"' in page
    assert 'id="id_organization"' in page and 'hx-swap-oob="true"' in page
    assert f'<option value="{org.pk}" selected>' in page
    assert 'value="Zhang Wei"' in page  # caller name filled in
    response = client.get(LOOKUP, {"caller_phone": "000 999", "contact": caller.pk})
    page = response.content.decode()
    assert "No known caller" in page and 'name="contact"' not in page
    assert client.get(LOOKUP, {"phone": "1"}).content.decode().strip() == ""


def test_hotline_call_resolved_on_first_contact(client, agent, caller, product):
    _login(client, agent)
    response = client.post(
        HOTLINE,
        _call(
            contact=caller.pk,
            product=product.pk,
            resolved_on_first_contact="on",
            caller_name="Zhang Wei",
        ),
    )
    assert response.status_code == 302
    call = HotlineCall.objects.get()
    ticket = call.ticket
    assert response.url == _url(ticket)
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.first_contact_resolution
    assert ticket.channel == Channel.HOTLINE and ticket.contact == caller
    assert ticket.title == "How do I reprint an invoice?"
    page = client.get(response.url).content.decode()
    assert f"Call logged as ticket {ticket.number}, resolved on first contact." in page
    # A double submit of the same form does not log a second call.
    response = client.post(HOTLINE, _call(contact=caller.pk, resolved_on_first_contact="on"))
    assert response.status_code == 302 and response.url == _url(ticket)
    assert HotlineCall.objects.count() == 1
    page = client.get(HOTLINE).content.decode()
    assert ticket.number in page and "First-contact resolution" in page


def test_hotline_call_for_unknown_number(client, agent, org, other_org):
    _login(client, agent)
    response = client.post(HOTLINE, _call(caller_phone="021 5555 0000", call_id="c2"))
    assert response.status_code == 302 and response.url == HOTLINE
    call = HotlineCall.objects.get()
    assert call.ticket is None and call.organization is None
    assert "no ticket was opened" in client.get(HOTLINE).content.decode()
    response = client.post(
        HOTLINE,
        _call(
            caller_phone="021 5555 0000",
            call_id="c3",
            organization=other_org.pk,
            kind=TicketKind.FAULT,
            severity="L2",
            title="Server down",
        ),
    )
    ticket = HotlineCall.objects.get(external_call_id="c3").ticket
    assert response.url == _url(ticket)
    assert (ticket.organization, ticket.severity, ticket.severity_confirmed) == (
        other_org,
        "L2",
        True,
    )
    assert ticket.status == TicketStatus.NEW


def test_hotline_errors_are_400(client, agent, caller, other_org):
    _login(client, agent)
    response = client.post(HOTLINE, _call(notes="", caller_phone=""))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(HOTLINE, _call(contact=caller.pk, organization=other_org.pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This contact belongs to another organization." in page
    assert f'name="contact" value="{caller.pk}"' in page  # the chosen caller is kept
    assert not HotlineCall.objects.exists()


def test_hotline_recent_calls_constant_queries(client, agent, org):
    _login(client, agent)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(HOTLINE)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["calls"])

    def log(n):
        for _ in range(n):
            services.hotline_call_log(
                actor=agent,
                caller_phone="13800000000",
                notes="Question",
                organization=f.OrganizationFactory(),
            )

    log(3)
    few, rows = load()
    assert rows == 3
    log(27)
    many, rows = load()
    assert rows == 20
    assert many == few


def test_organization_filter_by_code_with_suggestions(client, agent, queue_data, org, other_org):
    a, _b, c = queue_data
    _login(client, agent)
    assert _numbers(client.get(QUEUE, {"organization_code": org.code.upper()})) == [
        c.number,
        a.number,
    ]
    page = client.get(QUEUE).content.decode()
    assert 'list="organization-options"' in page
    assert f">{other_org.name}</option>" not in page  # no <select> of every organization
    options = client.get(reverse("staff:organization-options"), {"q": "acme"}).content.decode()
    assert f'<option value="{org.code}">{org.name}</option>' in options
    assert other_org.name not in options


def test_assignee_filter_by_user_name_with_suggestions(client, agent, queue_data, engineer):
    _a, _b, c = queue_data
    _login(client, agent)
    assert _numbers(client.get(QUEUE, {"assignee_username": engineer.username.upper()})) == [
        c.number
    ]
    assert 'list="staff-options"' in client.get(QUEUE).content.decode()
    options = client.get(reverse("staff:staff-options"), {"q": "engin"}).content.decode()
    assert f'<option value="{engineer.username}">' in options
    assert agent.username not in options


def test_bulk_assign_rejects_unknown_or_customer_user_names(client, agent, queue_data, customer):
    a, _b, _c = queue_data
    _login(client, agent)
    for name in ("nobody", customer.username):
        response = client.post(BULK, {"tickets": [a.pk], "assignee": name}, follow=True)
        assert "No active member of staff has this user name." in response.content.decode()
    a.refresh_from_db()
    assert a.assignee is None
